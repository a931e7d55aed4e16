// Hand-made cohort and register rows keyed as the linkage keys them (link.ts keyRegister, then
// keyCohort), for tests of blocking and comparison rules on a handful of records: cohort row i
// is row i + 2 (as in a spreadsheet), register person i has register id i + 1.
import { fileURLToPath } from 'node:url';
import { Duck } from '../../src/duck.ts';
import { keyCohort, keyRegister } from '../../stages/linkage/link.ts';

export const LINKAGE_DIR = fileURLToPath(new URL('../../stages/linkage/', import.meta.url));

export interface HandRecord { surname: string | null; forename: string | null; dob: string | null; gender?: string | null }

/** An open database holding `cohort_in`, `people_in`, `prison_numbers_in` (empty) and every key table; the caller closes it. */
export async function keyedTables(cohort: HandRecord[], people: HandRecord[]): Promise<Duck> {
  const db = await Duck.open({ threads: 1 });
  try {
    await db.run(`CREATE TABLE cohort_in (row INTEGER, surname VARCHAR, forename VARCHAR, dob DATE, gender VARCHAR, pnc_id VARCHAR, prison_number VARCHAR,
      index_date DATE, conviction_date DATE, intervention_start_date DATE, intervention_end_date DATE, sentence_type VARCHAR)`);
    await db.run(`CREATE TABLE people_in (rid BIGINT, register_id BIGINT, surname VARCHAR, forename VARCHAR, dob DATE, gender VARCHAR, pnc_id VARCHAR)`);
    await db.run(`CREATE TABLE prison_numbers_in (rid BIGINT, prison_number VARCHAR)`);
    for (const [i, r] of cohort.entries()) {
      await db.run(`INSERT INTO cohort_in (row, surname, forename, dob, gender) VALUES ($r, $s, $f, $d::DATE, $g)`, { r: i + 2, s: r.surname, f: r.forename, d: r.dob, g: r.gender ?? null });
    }
    for (const [i, r] of people.entries()) {
      await db.run(`INSERT INTO people_in (rid, register_id, surname, forename, dob, gender) VALUES ($r, $r, $s, $f, $d::DATE, $g)`, { r: i + 1, s: r.surname, f: r.forename, d: r.dob, g: r.gender ?? null });
    }
    await keyRegister(db, LINKAGE_DIR);
    await keyCohort(db, LINKAGE_DIR);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
