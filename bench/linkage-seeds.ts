// `npm run bench -- linkage-seeds [N]`: the linkage stage's precision and recall against the
// synthetic truth on N fresh worlds (default 5), each 50,000 people and a 600-person programme
// with the default error rates plus 1 % of dates of birth left blank, as test/linkage/accuracy
// runs on one seed. A single world's ~610 links cannot show a precision of 0.999 (one false link
// is 0.9984): the pooled figure over seeds can.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_PROGRAMME, DEFAULT_SEED, synthesize } from '../synth/index.ts';
import registerStage from '../stages/register/stage.ts';
import { runStageDirect } from '../test/helpers/run-stage.ts';
import { runLinkage } from '../test/helpers/run-linkage.ts';
import { cohortCsvToParquet, linkQuality, worldPaths } from '../test/linkage/synth-world.ts';
import { recordBenchmark, type Row } from './record.ts';

const n = Number(process.argv[2] ?? 5);
const rows: Row[] = [];
let links = 0, correct = 0, inRegister = 0;
for (let k = 0; k < n; k++) {
  const seed = DEFAULT_SEED + 1000 * k;
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-linkage-seed-'));
  try {
    await synthesize({ dataDir, seed, people: 50_000, programmes: [{ ...DEMO_PROGRAMME, cohort: 600 }], errors: { missingDob: 0.01 } });
    const w = worldPaths(dataDir, DEMO_PROGRAMME.id);
    const reg = await runStageDirect(registerStage, new URL('../stages/register/stage.ts', import.meta.url).href, { inputs: { reference: w.reference } });
    const cohort = join(dataDir, 'cohort.parquet');
    await cohortCsvToParquet(w.cohortCsv, cohort);
    const run = await runLinkage({ reference: w.reference, cohort, request: w.request, events: reg.outputs.events! });
    const q = await linkQuality(run.outputs.links!, w.truth);
    links += q.withRegisterId; correct += q.correct; inRegister += q.inRegister;
    rows.push({
      seed, 'rows of people in the register': q.inRegister, 'rows given an id': q.withRegisterId, correct: q.correct,
      precision: q.precision.toFixed(4), recall: q.recall.toFixed(4),
      'missed by error': Object.entries(q.missedByError).map(([e, c]) => `${e} ${c}`).join(', '),
      'wrong by error': Object.entries(q.wrongByError).map(([e, c]) => `${e} ${c}`).join(', '),
    });
    console.log(JSON.stringify(rows.at(-1)));
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
rows.push({ seed: 'pooled', 'rows of people in the register': inRegister, 'rows given an id': links, correct, precision: (correct / links).toFixed(4), recall: (correct / inRegister).toFixed(4), 'missed by error': '', 'wrong by error': '' });
recordBenchmark(`linkage on ${n} fresh synthetic worlds (pipeline stage, 50,000 people, 600-person programme)`, rows,
  'Default error rates plus 1 % of dates of birth blank; errors of a row are `;`-separated in the truth (a missed row counts once per error it carries). Precision: of rows given a register id, the share right; recall: of rows whose person is in the register, the share given the right id.');
