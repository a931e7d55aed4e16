// The register stage on register extracts it did not make: a key listed twice or missing stops
// it with the file, row and field (never a value); a disposal or offence that references nothing
// is left out and counted in the summary; a column missing or of the wrong kind is named before
// anything is loaded.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import registerStage from '../../stages/register/stage.ts';
import { runStageDirect } from '../helpers/run-stage.ts';
import { Duck } from '../../src/duck.ts';
import { writeHandRegister, type HandRegister } from './hand-register.ts';

const STAGE_URL = new URL('../../stages/register/stage.ts', import.meta.url).href;

/** Three people, each with a community order in 2018 proving one offence, and a caution for the first. */
function clean(): HandRegister {
  const reg: HandRegister = { people: [], disposals: [], offences: [], extractDate: '2023-01-01' };
  for (const id of [101, 102, 103]) {
    reg.people.push({ register_id: id, dob: '1980-06-15' });
    reg.disposals.push({ disposal_id: id * 10, register_id: id, disposal_date: '2018-03-01', disposal_type: 'community', sentence_months: 12 });
    reg.offences.push({ offence_id: id * 10, register_id: id, disposal_id: id * 10, offence_date: '2018-01-01' });
  }
  reg.disposals.push({ disposal_id: 1011, register_id: 101, disposal_date: '2019-06-01', disposal_type: 'caution' });
  reg.offences.push({ offence_id: 1011, register_id: 101, disposal_id: 1011, offence_date: '2019-05-01' });
  return reg;
}

/** Rewrite one file of a register folder through a query over it (`f` is the file). */
async function rewrite(folder: string, file: string, select: string): Promise<void> {
  const path = join(folder, `${file}.parquet`);
  const db = await Duck.open({ threads: 1 });
  try {
    await db.run(`CREATE TABLE t AS ${select.replaceAll('{f}', 'read_parquet($f)')}`, { f: path });
    await db.run('COPY t TO $f (FORMAT parquet)', { f: path });
  } finally {
    db.close();
  }
}

async function run(folder: string): Promise<{ error?: string; summary?: Record<string, unknown>; events?: number[] }> {
  try {
    const r = await runStageDirect(registerStage, STAGE_URL, { inputs: { reference: folder } });
    const db = await Duck.open({ threads: 1 });
    try {
      const rows = await db.all<{ id: number }>('SELECT event_id::INTEGER AS id FROM read_parquet($p) ORDER BY 1', { p: r.outputs.events! });
      return { summary: (r.result || {}).summary as Record<string, unknown>, events: rows.map((x) => x.id) };
    } finally {
      db.close();
    }
  } catch (e) {
    return { error: (e as Error).message };
  }
}

test('the clean register gives one event per index disposal and leaves nothing out', async () => {
  const r = await run(await writeHandRegister(clean()));
  assert.equal(r.events, [1010, 1011, 1020, 1030]);
  assert.equal((r.summary as { left_out: unknown }).left_out, { disposals_without_person: 0, offences_without_disposal: 0, events_without_person: 0 });
  assert.is((r.summary as { events: number }).events, 4);
});

test('a disposal listed twice stops the stage, naming file, row and field, and no value', async () => {
  const folder = await writeHandRegister(clean());
  // the third data row again, at the end (row 5)
  await rewrite(folder, 'disposals', 'SELECT * FROM {f} UNION ALL (SELECT * FROM {f} LIMIT 1 OFFSET 2)');
  const r = await run(folder);
  assert.ok(r.error, 'no error');
  assert.match(r.error!, /reference\/disposals\.parquet row 5, disposal_id: the same as row 3's \(1 row repeats an earlier one\)/);
  assert.not.match(r.error!, /1030|2018|103\b/, 'the message quotes a value');
});

test('a person listed twice, and a person without a register id, stop the stage', async () => {
  const folder = await writeHandRegister(clean());
  await rewrite(folder, 'people', 'SELECT * FROM {f} UNION ALL (SELECT * FROM {f} LIMIT 1) UNION ALL (SELECT * REPLACE (NULL::BIGINT AS register_id) FROM {f} LIMIT 1)');
  const r = await run(folder);
  assert.match(r.error ?? '', /reference\/people\.parquet row 5, register_id: missing \(1 row without one\)/);
  assert.match(r.error ?? '', /reference\/people\.parquet row 4, register_id: the same as row 1's/);
});

test('an offence listed twice stops the stage', async () => {
  const folder = await writeHandRegister(clean());
  await rewrite(folder, 'offences', 'SELECT * FROM {f} UNION ALL (SELECT * FROM {f} LIMIT 1 OFFSET 1)');
  const r = await run(folder);
  assert.match(r.error ?? '', /reference\/offences\.parquet row 5, offence_id: the same as row 2's/);
});

test('a disposal of a person not in people.parquet, and an offence of a disposal not in disposals.parquet, are left out and counted', async () => {
  const folder = await writeHandRegister(clean());
  await rewrite(folder, 'people', 'SELECT * FROM {f} WHERE register_id <> 103');
  await rewrite(folder, 'offences', "SELECT * FROM {f} UNION ALL (SELECT * REPLACE (offence_id + 1 AS offence_id, 99999 AS disposal_id) FROM {f} LIMIT 1)");
  const r = await run(folder);
  assert.is(r.error, undefined);
  assert.equal(r.events, [1010, 1011, 1020], 'the event of the missing person is not written');
  const summary = r.summary as { events: number; people_with_events: number; left_out: Record<string, number> };
  assert.equal(summary.left_out, { disposals_without_person: 1, offences_without_disposal: 1, events_without_person: 1 });
  assert.is(summary.events, 3, 'the summary counts what was written');
  assert.is(summary.people_with_events, 2);
});

test('a missing column, or a date stored as text, is named before anything is loaded', async () => {
  const folder = await writeHandRegister(clean());
  await rewrite(folder, 'disposals', 'SELECT * REPLACE (strftime(disposal_date, \'%d/%m/%Y\') AS disposal_date) FROM {f}');
  await rewrite(folder, 'offences', 'SELECT * EXCLUDE (proven_date) FROM {f}');
  const r = await run(folder);
  assert.match(r.error ?? '', /reference\/disposals\.parquet, column disposal_date: must be a DATE, is VARCHAR/);
  assert.match(r.error ?? '', /reference\/offences\.parquet: no column proven_date/);
  assert.not.match(r.error ?? '', /01\/03\/2018/);
});

test.run();
