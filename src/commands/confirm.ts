// Asking before a destructive command acts. Only on a terminal: in cron, CI or a pipe there is no
// one to ask, so the command goes ahead (a script that calls it has said so by calling it); a
// person at a terminal gets one question and must answer y.
import { createInterface } from 'node:readline/promises';

export async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return true;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
