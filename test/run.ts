// `npm test`: uvu over every test file, as before, plus a non-zero exit when a test neither passed
// nor failed. uvu 0.5.6 returns from its runner's `finally` block, which discards an error thrown
// by a test.before/test.after hook: that file's tests then never run, no failure is printed, and
// uvu exits 0 (seen here: a register fixture the stage rightly refused made 11 tests silently not
// run). uvu's output passes through unchanged; CI reads its summary.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const uvu = fileURLToPath(new URL('../node_modules/uvu/bin.js', import.meta.url));
// uvu's own arguments may be given (a folder and a pattern, as `npx uvu` takes them); by default every test
const args = [uvu, '-r', 'tsx', ...(process.argv.length > 2 ? process.argv.slice(2) : ['test', '\\.test\\.ts$', '-i', 'fixtures'])];
const child = spawn(process.execPath, args, { stdio: ['inherit', 'pipe', 'inherit'] });
let output = '';
child.stdout.on('data', (chunk: Buffer) => {
  process.stdout.write(chunk);
  output += chunk.toString('utf8');
});
child.on('close', (code) => {
  const text = output.replace(/\x1b\[[0-9;]*m/g, '');
  const count = (label: string) => Number(new RegExp(`^\\s*${label}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? NaN);
  // uvu's Total leaves out skipped tests (test.skip never joins the list it counts)
  const [total, passed] = [count('Total'), count('Passed')];
  const notRun = total - passed;
  if (code === 0 && !(notRun === 0)) {
    // the files whose line reads (k / n) with k < n: uvu prints each file's name, then its count
    const files = [...text.matchAll(/^(\S+\.test\.ts)\n[^\n]*\((\d+) \/ (\d+)\)/gm)].filter((m) => Number(m[2]) < Number(m[3])).map((m) => m[1]);
    console.error(`npm test: ${Number.isNaN(notRun) ? 'no summary from uvu' : `${notRun} tests did not run`}` +
      `${files.length ? ` (${files.join(', ')})` : ''}: a test.before or test.after hook failed, and uvu does not print its error`);
    process.exit(1);
  }
  process.exit(code ?? 1);
});
