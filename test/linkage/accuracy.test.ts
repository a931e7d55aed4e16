// Acceptance: against the synthetic truth at the default error rates (typos anywhere, nicknames
// from the generator's own list, names in the wrong order, middle names, parts of multi-part
// surnames, twins and namesakes in the register) plus 1 % of dates of birth left blank,
// precision of at least 0.999 and recall of at least 0.98 of the cohort rows whose person is in
// the register. A small world (50,000 people, a 600-person programme plus injected extra and
// duplicate rows) is generated in a temp folder by the synth library, then the real register and
// linkage stages run on it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_PROGRAMME, DEFAULT_SEED, synthesize } from '../../synth/index.ts';
import registerStage from '../../stages/register/stage.ts';
import { runStageDirect } from '../helpers/run-stage.ts';
import { runLinkage, type LinkageFiles } from '../helpers/run-linkage.ts';
import { Duck } from '../../src/duck.ts';
import { cohortCsvToParquet, linkQuality, worldPaths, type Quality } from './synth-world.ts';
import { testTempDir } from '../helpers/temp-dir.ts';

const REGISTER_URL = new URL('../../stages/register/stage.ts', import.meta.url).href;

let quality: Quality;
let linkInputs: LinkageFiles;
let links: string;
let report: string;
let truth: string;

test.before(async () => {
  const dataDir = testTempDir('linkage-world-');
  await synthesize({ dataDir, seed: DEFAULT_SEED, people: 50_000, programmes: [{ ...DEMO_PROGRAMME, cohort: 600 }], errors: { missingDob: 0.01 } });
  const w = worldPaths(dataDir, DEMO_PROGRAMME.id);
  truth = w.truth;
  const reg = await runStageDirect(registerStage, REGISTER_URL, { inputs: { reference: w.reference } });
  const cohort = join(dataDir, 'cohort.parquet');
  await cohortCsvToParquet(w.cohortCsv, cohort);
  linkInputs = { reference: w.reference, cohort, request: w.request, events: reg.outputs.events! };
  const run = await runLinkage(linkInputs);
  links = run.outputs.links!;
  report = run.outputs.matchReport!;
  quality = await linkQuality(links, truth);
});

test('precision >= 0.999 and recall >= 0.98 at the default error rates', () => {
  const detail = `precision ${quality.precision.toFixed(4)}, recall ${quality.recall.toFixed(4)}, missed ${JSON.stringify(quality.missedByError)}, wrong ${JSON.stringify(quality.wrongByError)}`;
  assert.ok(quality.inRegister >= 600, `the world has the programme's people (${quality.inRegister})`);
  assert.ok(quality.precision >= 0.999, detail);
  assert.ok(quality.recall >= 0.98, detail);
});

test('rows of people not in the register are never linked; duplicates are flagged', async () => {
  const db = await Duck.open({ threads: 1 });
  try {
    const r = (await db.one<Record<string, number>>(
      `SELECT count(*) FILTER (WHERE t.register_id IS NULL AND l.register_id IS NOT NULL)::INTEGER AS strangers_linked,
              count(*) FILTER (WHERE t.duplicate_of IS NOT NULL)::INTEGER AS true_duplicates,
              count(*) FILTER (WHERE t.duplicate_of IS NOT NULL AND l.status = 'duplicate')::INTEGER AS flagged
       FROM read_csv($truth, header = true, types = {'row': 'INTEGER', 'register_id': 'BIGINT', 'disposal_id': 'BIGINT', 'duplicate_of': 'INTEGER', 'errors': 'VARCHAR'}) t
       JOIN read_parquet($links) l USING (row)`,
      { truth, links },
    ))!;
    assert.is(r.strangers_linked, 0);
    assert.ok(r.true_duplicates! > 0);
    assert.is(r.flagged, r.true_duplicates);
  } finally {
    db.close();
  }
});

test('the chosen index event is the sentence the intervention belongs to', () => {
  assert.ok(quality.eventAgreement >= 0.97, `event agreement ${quality.eventAgreement}`);
});

test('match report agrees with the links', async () => {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  assert.is(r.cohort_rows, quality.rows);
  assert.is(r.linked, quality.statuses.linked ?? 0);
  const lost = (r.attrition as { lost?: number }[]).reduce((a, s) => a + (s.lost ?? 0), 0);
  assert.is(lost + r.linked, r.cohort_rows);
});

test('same inputs, same bytes (two threads)', async () => {
  const again = await runLinkage(linkInputs);
  assert.ok(readFileSync(again.outputs.links!).equals(readFileSync(links)));
  assert.ok(readFileSync(again.outputs.matchReport!).equals(readFileSync(report)));
});

test.run();
