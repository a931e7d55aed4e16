// The synthetic national register, generated inside DuckDB: people, then criminal careers one
// disposal-step at a time for everybody at once, then programme participants, then the careers of
// the participants replayed with the treatment effect applied. Nothing is generated row by row in
// JS; every draw is a hash of the seed, so any thread count gives the same data.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listValue } from '@duckdb/node-api';
import { Duck } from '../src/duck.ts';
import { EXTRACT_DATE, FOLLOW_UP_DAYS, GENERATOR_VERSION, type ProgrammeSpec } from './defaults.ts';
import { Staging, PRIVATE_MODE, PUBLIC_MODE, jsonText } from './files.ts';
import { FEMALE_FORENAMES, FORENAME_ZIPF, MALE_FORENAMES, SURNAMES, SURNAME_HEADS, SURNAME_TAILS, SURNAME_ZIPF } from './names.ts';

export const SQL_DIR = fileURLToPath(new URL('./sql/', import.meta.url));
const sql = (name: string) => join(SQL_DIR, name);

/** Steps of the career loop; careers still going then are cut short (none at national scale so far). */
const MAX_STEPS = 150;

export interface RegisterOptions {
  seed: number;
  people: number;
  programmes: ProgrammeSpec[];
  extractDate?: string;
  /** DuckDB threads; the output does not depend on it. */
  threads?: number;
  memoryLimit?: string;
  tempDirectory?: string;
  onProgress?: (message: string) => void;
}

export const REGISTER_FILES = {
  people: 'people.parquet',
  prisonNumbers: 'prison_numbers.parquet',
  disposals: 'disposals.parquet',
  offences: 'offences.parquet',
  spells: 'spells.parquet',
  assessments: 'assessments.parquet',
  extract: 'extract.json',
} as const;

/** Register files that hold identifiers (names, dates of birth, PNC ids, prison numbers). */
const PERSONAL_FILES = new Set<string>([REGISTER_FILES.people, REGISTER_FILES.prisonNumbers]);

export class SyntheticRegister {
  constructor(
    readonly db: Duck,
    readonly options: Required<Pick<RegisterOptions, 'seed' | 'people' | 'extractDate'>> & RegisterOptions,
  ) {}

  get seed(): number {
    return this.options.seed;
  }

  get extractDate(): string {
    return this.options.extractDate;
  }

  programme(id: string): ProgrammeSpec {
    const p = this.options.programmes.find((x) => x.id === id);
    if (!p) throw new Error(`no programme '${id}' in this register`);
    return p;
  }

  /** Write the register tables and extract.json into `dir` (created if missing). */
  async writeReference(dir: string): Promise<void> {
    const staging = new Staging(dir);
    try {
      const names = Object.values(REGISTER_FILES).filter((f) => f.endsWith('.parquet'));
      const paths: Record<string, string> = {};
      for (const [key, file] of Object.entries(REGISTER_FILES)) {
        if (file.endsWith('.parquet')) paths[`${snake(key)}_path`] = staging.path(file);
      }
      await this.db.file(sql('write-register.sql'), { ...paths, seed: this.seed });
      // extract.json last: its presence marks a complete register (see ensureRegister).
      for (const file of names) staging.commit(file, PERSONAL_FILES.has(file) ? PRIVATE_MODE : PUBLIC_MODE);
      const extract = { extract_date: this.extractDate, seed: this.seed, people: this.options.people, generator_version: GENERATOR_VERSION };
      staging.writeText(REGISTER_FILES.extract, jsonText(extract), PUBLIC_MODE);
      staging.commit(REGISTER_FILES.extract, PUBLIC_MODE);
    } finally {
      staging.dispose();
    }
  }

  close(): void {
    this.db.close();
  }
}

function snake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** Generate the register (in memory, inside DuckDB). Call writeReference / writeRequest, then close(). */
export async function generateRegister(options: RegisterOptions): Promise<SyntheticRegister> {
  const extractDate = options.extractDate ?? EXTRACT_DATE;
  const progress = options.onProgress ?? (() => {});
  checkProgrammes(options.programmes, extractDate);
  if (options.tempDirectory) mkdirSync(options.tempDirectory, { recursive: true });
  const db = await Duck.open({ threads: options.threads ?? 2, memoryLimit: options.memoryLimit, tempDirectory: options.tempDirectory });
  const register = new SyntheticRegister(db, { ...options, extractDate });
  try {
    // index events in this window keep their covariates and draws (selection and truth need them)
    const froms = options.programmes.map((p) => p.period.from).sort();
    const tos = options.programmes.map((p) => p.period.to).sort();
    const base = { seed: options.seed, extract: extractDate, window_from: froms[0] ?? extractDate, window_to: tos[tos.length - 1] ?? extractDate };
    await db.file(sql('macros.sql'));
    await db.file(sql('setup.sql'));
    await db.file(sql('names.sql'), {
      surnames: listValue([...SURNAMES]),
      male: listValue([...MALE_FORENAMES]),
      female: listValue([...FEMALE_FORENAMES]),
      heads: listValue([...SURNAME_HEADS]),
      tails: listValue([...SURNAME_TAILS]),
      surname_zipf: SURNAME_ZIPF,
      forename_zipf: FORENAME_ZIPF,
    });
    progress(`people: ${options.people.toLocaleString('en-GB')}`);
    await db.file(sql('people.sql'), { ...base, people: options.people });

    progress('criminal careers');
    await runCareers(db, base, progress);

    for (const p of options.programmes) {
      await db.file(sql('select-participants.sql'), {
        ...base,
        programme: p.id,
        from: p.period.from,
        to: p.period.to,
        types: listValue(p.sentenceTypes ?? ['custody', 'community', 'suspended']),
        min_age: p.minAge ?? 18,
        follow_up_days: FOLLOW_UP_DAYS,
        n: p.cohort,
        effect_pp: p.effectPp,
      });
      const got = await db.one<{ n: number }>('SELECT count(*)::INTEGER AS n FROM treated WHERE programme = $p', { p: p.id });
      if ((got?.n ?? 0) < p.cohort) {
        throw new Error(`programme ${p.id}: only ${got?.n ?? 0} eligible index events for a cohort of ${p.cohort}; generate more people`);
      }
    }
    if (options.programmes.length) {
      progress('participants: replaying careers with the programme effect');
      // the state at each treated event, kept before career-resume.sql deletes it from ev_gen
      await db.run('CREATE OR REPLACE TABLE ev_gen_treated AS SELECT e.* FROM ev_gen e JOIN treated t USING (register_id, k)');
      // the world without the programme: the participants' treated events and their disposals
      // from then on, as the first pass made them (career-resume.sql deletes them)
      await db.run(
        `CREATE OR REPLACE TABLE po_events AS
         SELECT t.programme, e.disposal_id AS event_id, e.register_id, e.k, e.index_date
         FROM ev_gen_treated e JOIN treated t USING (register_id, k)`,
      );
      await db.run('CREATE OR REPLACE TABLE po_dis_without AS SELECT d.* FROM dis_gen d JOIN treated t ON d.register_id = t.register_id AND d.k >= t.k');
      await db.file(sql('career-resume.sql'));
      await runSteps(db, base, () => {});
      await db.run('CREATE OR REPLACE TABLE po_dis_with AS SELECT d.* FROM dis_gen d JOIN treated t ON d.register_id = t.register_id AND d.k >= t.k');
      await db.file(sql('potential-outcomes.sql'), { seed: options.seed });
    }
    progress('identifiers and offences');
    await db.file(sql('finish.sql'), base);
    return register;
  } catch (error) {
    db.close();
    throw error;
  }
}

async function runCareers(db: Duck, base: Record<string, string | number>, progress: (m: string) => void): Promise<void> {
  await db.file(sql('career-init.sql'), base);
  await runSteps(db, base, progress);
}

/** Advance every career in `state` one disposal at a time until none is left. */
async function runSteps(db: Duck, base: Record<string, string | number>, progress: (m: string) => void): Promise<void> {
  for (let k = 1; k <= MAX_STEPS; k++) {
    const active = await db.one<{ n: number }>('SELECT count(*)::INTEGER AS n FROM state');
    if (!active || active.n === 0) break;
    if (k === 1 || k % 10 === 0) progress(`  disposal ${k}: ${active.n.toLocaleString('en-GB')} careers active`);
    await db.file(sql('career-step.sql'), base);
    await db.file(sql('career-advance.sql'));
  }
  await db.run('DROP VIEW IF EXISTS state');
  await db.run('DROP TABLE IF EXISTS state_init');
  await db.run('DROP TABLE IF EXISTS prev');
}

function checkProgrammes(programmes: ProgrammeSpec[], extractDate: string): void {
  const ids = new Set<string>();
  for (const p of programmes) {
    if (!/^[A-Za-z0-9_-]+$/.test(p.id)) throw new Error(`programme id '${p.id}' must be letters, digits, '-' or '_'`);
    if (ids.has(p.id)) throw new Error(`programme id '${p.id}' is used twice`);
    ids.add(p.id);
    if (!(p.cohort > 0)) throw new Error(`programme ${p.id}: cohort must be positive`);
    const lastIndex = new Date(`${p.period.to}T00:00:00Z`).getTime() + FOLLOW_UP_DAYS * 86_400_000;
    if (lastIndex > new Date(`${extractDate}T00:00:00Z`).getTime()) {
      throw new Error(`programme ${p.id}: period ends too late for ${FOLLOW_UP_DAYS} days of follow-up before ${extractDate}`);
    }
  }
}
