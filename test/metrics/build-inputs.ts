// Hand-built inputs for the metrics and report tests, standing in for the register, propensity
// and intake stages: an events parquet (written by DuckDB), a matched Arrow IPC file (written by
// apache-arrow) and an intake.request json, with a known effect on reoffending; and the
// intake.cohort, linkage.links and register people that the profile of the people not included
// reads.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { Duck } from '../../src/duck.ts';
import { rng } from '../propensity/random.ts';

export interface BuildOptions {
  treated: number;
  comparison: number;
  /** Extra register events that were never matched (they must not affect anything). */
  unmatched?: number;
  treatRate: number;
  compRate: number;
  seed?: number;
  /** Comparison rows given weight 0 (e.g. dropped by the caliper). */
  zeroWeight?: number;
  regions?: string[];
  /** Store event_id as Float64 in the Arrow file instead of Int64 (the contract allows both). */
  floatIds?: boolean;
  /**
   * Cohort rows outside the treatment group, by linkage status: not in the register, in it with
   * no eligible sentence, and duplicates of a treated row (which count nowhere).
   */
  notIncluded?: { noMatch: number; noEligibleSentence: number; duplicates?: number };
}

export interface Person {
  event_id: number;
  treated: 0 | 1;
  weight: number;
  reoff: number;
  reoff_freq: number;
  days_to_first: number | null;
  first_indictable: number;
  first_either_way: number;
  first_summary: number;
  freq_indictable: number;
  freq_either_way: number;
  freq_summary: number;
  first_custody: number;
  custody_freq: number;
  age_index: number;
  gender: string;
  ethnicity: string;
  nationality: string;
  region: string;
  sentence_type: string;
}

export interface BuiltInputs {
  matched: string;
  events: string;
  request: string;
  cohort: string;
  links: string;
  /** A register folder holding people.parquet. */
  reference: string;
  people: Person[];
  /** The cohort people outside the treatment group, as the stage should count them. */
  notIncluded: Outsider[];
}

export interface Outsider {
  row: number;
  gender: 'M' | 'F';
  /** Age in completed years at the intervention start. */
  age: number;
  inRegister: boolean;
  ethnicity: string | null;
  nationality: string | null;
}

function pick<T>(u: number, items: readonly T[]): T {
  return items[Math.min(items.length - 1, Math.floor(u * items.length))]!;
}

export function makePeople(o: BuildOptions): Person[] {
  const r = rng(o.seed ?? 7);
  const regions = o.regions ?? ['London', 'North West', 'Wales'];
  const people: Person[] = [];
  const total = o.treated + o.comparison + (o.unmatched ?? 0);
  for (let i = 0; i < total; i++) {
    const treated: 0 | 1 = i < o.treated ? 1 : 0;
    const reoff = r() < (treated ? o.treatRate : o.compRate) ? 1 : 0;
    const freq = reoff ? 1 + Math.floor(r() * 4) : 0;
    const court = r();
    const firstType = court < 0.15 ? 0 : court < 0.65 ? 1 : 2;
    const byType = [0, 0, 0];
    if (reoff) {
      byType[firstType] = 1;
      for (let k = 1; k < freq; k++) byType[Math.floor(r() * 3)]! += 1;
    }
    const firstCustody = reoff && r() < 0.3 ? 1 : 0;
    const custodyFreq = reoff ? Math.min(freq, firstCustody + Math.floor(r() * 2)) : 0;
    const ethnicityU = r();
    people.push({
      event_id: 1000 + i * 3,
      treated,
      weight: treated ? 1 : 0.2 + r() * 1.8,
      reoff,
      reoff_freq: freq,
      days_to_first: reoff ? 1 + Math.floor(r() * (treated ? 330 : 300)) : null,
      first_indictable: reoff && firstType === 0 ? 1 : 0,
      first_either_way: reoff && firstType === 1 ? 1 : 0,
      first_summary: reoff && firstType === 2 ? 1 : 0,
      freq_indictable: byType[0]!,
      freq_either_way: byType[1]!,
      freq_summary: byType[2]!,
      first_custody: firstCustody,
      custody_freq: custodyFreq,
      age_index: 18 + Math.floor(r() * 45),
      gender: r() < 0.85 ? 'M' : 'F',
      ethnicity: ethnicityU < 0.8 ? 'White' : ethnicityU < 0.9 ? 'Black' : ethnicityU < 0.97 ? 'Asian' : ethnicityU < 0.985 ? 'Mixed' : 'Other',
      nationality: r() < 0.9 ? 'UK' : 'Non-UK',
      region: pick(r(), regions),
      sentence_type: r() < 0.6 ? 'custody' : 'community',
    });
  }
  // ATT-style weights: comparison weights sum to the number treated; a few dropped (weight 0).
  const comp = people.slice(o.treated, o.treated + o.comparison);
  comp.slice(0, o.zeroWeight ?? 0).forEach((p) => (p.weight = 0));
  const sw = comp.reduce((s, p) => s + p.weight, 0);
  comp.forEach((p) => (p.weight = (p.weight * o.treated) / sw));
  people.slice(o.treated + o.comparison).forEach((p) => (p.weight = NaN)); // not in the matched file
  return people;
}

export async function writeEvents(path: string, people: Person[]): Promise<void> {
  const db = await Duck.open({ threads: 1 });
  try {
    await db.run(`CREATE TABLE ev (event_id BIGINT, register_id BIGINT, index_date DATE, event_type VARCHAR, sentence_type VARCHAR,
      sentence_months DOUBLE, age_index INTEGER, gender VARCHAR, ethnicity VARCHAR, nationality VARCHAR, region VARCHAR,
      reoff INTEGER, reoff_freq INTEGER, days_to_first INTEGER, first_indictable INTEGER, first_either_way INTEGER,
      first_summary INTEGER, freq_indictable INTEGER, freq_either_way INTEGER, freq_summary INTEGER, first_custody INTEGER,
      custody_freq INTEGER)`);
    const ap = await db.con.createAppender('ev');
    for (const p of people) {
      ap.appendBigInt(BigInt(p.event_id));
      ap.appendBigInt(BigInt(p.event_id + 1));
      ap.appendNull(); // index_date: not used by metrics
      ap.appendVarchar(p.sentence_type === 'custody' ? 'custody_release' : 'community_start');
      ap.appendVarchar(p.sentence_type);
      ap.appendDouble(12);
      ap.appendInteger(p.age_index);
      ap.appendVarchar(p.gender);
      ap.appendVarchar(p.ethnicity);
      ap.appendVarchar(p.nationality);
      ap.appendVarchar(p.region);
      ap.appendInteger(p.reoff);
      ap.appendInteger(p.reoff_freq);
      if (p.days_to_first === null) ap.appendNull();
      else ap.appendInteger(p.days_to_first);
      for (const v of [p.first_indictable, p.first_either_way, p.first_summary, p.freq_indictable, p.freq_either_way, p.freq_summary, p.first_custody, p.custody_freq]) ap.appendInteger(v);
      ap.endRow();
    }
    ap.closeSync();
    await db.run(`COPY (SELECT * FROM ev ORDER BY event_id) TO '${path.replace(/'/g, "''")}' (FORMAT parquet)`);
  } finally {
    db.close();
  }
}

export function writeMatched(path: string, people: Person[], floatIds = false): void {
  const matched = people.filter((p) => !Number.isNaN(p.weight));
  // Deliberately not in event_id order: the stage must impose its own order.
  matched.reverse();
  const ids = floatIds ? Float64Array.from(matched, (p) => p.event_id) : BigInt64Array.from(matched, (p) => BigInt(p.event_id));
  const table = tableFromArrays({
    event_id: ids,
    treated: Int8Array.from(matched, (p) => p.treated),
    weight: Float64Array.from(matched, (p) => p.weight),
    score: Float64Array.from(matched, (p) => (p.treated ? 0.1 : -0.1)),
  });
  writeFileSync(path, tableToIPC(table, 'file'));
}

export function writeRequest(path: string, overrides: Record<string, unknown> = {}): void {
  const request = {
    id: 'test',
    organisation: { name: 'Second Chance <Trust> & Co', description: 'A charity that supports people leaving prison.' },
    programme: { name: 'Mentoring', description: 'One-to-one mentoring before and after release.', people_term: 'offenders' },
    analysis_period: { from: '2019-01-01', to: '2020-12-31' },
    dates: { received: '2024-05-01', results_shared: null, publication: null },
    review_period_days: 28,
    retention: { pseudonymised_opt_out: false },
    ...overrides,
  };
  writeFileSync(path, `${JSON.stringify(request, null, 2)}\n`);
}

/**
 * intake.cohort and linkage.links for the treated people (one linked row each, born so that
 * they are 30 at the intervention) and for the people outside the treatment group, and the
 * register's people.parquet (ethnicity and nationality by register_id).
 */
export async function writeCohort(dir: string, people: Person[], o: BuildOptions): Promise<Pick<BuiltInputs, 'cohort' | 'links' | 'reference' | 'notIncluded'>> {
  const r = rng((o.seed ?? 7) + 1);
  const treated = people.filter((p) => p.treated === 1);
  type Row = { row: number; gender: string; dob: string; start: string; status: string; register_id: number | null; event_id: number | null };
  const rows: Row[] = [];
  const register: { register_id: number; ethnicity: string; nationality: string }[] = [];
  for (const p of treated) {
    rows.push({ row: rows.length + 2, gender: p.gender, dob: '1989-06-15', start: '2019-07-01', status: 'linked', register_id: p.event_id + 1, event_id: p.event_id });
    register.push({ register_id: p.event_id + 1, ethnicity: p.ethnicity, nationality: p.nationality });
  }
  const outsiders: Outsider[] = [];
  const add = (status: 'no_match' | 'no_eligible_sentence') => {
    const age = 15 + Math.floor(r() * 50);
    const gender = r() < 0.7 ? 'M' : 'F';
    const row = rows.length + 2;
    const registerId = status === 'no_match' ? null : 900_000 + row;
    const ethnicity = r() < 0.6 ? 'White' : 'Black';
    const nationality = r() < 0.8 ? 'UK' : 'Non-UK';
    // Born on 1 January, so the age at a 2019-07-01 start is 2019 - year - 0.
    rows.push({ row, gender, dob: `${2019 - age}-01-01`, start: '2019-07-01', status, register_id: registerId, event_id: null });
    if (registerId !== null) register.push({ register_id: registerId, ethnicity, nationality });
    outsiders.push({ row, gender, age, inRegister: registerId !== null, ethnicity: registerId === null ? null : ethnicity, nationality: registerId === null ? null : nationality });
  };
  for (let k = 0; k < (o.notIncluded?.noMatch ?? 0); k++) add('no_match');
  for (let k = 0; k < (o.notIncluded?.noEligibleSentence ?? 0); k++) add('no_eligible_sentence');
  for (let k = 0; k < (o.notIncluded?.duplicates ?? 0) && k < treated.length; k++) {
    const p = treated[k]!;
    rows.push({ row: rows.length + 2, gender: p.gender, dob: '1989-06-15', start: '2019-07-01', status: 'duplicate', register_id: p.event_id + 1, event_id: p.event_id });
  }
  const cohort = join(dir, 'cohort.parquet');
  const links = join(dir, 'links.parquet');
  const reference = join(dir, 'reference');
  mkdirSync(reference, { recursive: true });
  const db = await Duck.open({ threads: 1 });
  try {
    await db.run('CREATE TABLE c (row INTEGER, gender VARCHAR, dob DATE, start DATE, status VARCHAR, register_id BIGINT, event_id BIGINT)');
    const ap = await db.con.createAppender('c');
    for (const x of rows) {
      ap.appendInteger(x.row);
      ap.appendVarchar(x.gender);
      ap.appendVarchar(x.dob);
      ap.appendVarchar(x.start);
      ap.appendVarchar(x.status);
      if (x.register_id === null) ap.appendNull();
      else ap.appendBigInt(BigInt(x.register_id));
      if (x.event_id === null) ap.appendNull();
      else ap.appendBigInt(BigInt(x.event_id));
      ap.endRow();
    }
    ap.closeSync();
    await db.run(
      "COPY (SELECT row, gender, dob, NULL::DATE AS index_date, NULL::DATE AS conviction_date, start AS intervention_start_date FROM c WHERE status <> 'duplicate' ORDER BY row) TO $p (FORMAT parquet)",
      { p: cohort },
    );
    await db.run('COPY (SELECT row, status, register_id, event_id FROM c ORDER BY row) TO $p (FORMAT parquet)', { p: links });
    await db.run('CREATE TABLE reg (register_id BIGINT, ethnicity VARCHAR, nationality VARCHAR)');
    const rp = await db.con.createAppender('reg');
    for (const x of register) {
      rp.appendBigInt(BigInt(x.register_id));
      rp.appendVarchar(x.ethnicity);
      rp.appendVarchar(x.nationality);
      rp.endRow();
    }
    rp.closeSync();
    await db.run('COPY (SELECT * FROM reg ORDER BY register_id) TO $p (FORMAT parquet)', { p: join(reference, 'people.parquet') });
  } finally {
    db.close();
  }
  return { cohort, links, reference, notIncluded: outsiders };
}

export async function buildInputs(dir: string, o: BuildOptions): Promise<BuiltInputs> {
  const people = makePeople(o);
  const events = join(dir, 'events.parquet');
  const matched = join(dir, 'matched.arrow');
  const request = join(dir, 'request.json');
  await writeEvents(events, people);
  writeMatched(matched, people, o.floatIds);
  writeRequest(request);
  const kept = people.filter((p) => !Number.isNaN(p.weight));
  return { matched, events, request, people: kept, ...(await writeCohort(dir, kept, o)) };
}

/** The stage inputs of a built set. */
export function stageInputs(b: BuiltInputs): Record<string, string> {
  return { matched: b.matched, events: b.events, request: b.request, cohort: b.cohort, links: b.links, reference: b.reference };
}
