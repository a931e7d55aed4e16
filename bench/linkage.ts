// `npm run bench -- linkage [DATA_DIR] [REQUEST_ID]`: linkage of the 58,000-person synthetic
// cohort (the largest the real service has received) against the 5,000,000-person register,
// with precision and recall against the synthetic truth. Needs the register built by
//   npm run synth -- --people 5000000 --request-size 58000 --data-dir data/scratch/national
// and the events from `npm run bench -- register` (DATA_DIR/events.parquet).
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runLinkage, runLinkageModel } from '../test/helpers/run-linkage.ts';
import { cohortCsvToParquet, linkQuality, worldPaths } from '../test/linkage/synth-world.ts';
import { measure, recordBenchmark } from './record.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const dataDir = resolve(process.argv[2] ?? join(ROOT, 'data', 'scratch', 'national'));
const id = process.argv[3] ?? 'national';
const w = worldPaths(dataDir, id);
const events = join(dataDir, 'events.parquet');
for (const [what, path] of [['register', join(w.reference, 'extract.json')], ['cohort', w.cohortCsv], ['events', events]] as const) {
  if (!existsSync(path)) {
    console.error(`missing ${what} (${path}): run npm run synth -- --people 5000000 --request-size 58000 --data-dir ${dataDir}, then npm run bench -- register ${dataDir}`);
    process.exit(2);
  }
}
const people = (JSON.parse(readFileSync(join(w.reference, 'extract.json'), 'utf8')) as { people: number }).people;
const scratch = mkdtempSync(join(tmpdir(), 'bench-linkage-'));
const cohort = join(scratch, 'cohort.parquet');
await cohortCsvToParquet(w.cohortCsv, cohort);

// CPU time of the process (DuckDB's threads included): on a shared machine the wall time says
// more about the other users than about the stage.
// The linkage-model stage runs once per register build and is measured on its own.
const model = await measure(() => runLinkageModel(w.reference));
const cpuBefore = process.cpuUsage();
const run = await measure(() => runLinkage({ reference: w.reference, cohort, request: w.request, events }, { model: model.value }));
const cpu = process.cpuUsage(cpuBefore);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
const report = JSON.parse(readFileSync(run.value.outputs.matchReport!, 'utf8')) as {
  cohort_rows: number; linked: number; blocking: { candidate_pairs: number; plausible_pairs: number };
  model: { training: { em_iterations: number; m_from: string; random_pairs: number } };
  by_tier: { tier: string; matched: number }[]; attrition: { step: string; lost?: number }[];
};
const q = await linkQuality(run.value.outputs.links!, w.truth);
const tiers = Object.fromEntries(report.by_tier.map((t) => [t.tier, t.matched]));
const lost = Object.fromEntries(report.attrition.filter((a) => a.lost !== undefined).map((a) => [a.step, a.lost!]));

recordBenchmark('linkage stage (national register, largest cohort)', [
  {
    'register people': people.toLocaleString('en-GB'),
    'cohort rows': report.cohort_rows.toLocaleString('en-GB'),
    'candidate pairs': report.blocking.candidate_pairs.toLocaleString('en-GB'),
    'plausible pairs': report.blocking.plausible_pairs.toLocaleString('en-GB'),
    'EM iterations': report.model.training.em_iterations,
    threads: 2,
    'model stage s (once per register)': model.seconds.toFixed(1),
    seconds: run.seconds.toFixed(1),
    'CPU s': cpuSeconds.toFixed(1),
    'peak RSS MiB': run.peakMiB.toFixed(0),
    precision: q.precision.toFixed(4),
    recall: q.recall.toFixed(4),
    'right index event': q.eventAgreement.toFixed(4),
  },
], [
  `Model: m from ${report.model.training.m_from}; u from ${report.model.training.random_pairs.toLocaleString('en-GB')} random pairs. Load average at the end: ${loadavg().map((l) => l.toFixed(1)).join(', ')}.`,
  `Tiers (rows matched): pnc ${tiers.pnc}, prison number ${tiers.prison_number}, exact ${tiers.exact}, fuzzy ${tiers.fuzzy}.`,
  `Lost: ${Object.entries(lost).map(([k, v]) => `${k} ${v}`).join(', ')}; linked ${report.linked}.`,
  'Precision: of rows given a register_id, the share equal to the truth\'s; recall: of rows whose person is in the register, the share given the right register_id; right index event: of rows linked to the right person, the share whose event is the truth\'s disposal.',
].join('\n'));
