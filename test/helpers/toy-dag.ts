// A small DAG of toy stages written into a temp folder: real files, a real DuckDB, the real
// runner. Tests change one thing (a param, a SQL file, an input row) and watch what re-runs.
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openProject } from '../../src/project.ts';
import { describeReason } from '../../src/explain.ts';
import { Runner, type RunEvent, type RunOptions, type RunOutcome } from '../../src/runner.ts';

export const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
const TMP = fileURLToPath(new URL('../../.tmp/', import.meta.url));

/**
 * clean -> summary -> report, plus an independent `other`:
 * - clean: reads inputs/{request}/people.csv, keeps rows with score >= $min_score, writes parquet.
 * - summary: counts rows per band (score >= 50 or not): early cutoff when a score moves within its band.
 * - report: renders the summary as HTML (published).
 * - other: reads inputs/shared.csv, independent of the others.
 */
export function makeToyProject(): string {
  // Inside the repo's .tmp/, not the OS temp folder: tsx does not reload a changed module that lives
  // outside the project, and these tests edit modules between runs.
  mkdirSync(TMP, { recursive: true });
  const root = mkdtempSync(join(TMP, 'toy-dag-'));
  made.push(root);
  const w = (rel: string, text: string) => {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), text);
  };
  w('pipeline.config.ts', `
import { defineDag } from '${SRC}dag.ts';
export default defineDag({ dataDir: 'data', stages: [{ module: './stages/clean.ts', params: { min_score: 10 } }, './stages/summary.ts', './stages/report.ts', './stages/other.ts'] });
`);
  w('stages/clean.ts', `
import { join } from 'node:path';
import { defineStage } from '${SRC}stage.ts';
import { banner } from './lib/banner.ts';
export default defineStage({
  name: 'clean',
  inputs: { people: 'file:inputs/{request}/people.csv' },
  outputs: { table: { format: 'parquet', classification: 'personal', key: ['id'] } },
  code: ['clean.sql'],
  params: { min_score: 10 },
  async run({ db, inputs, outputs, params, dir, log }) {
    log.info(banner('clean'));
    if (process.env.TOY_HANG_IN_CLEAN) {
      const { writeFileSync } = await import('node:fs');
      writeFileSync(outputs.table!, 'half a parquet file');
      writeFileSync(process.env.TOY_HANG_IN_CLEAN, 'writing');
      await new Promise(() => {});
    }
    await db.file(join(dir, 'clean.sql'), { input: inputs.people!, out: outputs.table!, min_score: (params as { min_score: number }).min_score });
  },
});
`);
  w('stages/clean.sql', `
-- keep people at or above the minimum score
COPY (SELECT id, name, score FROM read_csv($input, header = true) WHERE score >= $min_score ORDER BY id)
  TO $out (FORMAT parquet);
`);
  w('stages/lib/banner.ts', `export const banner = (s: string) => 'stage ' + s + ' v1';\n`);
  w('stages/summary.ts', `
import { writeFileSync } from 'node:fs';
import { defineStage } from '${SRC}stage.ts';
export default defineStage({
  name: 'summary',
  inputs: { table: 'clean.table' },
  outputs: { counts: { format: 'json', classification: 'aggregate' } },
  async run({ db, inputs, outputs }) {
    if (process.env.TOY_PAUSE_IN_SUMMARY) {
      // Tests of what may happen during a run: say "paused", then wait for "go".
      const { existsSync, writeFileSync } = await import('node:fs');
      const flag = process.env.TOY_PAUSE_IN_SUMMARY;
      writeFileSync(flag + '.paused', '');
      while (!existsSync(flag + '.go')) await new Promise((r) => setTimeout(r, 50));
    }
    const rows = await db.all<{ band: string; n: number }>("SELECT CASE WHEN score >= 50 THEN 'high' ELSE 'low' END AS band, count(*)::INTEGER AS n FROM read_parquet($p) GROUP BY band ORDER BY band", { p: inputs.table! });
    writeFileSync(outputs.counts!, JSON.stringify(rows));
  },
});
`);
  w('stages/report.ts', `
import { readFileSync, writeFileSync } from 'node:fs';
import { defineStage } from '${SRC}stage.ts';
export default defineStage({
  name: 'report',
  inputs: { counts: 'summary.counts' },
  outputs: { page: { format: 'html', classification: 'aggregate', publish: 'reports/{request}/report.html' } },
  async run({ inputs, outputs }) {
    const rows = JSON.parse(readFileSync(inputs.counts!, 'utf8')) as { band: string; n: number }[];
    writeFileSync(outputs.page!, '<ul>' + rows.map((r) => '<li>' + r.band + ': ' + r.n + '</li>').join('') + '</ul>');
  },
});
`);
  w('stages/other.ts', `
import { defineStage } from '${SRC}stage.ts';
export default defineStage({
  name: 'other',
  inputs: { shared: 'file:inputs/shared.csv' },
  outputs: { copy: { format: 'csv', classification: 'aggregate' } },
  async run({ db, inputs, outputs }) {
    await db.run('COPY (SELECT * FROM read_csv($i, header = true) ORDER BY k) TO $o (FORMAT csv)', { i: inputs.shared!, o: outputs.copy! });
  },
});
`);
  writePeople(root, '123', [
    [1, 'Ada', 12],
    [2, 'Bea', 55],
    [3, 'Cal', 70],
    [4, 'Dee', 5],
  ]);
  w('inputs/shared.csv', 'k,v\n1,a\n2,b\n');
  return root;
}

const made: string[] = [];

/** Remove every toy project this process made: call it from a test file's `test.after`. */
export function removeToyProjects(): void {
  for (const root of made.splice(0)) rmSync(root, { recursive: true, force: true });
}

export function writePeople(root: string, request: string, rows: [number, string, number][]): void {
  mkdirSync(join(root, 'inputs', request), { recursive: true });
  writeFileSync(join(root, 'inputs', request, 'people.csv'), 'id,name,score\n' + rows.map((r) => r.join(',')).join('\n') + '\n');
}

export function edit(root: string, rel: string, from: string, to: string): void {
  const p = join(root, rel);
  const text = readFileSync(p, 'utf8');
  if (!text.includes(from)) throw new Error(`${rel} does not contain ${from}`);
  writeFileSync(p, text.replace(from, to));
}

export interface ToyRun {
  outcome: RunOutcome;
  events: RunEvent[];
  /** stage -> final state in this run */
  states: Record<string, string>;
  ran: string[];
  reasons: Record<string, string>;
}

export async function runToy(root: string, options: Partial<RunOptions> = {}): Promise<ToyRun> {
  const project = await openProject(join(root, 'pipeline.config.ts'));
  const events: RunEvent[] = [];
  const outcome = await new Runner(project).run({ request: '123', ...options, onEvent: (e) => events.push(e) });
  const states: Record<string, string> = {};
  const reasons: Record<string, string> = {};
  for (const e of events) {
    if (e.type === 'stage' && !['hashing', 'running'].includes(e.state)) {
      states[e.stage] = e.state;
      if (e.reason) reasons[e.stage] = describeReason(e.reason);
      if (e.error) reasons[e.stage] = e.error;
    }
  }
  return { outcome, events, states, ran: Object.keys(states).filter((s) => states[s] === 'ran').sort(), reasons };
}
