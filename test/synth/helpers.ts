// Shared set-up for the synth tests: one small world per seed, generated once per process into
// a temp folder (never into the repo's data/), and read back through a fresh DuckDB.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Duck } from '../../src/duck.ts';
import { DEMO_PROGRAMME, synthesize, type ErrorRates, type ProgrammeSpec } from '../../synth/index.ts';
import { testTempDir } from '../helpers/temp-dir.ts';

export const SMALL_PEOPLE = 20_000;

export const TEST_PROGRAMME: ProgrammeSpec = { ...DEMO_PROGRAMME, id: 't1' };

/** Rates well away from 0 and 1 so that a wrong rate shows up against the binomial spread. */
export const TEST_RATES: ErrorRates = {
  typo: 0.2,
  nickname: 0.5,
  swappedDayMonth: 0.3,
  transposedDigits: 0.3,
  missingPnc: 0.6,
  wrongInterventionDate: 0.15,
  notInRegister: 0.05,
  duplicate: 0.04,
};

/** Generate a small world for this seed into a new temp folder and return that folder. */
export async function generateWorld(seed: number, threads = 2): Promise<string> {
  const dataDir = testTempDir(`synth-${seed}-`);
  await synthesize({ dataDir, seed, people: SMALL_PEOPLE, programmes: [TEST_PROGRAMME], errors: TEST_RATES, threads });
  return dataDir;
}

/** sha256 of every file under dir, by relative path. */
export function treeHashes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

/**
 * A DuckDB holding a world's register, request and truth as tables. `cohort.row` is the row number
 * as the provider sees it (header = row 1): a table created from one file in one thread keeps the
 * file's order, so rowid is the record's position.
 */
export async function openWorld(dataDir: string, request = TEST_PROGRAMME.id): Promise<Duck> {
  const db = await Duck.open({ threads: 1 });
  for (const table of ['people', 'prison_numbers', 'disposals', 'offences', 'spells', 'assessments']) {
    await db.run(`CREATE TABLE ${table} AS SELECT * FROM read_parquet($path)`, { path: join(dataDir, 'reference', `${table}.parquet`) });
  }
  await db.run(`CREATE TABLE cohort_raw AS SELECT * FROM read_csv($path, all_varchar = true, header = true)`, { path: join(dataDir, 'requests', request, 'cohort.csv') });
  await db.run(`CREATE TABLE cohort AS SELECT CAST(rowid + 2 AS INTEGER) AS row, * FROM cohort_raw`);
  await db.run(`CREATE TABLE truth AS SELECT * FROM read_csv($path, all_varchar = true, header = true)`, { path: join(dataDir, 'truth', request, 'truth.csv') });
  return db;
}

const shared = new Map<number, Promise<string>>();

/** One world per seed for the whole test process (uvu runs every file in one process). */
export function sharedWorld(seed: number): Promise<string> {
  if (!shared.has(seed)) shared.set(seed, generateWorld(seed));
  return shared.get(seed)!;
}

/** Numbers out of DuckDB: BIGINT arrives as bigint. */
export function num(value: unknown): number {
  return typeof value === 'bigint' ? Number(value) : Number(value);
}
