// Runs a command function and captures what it writes to stdout and stderr (console.* included),
// so tests can assert on exactly what a reviewer would see.
import { join } from 'node:path';
import { loadDag } from '../../src/dag.ts';
import { Runner } from '../../src/runner.ts';

export interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

export async function capture(fn: () => Promise<number>): Promise<Captured> {
  const out: string[] = [];
  const err: string[] = [];
  const writeOut = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    err.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  try {
    const code = await fn();
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.stdout.write = writeOut;
    process.stderr.write = writeErr;
  }
}

export async function toyRunner(root: string): Promise<Runner> {
  return new Runner(await loadDag(join(root, 'pipeline.config.ts')));
}
