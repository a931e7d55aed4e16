// The linkage stage's row-level memo: after corrections that add, remove and change rows, a run
// given its previous outputs links again only the rows whose content changed, and writes the same
// bytes as a full re-link of the corrected cohort (links, match report and the memo itself). The
// world is generated in a temp folder by the synth library; the real register, linkage-model and
// linkage stages run on it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_PROGRAMME, DEFAULT_SEED, synthesize } from '../../synth/index.ts';
import registerStage from '../../stages/register/stage.ts';
import { Duck } from '../../src/duck.ts';
import { runStageDirect, type DirectRun } from '../helpers/run-stage.ts';
import { runLinkage, runLinkageModel, type LinkageFiles } from '../helpers/run-linkage.ts';
import { cohortCsvToParquet, worldPaths } from './synth-world.ts';
import { testTempDir } from '../helpers/temp-dir.ts';

const OUTPUTS = ['links', 'matchReport', 'rowStats', 'rowEvidence', 'rowEvents'] as const;

let dir: string;
let files: LinkageFiles;
let model: DirectRun;

/** A corrected copy of the cohort: `sql` selects the corrected rows (columns as in `cohort`), renumbered from 2 in its order. */
async function corrected(name: string, sql: string): Promise<string> {
  const out = join(dir, `${name}.parquet`);
  const db = await Duck.open({ threads: 1 });
  try {
    await db.run('CREATE TABLE cohort AS FROM read_parquet($p)', { p: files.cohort });
    await db.run(`COPY (SELECT * EXCLUDE (k) REPLACE ((row_number() OVER (ORDER BY k, row) + 1)::INTEGER AS row) FROM (${sql}) ORDER BY row) TO $out (FORMAT parquet)`, { out });
  } finally {
    db.close();
  }
  return out;
}

const distinctToLink = (run: DirectRun): [number, number] => {
  const note = run.notes.find((n) => /distinct rows to link/.test(n));
  const m = /^(\d+) of (\d+) distinct rows/.exec(note ?? '');
  assert.ok(m, `the stage says how many rows it links again (${run.notes.slice(0, 3).join(' | ')})`);
  return [Number(m![1]), Number(m![2])];
};

function assertSameBytes(a: DirectRun, b: DirectRun, what: string): void {
  for (const o of OUTPUTS) assert.ok(readFileSync(a.outputs[o]!).equals(readFileSync(b.outputs[o]!)), `${what}: ${o} differs`);
}

test.before(async () => {
  dir = testTempDir('linkage-memo-');
  await synthesize({ dataDir: dir, seed: DEFAULT_SEED + 7, people: 20_000, programmes: [{ ...DEMO_PROGRAMME, cohort: 300 }], errors: { missingDob: 0.01 } });
  const w = worldPaths(dir, DEMO_PROGRAMME.id);
  const reg = await runStageDirect(registerStage, new URL('../../stages/register/stage.ts', import.meta.url).href, { inputs: { reference: w.reference } });
  const cohort = join(dir, 'cohort.parquet');
  await cohortCsvToParquet(w.cohortCsv, cohort);
  files = { reference: w.reference, cohort, request: w.request, events: reg.outputs.events! };
  model = await runLinkageModel(w.reference);
});

test('after rows are added, removed and changed, reusing the memo gives the bytes of a full re-link', async () => {
  const first = await runLinkage(files, { model });
  const [fresh, all] = distinctToLink(first);
  assert.is(fresh, all, 'a first run links every distinct row');
  // changed: two names and a date of birth; removed: three rows (the rest renumbered); added: a
  // copy of an existing row (a duplicate) and a new row made from another with a new surname
  const cohort = await corrected('corrected', `
    SELECT * REPLACE (CASE WHEN row = 5 THEN forename || 'e' ELSE forename END AS forename,
                      CASE WHEN row = 9 THEN surname || 's' ELSE surname END AS surname,
                      CASE WHEN row = 14 THEN dob + 1 ELSE dob END AS dob), 0 AS k
    FROM cohort WHERE row NOT IN (20, 21, 40)
    UNION ALL SELECT *, 1 FROM cohort WHERE row = 30
    UNION ALL SELECT * REPLACE ('Quayle-' || surname AS surname), 2 FROM cohort WHERE row = 31`);
  const incremental = await runLinkage({ ...files, cohort }, { model, previous: first.outputs });
  // (the full run loads the register's tables, the incremental one reads them in place)
  const full = await runLinkage({ ...files, cohort }, { model, registerInPlaceUpTo: 0 });
  const [again, total] = distinctToLink(incremental);
  assert.ok(again >= 4 && again <= 5, `only the changed and new contents are linked again (${again} of ${total})`);
  assert.is(distinctToLink(full)[0], total);
  assertSameBytes(incremental, full, 'incremental against full');
  // and back: the original cohort again, from the corrected run's memo
  const back = await runLinkage(files, { model, previous: incremental.outputs });
  assert.ok(distinctToLink(back)[0] <= 6, 'going back links only the rows the correction had changed or removed');
  assertSameBytes(back, first, 'back to the original');
});

test('the links do change where the content changed (the memo is not a cache of the whole answer)', async () => {
  const first = await runLinkage(files, { model });
  const db = await Duck.open({ threads: 1 });
  try {
    const linked = (await db.one<{ row: number }>(`SELECT min(row)::INTEGER AS row FROM read_parquet($p) WHERE status = 'linked'`, { p: first.outputs.links! }))!.row;
    // every identifying value of a linked row replaced by ones nobody has: it can no longer be linked
    const cohort = await corrected('unknown', `
      SELECT * REPLACE (CASE WHEN row = ${linked} THEN 'Zzyzx' ELSE surname END AS surname,
                        CASE WHEN row = ${linked} THEN 'Qwerty' ELSE forename END AS forename,
                        CASE WHEN row = ${linked} THEN NULL ELSE pnc_id END AS pnc_id,
                        CASE WHEN row = ${linked} THEN NULL ELSE prison_number END AS prison_number), 0 AS k
      FROM cohort`);
    const incremental = await runLinkage({ ...files, cohort }, { model, previous: first.outputs });
    const after = (await db.one<{ status: string }>('SELECT status FROM read_parquet($p) WHERE row = $row', { p: incremental.outputs.links!, row: linked }))!;
    assert.is.not(after.status, 'linked');
    assert.is(distinctToLink(incremental)[0], 1);
  } finally {
    db.close();
  }
});

test.run();
