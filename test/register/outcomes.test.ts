// The outcome definitions of methodology §5 on hand-made histories, each person built so that one
// rule decides the answer, plus an independent re-implementation of the definitions in plain
// TypeScript checked against the stage on a few hundred random histories.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import registerStage from '../../stages/register/stage.ts';
import { runStageDirect } from '../helpers/run-stage.ts';
import { Duck } from '../../src/duck.ts';
import { addDays, addMonths, writeHandRegister, type Disposal, type HandRegister, type Offence, type Person } from './hand-register.ts';

const STAGE_URL = new URL('../../stages/register/stage.ts', import.meta.url).href;
type Row = Record<string, unknown>;

async function runRegister(reg: HandRegister): Promise<Map<number, Row>> {
  const folder = await writeHandRegister(reg);
  const run = await runStageDirect(registerStage, STAGE_URL, { inputs: { reference: folder } });
  const db = await Duck.open({ threads: 1 });
  try {
    const rows = await db.json<Row>('SELECT * FROM read_parquet($p) ORDER BY event_id', { p: run.outputs.events! });
    return new Map(rows.map((r) => [Number(r.event_id), r]));
  } finally {
    db.close();
  }
}

// Index: a community order on 2018-03-01. 2018-03-01 + 1 year = 2019-03-01, which is day 365.
const INDEX = '2018-03-01';
// Disposal and offence ids of the later disposals: above every hand-numbered id (101-1052) below, so none repeats.
let nextId = 5000;

/** A person with a community-order index event (event id = 10 * person) and later disposals. */
function person(id: number, later: { date: string; type: string; offence: string; mode?: string; release?: string }[], reg: HandRegister): void {
  reg.people.push({ register_id: id, dob: '1980-06-15' });
  reg.disposals.push({ disposal_id: id * 10, register_id: id, disposal_date: INDEX, disposal_type: 'community', sentence_months: 12 });
  reg.offences.push({ offence_id: id * 10, register_id: id, disposal_id: id * 10, offence_date: addDays(INDEX, -30) });
  for (const l of later) {
    const did = nextId++;
    reg.disposals.push({ disposal_id: did, register_id: id, disposal_date: l.date, disposal_type: l.type, sentence_months: l.type === 'custody' ? 6 : null, release_date: l.release ?? null });
    reg.offences.push({ offence_id: did, register_id: id, disposal_id: did, offence_date: l.offence, mode_of_trial: l.mode ?? 'either_way' });
  }
}

function handCases(): HandRegister {
  const reg: HandRegister = { people: [], disposals: [], offences: [], spells: [], assessments: [], extractDate: '2023-01-01' };
  person(1, [{ date: '2019-05-01', type: 'fine', offence: addDays(INDEX, 365), mode: 'summary' }], reg); // day 365
  person(2, [{ date: '2019-05-01', type: 'fine', offence: addDays(INDEX, 366), mode: 'summary' }], reg); // day 366
  person(3, [{ date: addMonths(INDEX, 17), type: 'fine', offence: addDays(INDEX, 100) }], reg); // proven in month 17
  person(4, [{ date: addMonths(INDEX, 19), type: 'fine', offence: addDays(INDEX, 100) }], reg); // proven in month 19
  person(5, [
    { date: addDays(INDEX, 60), type: 'pnd', offence: addDays(INDEX, 50), mode: 'summary' }, // a penalty notice
    { date: addDays(INDEX, 220), type: 'fine', offence: addDays(INDEX, 200), mode: 'summary' },
  ], reg);
  person(6, [{ date: addDays(INDEX, 60), type: 'pnd', offence: addDays(INDEX, 50), mode: 'summary' }], reg); // only a PND
  person(7, [ // time to first reoffence and custody for the first one
    { date: addDays(INDEX, 150), type: 'fine', offence: addDays(INDEX, 30), mode: 'summary' },
    { date: addDays(INDEX, 40), type: 'custody', offence: addDays(INDEX, 12), mode: 'either_way', release: addDays(INDEX, 130) },
    { date: addDays(INDEX, 300), type: 'custody', offence: addDays(INDEX, 250), mode: 'indictable', release: addDays(INDEX, 700) },
  ], reg);
  person(8, [ // first reoffence not custody, a later one is
    { date: addDays(INDEX, 40), type: 'discharge', offence: addDays(INDEX, 20), mode: 'summary' },
    { date: addDays(INDEX, 200), type: 'custody', offence: addDays(INDEX, 100), mode: 'indictable', release: addDays(INDEX, 300) },
  ], reg);
  // Committed before the index date, proven after it: not a reoffence for the 2018 event and not
  // in its history; in the history of the later caution (2019-09-01), since proven by then.
  person(9, [
    { date: addDays(INDEX, 90), type: 'fine', offence: addDays(INDEX, -10) },
    { date: '2019-09-01', type: 'caution', offence: '2019-08-20' },
  ], reg);
  // A custodial index event: convicted 2017-06-01, released 2018-02-01; history before it.
  reg.people.push({ register_id: 10, dob: '1990-02-01' });
  const hist: Disposal[] = [
    { disposal_id: 101, register_id: 10, disposal_date: '2010-05-01', disposal_type: 'caution' },
    { disposal_id: 102, register_id: 10, disposal_date: '2012-05-01', disposal_type: 'custody', sentence_months: 4, release_date: '2012-07-01' },
    { disposal_id: 103, register_id: 10, disposal_date: '2014-05-01', disposal_type: 'fine' },
    { disposal_id: 104, register_id: 10, disposal_date: '2015-05-01', disposal_type: 'pnd' },
    { disposal_id: 105, register_id: 10, disposal_date: '2017-06-01', disposal_type: 'custody', sentence_months: 16, release_date: '2018-02-01' },
  ];
  reg.disposals.push(...hist);
  const off: Offence[] = [
    { offence_id: 1011, register_id: 10, disposal_id: 101, offence_date: '2010-04-01' },
    { offence_id: 1021, register_id: 10, disposal_id: 102, offence_date: '2012-04-01' },
    { offence_id: 1022, register_id: 10, disposal_id: 102, offence_date: '2012-04-02' },
    { offence_id: 1031, register_id: 10, disposal_id: 103, offence_date: '2014-04-01' },
    { offence_id: 1041, register_id: 10, disposal_id: 104, offence_date: '2015-04-01' },
    { offence_id: 1051, register_id: 10, disposal_id: 105, offence_date: '2017-04-01', offence_type: 'theft', mode_of_trial: 'either_way' },
    { offence_id: 1052, register_id: 10, disposal_id: 105, offence_date: '2017-04-02', offence_type: 'robbery', mode_of_trial: 'indictable' },
  ];
  reg.offences.push(...off);
  reg.spells!.push({ register_id: 10, spell_type: 'employment', start_date: '2016-01-01', end_date: null });
  reg.spells!.push({ register_id: 10, spell_type: 'benefit', start_date: addDays('2018-02-01', -100), end_date: addDays('2018-02-01', -91) });
  reg.assessments!.push({ register_id: 10, assessment_date: '2017-06-10', ogrs: 55.5, needs: [2, 1, 0, 1, 2, 0, 1, 1] });
  reg.assessments!.push({ register_id: 10, assessment_date: '2018-05-10', ogrs: 60 }); // after the index date: ignored
  // A calendar year containing 29 February: 2019-06-01 + 1 year is day 366, and counts.
  reg.people.push({ register_id: 11, dob: '1985-01-01' });
  reg.disposals.push({ disposal_id: 110, register_id: 11, disposal_date: '2019-06-01', disposal_type: 'caution' });
  reg.offences.push({ offence_id: 110, register_id: 11, disposal_id: 110, offence_date: '2019-05-01' });
  reg.disposals.push({ disposal_id: 111, register_id: 11, disposal_date: '2020-07-01', disposal_type: 'fine' });
  reg.offences.push({ offence_id: 111, register_id: 11, disposal_id: 111, offence_date: '2020-06-01' });
  // Too recent: its follow-up plus waiting period ends after the extract date.
  reg.people.push({ register_id: 12, dob: '1985-01-01' });
  reg.disposals.push({ disposal_id: 120, register_id: 12, disposal_date: '2022-01-01', disposal_type: 'community', sentence_months: 12 });
  // Still in custody (no release date): no index event.
  reg.disposals.push({ disposal_id: 121, register_id: 12, disposal_date: '2016-01-01', disposal_type: 'custody', sentence_months: 120 });
  return reg;
}

let hand: Map<number, Row>;
test.before(async () => {
  hand = await runRegister(handCases());
});

const pick = (r: Row | undefined, ...cols: string[]) => Object.fromEntries(cols.map((c) => [c, r?.[c]]));

test('an offence on day 365 is a reoffence, one on day 366 is not', () => {
  assert.equal(pick(hand.get(10), 'reoff', 'reoff_freq', 'days_to_first'), { reoff: 1, reoff_freq: 1, days_to_first: 365 });
  assert.equal(pick(hand.get(20), 'reoff', 'reoff_freq', 'days_to_first'), { reoff: 0, reoff_freq: 0, days_to_first: null });
});

test('proven in month 17 counts, proven in month 19 does not', () => {
  assert.is(hand.get(30)?.reoff, 1);
  assert.is(hand.get(40)?.reoff, 0);
});

test('a penalty notice is never a proven reoffence', () => {
  assert.equal(pick(hand.get(50), 'reoff', 'reoff_freq', 'days_to_first', 'first_summary'), { reoff: 1, reoff_freq: 1, days_to_first: 200, first_summary: 1 });
  assert.equal(pick(hand.get(60), 'reoff', 'reoff_freq'), { reoff: 0, reoff_freq: 0 });
  // and not an index event either
  const pndEvents = [...hand.values()].filter((r) => r.event_type === 'pnd' || r.sentence_type === 'pnd');
  assert.is(pndEvents.length, 0);
});

test('time to first reoffence, court outcome and custody of the first reoffence', () => {
  assert.equal(
    pick(hand.get(70), 'reoff_freq', 'days_to_first', 'first_indictable', 'first_either_way', 'first_summary', 'freq_indictable', 'freq_either_way', 'freq_summary', 'first_custody', 'custody_freq'),
    { reoff_freq: 3, days_to_first: 12, first_indictable: 0, first_either_way: 1, first_summary: 0, freq_indictable: 1, freq_either_way: 1, freq_summary: 1, first_custody: 1, custody_freq: 2 },
  );
  assert.equal(pick(hand.get(80), 'days_to_first', 'first_custody', 'custody_freq', 'first_summary'), { days_to_first: 20, first_custody: 0, custody_freq: 1, first_summary: 1 });
  // reoffender-only measures are NULL for non-reoffenders
  assert.equal(pick(hand.get(20), 'first_custody', 'custody_freq', 'freq_summary'), { first_custody: null, custody_freq: null, freq_summary: null });
});

test('an offence committed before the index date and proven after it: not a reoffence, history only once proven', () => {
  const first = hand.get(90)!;
  assert.equal(pick(first, 'reoff', 'prev_offences', 'prev_convictions'), { reoff: 0, prev_offences: 0, prev_convictions: 0 });
  const caution = [...hand.values()].find((r) => Number(r.register_id) === 9 && r.event_type === 'caution')!;
  assert.ok(caution, 'the later caution is an index event');
  // history of the caution: the community order's offence and the late-proven one; the 2018
  // community order and the fine are two convictions
  assert.equal(pick(caution, 'prev_offences', 'prev_convictions', 'prev_cautions'), { prev_offences: 2, prev_convictions: 2, prev_cautions: 0 });
});

test('custodial index event: index on release, history strictly before, the index sentence excluded', () => {
  const e = hand.get(105)!;
  assert.equal(
    pick(e, 'index_date', 'event_type', 'sentence_type', 'sentence_months', 'age_index', 'prev_offences', 'prev_convictions', 'prev_cautions', 'prev_custody', 'age_first_offence', 'index_offence_type', 'index_year'),
    { index_date: '2018-02-01', event_type: 'custody_release', sentence_type: 'custody', sentence_months: 16, age_index: 28, prev_offences: 4, prev_convictions: 2, prev_cautions: 1, prev_custody: 1, age_first_offence: 20, index_offence_type: 'robbery', index_year: 2018 },
  );
  // Copas: 4 sanctions (caution, custody, fine, the index) over 10 + whole years since the first offence (2010-04-01 to 2018-02-01: 7)
  assert.ok(Math.abs(Number(e.offending_rate) - Math.log(4 / 17)) < 1e-6);
  assert.equal(pick(e, 'employed_days_1y', 'benefit_days_1y', 'has_assessment', 'ogrs', 'need_accommodation', 'need_drugs'), { employed_days_1y: 365, benefit_days_1y: 10, has_assessment: 1, ogrs: 55.5, need_accommodation: 2, need_drugs: 2 });
  assert.is(hand.get(102)?.prev_custody, 0);
});

test('a follow-up year containing 29 February is 366 days long', () => {
  assert.equal(pick(hand.get(110), 'reoff', 'days_to_first'), { reoff: 1, days_to_first: 366 });
});

test('no event without a release date or a complete follow-up', () => {
  assert.not.ok(hand.has(120));
  assert.not.ok(hand.has(121));
  assert.not.ok(hand.has(104), 'a PND is not an index event');
  assert.not.ok(hand.has(103), 'a fine is not an index event');
});

// The follow-up plus waiting period ends on index + 1 year + 6 months, with month ends clamped
// (2023-08-30 + 6 months is 2024-02-29 in a leap year): an event is kept exactly when that day is
// on or before the extract date, on both sides of a clamped month end.
test('an event is kept exactly when its window ends by the extract date, month ends clamped', async () => {
  const days = ['2022-08-27', '2022-08-28', '2022-08-29', '2022-08-30', '2022-08-31', '2022-09-01'];
  const kept = async (extractDate: string): Promise<string[]> => {
    const reg: HandRegister = { people: [], disposals: [], offences: [], extractDate };
    days.forEach((day, i) => {
      reg.people.push({ register_id: i + 1, dob: '1980-01-01' });
      reg.disposals.push({ disposal_id: i + 1, register_id: i + 1, disposal_date: day, disposal_type: 'community', sentence_months: 12 });
    });
    const rows = await runRegister(reg);
    return days.filter((_, i) => rows.has(i + 1));
  };
  // window ends: 08-27 -> 2024-02-27, 08-28 -> 02-28, 08-29, 08-30 and 08-31 -> 02-29, 09-01 -> 03-01
  assert.equal(await kept('2024-02-28'), ['2022-08-27', '2022-08-28']);
  assert.equal(await kept('2024-02-29'), ['2022-08-27', '2022-08-28', '2022-08-29', '2022-08-30', '2022-08-31']);
  assert.equal(await kept('2024-03-01'), days);
});

// ---- an independent oracle on random histories ----

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TYPES = ['custody', 'suspended', 'community', 'fine', 'discharge', 'caution', 'pnd'];
const MODES = ['indictable', 'either_way', 'summary'];

function randomRegister(seed: number, n: number): HandRegister {
  const rnd = mulberry32(seed);
  const reg: HandRegister = { people: [], disposals: [], offences: [], extractDate: '2022-06-30' };
  let did = 1;
  let oid = 1;
  for (let p = 1; p <= n; p++) {
    reg.people.push({ register_id: p, dob: addDays('1970-01-01', Math.floor(rnd() * 9000)) } as Person);
    const k = 1 + Math.floor(rnd() * 8);
    for (let j = 0; j < k; j++) {
      const date = addDays('2012-01-01', Math.floor(rnd() * 3800));
      const type = TYPES[Math.floor(rnd() * TYPES.length)]!;
      const release = type === 'custody' && rnd() < 0.95 ? addDays(date, 20 + Math.floor(rnd() * 400)) : null;
      reg.disposals.push({ disposal_id: did, register_id: p, disposal_date: date, disposal_type: type, sentence_months: ['custody', 'suspended', 'community'].includes(type) ? 6 : null, release_date: release });
      const m = 1 + Math.floor(rnd() * 3);
      for (let q = 0; q < m; q++) {
        reg.offences.push({ offence_id: oid++, register_id: p, disposal_id: did, offence_date: addDays(date, -Math.floor(rnd() * 500)), mode_of_trial: MODES[Math.floor(rnd() * 3)]! });
      }
      did++;
    }
  }
  return reg;
}

function oracle(reg: HandRegister): Map<number, Row> {
  const out = new Map<number, Row>();
  const disposal = new Map(reg.disposals.map((d) => [d.disposal_id, d]));
  for (const d of reg.disposals) {
    if (!['custody', 'suspended', 'community', 'caution'].includes(d.disposal_type)) continue;
    if (d.disposal_type === 'custody' && !d.release_date) continue;
    const index = d.disposal_type === 'custody' ? d.release_date! : d.disposal_date;
    if (addMonths(addMonths(index, 12), 6) > reg.extractDate) continue;
    const end = addMonths(index, 12);
    const provenBy = addMonths(end, 6);
    const re = reg.offences
      .filter((o) => o.register_id === d.register_id && o.offence_date > index && o.offence_date <= end)
      .map((o) => ({ o, d: disposal.get(o.disposal_id)! }))
      .filter((x) => x.d.disposal_type !== 'pnd' && x.d.disposal_date <= provenBy)
      .sort((a, b) => (a.o.offence_date < b.o.offence_date ? -1 : a.o.offence_date > b.o.offence_date ? 1 : MODES.indexOf(a.o.mode_of_trial!) - MODES.indexOf(b.o.mode_of_trial!) || a.o.offence_id - b.o.offence_id));
    const days = (a: string, b: string) => Math.round((Date.parse(b) - Date.parse(a)) / 86400000);
    const prior = reg.disposals.filter((x) => x.register_id === d.register_id && x.disposal_date < index && x.disposal_id !== d.disposal_id);
    const first = re[0];
    out.set(d.disposal_id, {
      reoff: re.length ? 1 : 0,
      reoff_freq: re.length,
      days_to_first: first ? days(index, first.o.offence_date) : null,
      first_custody: first ? (first.d.disposal_type === 'custody' ? 1 : 0) : null,
      first_indictable: first ? (first.o.mode_of_trial === 'indictable' ? 1 : 0) : null,
      custody_freq: first ? new Set(re.filter((x) => x.d.disposal_type === 'custody').map((x) => x.d.disposal_id)).size : null,
      freq_summary: first ? re.filter((x) => x.o.mode_of_trial === 'summary').length : null,
      prev_convictions: prior.filter((x) => ['custody', 'suspended', 'community', 'fine', 'discharge'].includes(x.disposal_type)).length,
      prev_cautions: prior.filter((x) => x.disposal_type === 'caution').length,
      prev_custody: prior.filter((x) => x.disposal_type === 'custody').length,
      prev_offences: reg.offences.filter((o) => o.register_id === d.register_id && o.disposal_id !== d.disposal_id && disposal.get(o.disposal_id)!.disposal_type !== 'pnd' && (o.proven_date ?? disposal.get(o.disposal_id)!.disposal_date) < index).length,
    });
  }
  return out;
}

test('the stage agrees with an independent implementation on random histories', async () => {
  const reg = randomRegister(20240501, 250);
  const expected = oracle(reg);
  const got = await runRegister(reg);
  assert.ok(expected.size > 300, `enough events (${expected.size})`);
  assert.equal([...got.keys()], [...expected.keys()].sort((a, b) => a - b));
  let reoffenders = 0;
  for (const [id, want] of expected) {
    const row = got.get(id)!;
    assert.equal(pick(row, ...Object.keys(want)), want, `event ${id}`);
    reoffenders += Number(want.reoff);
  }
  assert.ok(reoffenders > 30, 'the random histories exercise reoffending');
});

test('output is deterministic: two runs give the same bytes', async () => {
  const { readFileSync } = await import('node:fs');
  const folder = await writeHandRegister(randomRegister(7, 150));
  const a = await runStageDirect(registerStage, STAGE_URL, { inputs: { reference: folder } });
  const b = await runStageDirect(registerStage, STAGE_URL, { inputs: { reference: folder } });
  assert.ok(readFileSync(a.outputs.events!).equals(readFileSync(b.outputs.events!)));
  void join;
});

test.run();
