// Appends a benchmark table to BENCHMARKS.md with the date, the machine and the commit, so that
// every figure in that file was produced by a bench command, never typed by hand.
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export function machine(): string {
  const cores = cpus().length;
  const model = cpus()[0]?.model.trim() ?? 'unknown cpu';
  const gib = (totalmem() / 2 ** 30).toFixed(0);
  return `${cores} cores (${model}), ${gib} GiB, Node ${process.version}`;
}

export function commit(): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    // BENCHMARKS.md itself changes with every recorded bench: it does not make the code dirty.
    const dirty = execFileSync('git', ['status', '--porcelain', '--', '.', ':!BENCHMARKS.md'], { cwd: ROOT, encoding: 'utf8' }).trim();
    return dirty ? `${sha} (with uncommitted changes)` : sha;
  } catch {
    return 'unknown';
  }
}

export type Row = Record<string, string | number>;

export function markdownTable(rows: Row[]): string {
  if (!rows.length) return '(no rows)\n';
  const cols = Object.keys(rows[0]!);
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(cols), line(cols.map(() => '---')), ...rows.map((r) => line(cols.map((c) => r[c] ?? '')))].join('\n') + '\n';
}

/** Print the table and append it to BENCHMARKS.md under a dated heading. */
export function recordBenchmark(title: string, rows: Row[], notes = ''): void {
  const file = join(ROOT, 'BENCHMARKS.md');
  if (!existsSync(file)) writeFileSync(file, '# Benchmarks\n\nEvery section below was appended by a bench command (`npm run bench -- NAME`).\n');
  const date = new Date().toISOString().slice(0, 10);
  const section = `\n## ${title}\n\n${date} · ${machine()} · commit ${commit()}\n\n${markdownTable(rows)}${notes ? `\n${notes}\n` : ''}`;
  process.stdout.write(section);
  appendFileSync(file, section);
}

/** Wall time and peak RSS of an async job in this process. */
export async function measure<T>(job: () => Promise<T>): Promise<{ value: T; seconds: number; peakMiB: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  const start = performance.now();
  try {
    const value = await job();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { value, seconds: (performance.now() - start) / 1000, peakMiB: peak / 2 ** 20 };
  } finally {
    clearInterval(timer);
  }
}
