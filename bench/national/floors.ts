// The floor of each heavy stage of the national bench: the time DuckDB takes to read once the
// columns the stage reads (and, where a stage cannot avoid one, a single hash join), measured in
// the same bench run as the stage, so that a stage's time can be read as a ratio to what this
// machine needs merely to look at the data. Absolute times differ by a third between machines of
// the same size; the ratio does not (issue 21).
//
// One entry per stage. A file is named as
//   'reference/<file>'  a file of the national register (data/reference/);
//   'request/<file>'    a file of the request's upload folder (data/requests/<request>/);
//   '<stage>.<output>'  an upstream stage's output in this run's store.
// Columns are those the stage's SQL or code reads (see each stage's .sql files); '*' reads every
// column. A stage that is not in the DAG (yet) is skipped, so a new stage needs only its entry.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Duck, type DuckOptions } from '../../src/duck.ts';

export interface FloorRead {
  file: string;
  columns: readonly string[] | '*';
}

export interface StageFloor {
  stage: string;
  reads: FloorRead[];
  /** One hash join the stage's method needs at the least: probe.column = build.column, counted. */
  join?: { probe: { file: string; column: string }; build: { file: string; column: string } };
}

const COHORT_PARQUET = ['row', 'surname', 'forename', 'dob', 'gender', 'pnc_id', 'prison_number', 'index_date', 'conviction_date',
  'intervention_start_date', 'intervention_end_date', 'sentence_type'];
const EVENT_OUTCOMES = ['reoff', 'reoff_freq', 'days_to_first', 'first_indictable', 'first_either_way', 'first_summary',
  'freq_indictable', 'freq_either_way', 'freq_summary', 'first_custody', 'custody_freq'];

export const FLOORS: StageFloor[] = [
  // intake validates the upload in JS; reading the CSV once as text is the least it can do
  { stage: 'intake', reads: [{ file: 'request/cohort.csv', columns: '*' }] },
  // load.sql and history.sql (index_offence reads offence_type straight from the file)
  {
    stage: 'register',
    reads: [
      { file: 'reference/people.parquet', columns: ['register_id', 'dob', 'gender', 'ethnicity', 'nationality', 'region'] },
      { file: 'reference/disposals.parquet', columns: ['disposal_id', 'register_id', 'disposal_date', 'disposal_type', 'sentence_months', 'release_date'] },
      { file: 'reference/offences.parquet', columns: ['offence_id', 'register_id', 'disposal_id', 'offence_date', 'proven_date', 'offence_type', 'mode_of_trial'] },
      { file: 'reference/spells.parquet', columns: ['register_id', 'spell_type', 'start_date', 'end_date'] },
      { file: 'reference/assessments.parquet', columns: '*' },
    ],
    // each offence needs its disposal (its type: custody, PND)
    join: { probe: { file: 'reference/offences.parquet', column: 'disposal_id' }, build: { file: 'reference/disposals.parquet', column: 'disposal_id' } },
  },
  // the request-independent part of linkage (load-register.sql: register name keys, term
  // frequencies, the model)
  {
    stage: 'linkage-model',
    reads: [
      { file: 'reference/people.parquet', columns: ['register_id', 'surname', 'forename', 'dob', 'gender', 'pnc_id'] },
      { file: 'reference/prison_numbers.parquet', columns: ['register_id', 'prison_number'] },
    ],
  },
  // load-cohort.sql, load-model.sql (a new cohort loads the linkage model's tables whole) and
  // load-events.sql
  {
    stage: 'linkage',
    reads: [
      { file: 'intake.cohort', columns: COHORT_PARQUET },
      { file: 'linkage-model.register', columns: '*' },
      { file: 'linkage-model.nameKeys', columns: '*' },
      { file: 'linkage-model.prisonNumbers', columns: '*' },
      { file: 'linkage-model.forenameSex', columns: '*' },
      { file: 'linkage-model.nameBlockSizes', columns: '*' },
      { file: 'linkage-model.frequencies', columns: ['compact', 'tf', 'field'] },
      { file: 'register.events', columns: ['event_id', 'register_id', 'index_date', 'sentence_type'] },
      { file: 'reference/disposals.parquet', columns: ['disposal_id', 'disposal_date', 'release_date', 'sentence_months'] },
    ],
  },
  // inputs.sql: the links, and every column of the events (the modelling table is e.*)
  {
    stage: 'propensity',
    reads: [
      { file: 'linkage.links', columns: ['status', 'event_id', 'register_id'] },
      { file: 'register.events', columns: '*' },
    ],
  },
  // rows.sql, missing.sql, not-included.sql (the matched set is a small Arrow file, not counted)
  {
    stage: 'metrics',
    reads: [
      { file: 'register.events', columns: ['event_id', ...EVENT_OUTCOMES, 'age_index', 'gender', 'ethnicity', 'nationality', 'region', 'sentence_type'] },
      { file: 'intake.cohort', columns: ['row', 'gender', 'dob', 'intervention_start_date', 'index_date', 'conviction_date'] },
      { file: 'linkage.links', columns: ['row', 'status', 'register_id', 'event_id'] },
      { file: 'reference/people.parquet', columns: ['register_id', 'ethnicity', 'nationality'] },
    ],
  },
];

/** Where each file of a floor is: the project's data folder, the request, and this run's outputs ('stage.output' -> path). */
export interface FloorFiles {
  dataDir: string;
  request: string;
  outputs: Record<string, string>;
}

export function floorPath(file: string, where: FloorFiles): string {
  if (file.startsWith('reference/')) return `${where.dataDir}/${file}`;
  if (file.startsWith('request/')) return `${where.dataDir}/requests/${where.request}/${file.slice('request/'.length)}`;
  const path = where.outputs[file];
  if (!path) throw new Error(`floor: no output ${file} in this run`);
  return path;
}

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;

function source(path: string): string {
  return path.endsWith('.csv') ? 'read_csv($f, header = true, all_varchar = true)' : 'read_parquet($f)';
}

/**
 * The statements of a floor, each with its one parameter. A scan hashes every value it reads,
 * because DuckDB answers count() and, where the file has statistics, min() and max() without
 * reading the column.
 */
export function floorStatements(floor: StageFloor, where: FloorFiles): { sql: string; f: string; g?: string }[] {
  const scans = floor.reads.map((r) => {
    const cols = r.columns === '*' ? '*' : r.columns.map(quote).join(', ');
    const path = floorPath(r.file, where);
    return { sql: `SELECT count(*), bit_xor(hash(COLUMNS(*))) FROM (SELECT ${cols} FROM ${source(path)})`, f: path };
  });
  if (!floor.join) return scans;
  const { probe, build } = floor.join;
  const f = floorPath(probe.file, where);
  const g = floorPath(build.file, where);
  return [...scans, {
    sql: `SELECT count(*) FROM (SELECT ${quote(probe.column)} AS k FROM ${source(f)}) p JOIN (SELECT ${quote(build.column)} AS k FROM ${source(g).replace('$f', '$g')}) b USING (k)`,
    f,
    g,
  }];
}

/** The DuckDB settings a floor runs with: the DAG's, under the stage's own (its threads), as the runner merges them. */
export function floorSettings(dag: DuckOptions, stage: DuckOptions | undefined): DuckOptions {
  const merged = { ...dag, ...(stage ?? { threads: 1 }) };
  // reading files needs no database of its own: the stage's storage choice does not apply
  return { threads: merged.threads, memoryLimit: merged.memoryLimit, blockAllocatorMemory: merged.blockAllocatorMemory };
}

export interface FloorFigures {
  seconds: number;
  /** CPU time of the process (user + sys, all threads) over the same span. */
  cpu: number;
  /**
   * The write floor, when the stage's Parquet outputs were given: the time DuckDB takes to write
   * each of them once, as Parquet, from a finished table in memory. Not part of the floor
   * (reads and one join), but a stage cannot do less than write what it outputs, and for a stage
   * whose output is as large as its inputs this alone can exceed a ratio the read floor allows.
   */
  write?: { seconds: number; cpu: number };
}

/** The outputs' write floor: each written once from a table already in memory (see FloorFigures.write). */
async function writeFloor(db: Duck, outputs: readonly string[], where: FloorFiles, scratch: string): Promise<{ seconds: number; cpu: number }> {
  let seconds = 0;
  let cpu = 0;
  for (const [k, output] of outputs.entries()) {
    await db.run('CREATE OR REPLACE TEMP TABLE floor_output AS SELECT * FROM read_parquet($f)', { f: floorPath(output, where) });
    // A column of a few distinct strings is written from an ENUM, as a stage can arrange (the
    // register stage does): the writer then takes the dictionary as it is instead of hashing
    // every value to build it, the least a stage's write of those strings can cost.
    const columns = await db.all<{ name: string; type: string }>(`SELECT column_name AS name, data_type AS type FROM information_schema.columns WHERE table_name = 'floor_output' ORDER BY ordinal_position`);
    for (const [j, c] of columns.entries()) {
      if (c.type !== 'VARCHAR') continue;
      const distinct = await db.one<{ n: number }>(`SELECT count(DISTINCT ${quote(c.name)})::INTEGER AS n FROM floor_output`);
      if (distinct!.n > 255) continue;
      await db.run(`CREATE TYPE floor_enum_${k}_${j} AS ENUM (SELECT DISTINCT ${quote(c.name)} FROM floor_output WHERE ${quote(c.name)} IS NOT NULL ORDER BY 1)`);
      await db.run(`ALTER TABLE floor_output ALTER ${quote(c.name)} TYPE floor_enum_${k}_${j}`);
    }
    const target = join(scratch, `floor-write-${k}.parquet`);
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await db.run('COPY floor_output TO $o (FORMAT parquet)', { o: target });
    const c = process.cpuUsage(c0);
    seconds += (performance.now() - t0) / 1000;
    cpu += (c.user + c.system) / 1e6;
    rmSync(target, { force: true });
  }
  await db.run('DROP TABLE IF EXISTS floor_output');
  return { seconds, cpu };
}

/**
 * One floor in this process: its statements timed from the first to the last; with `writes`
 * (the stage's Parquet outputs, as 'stage.output') and a scratch folder, also the write floor.
 */
export async function runFloor(floor: StageFloor, where: FloorFiles, duck: DuckOptions, writes: readonly string[] = [], scratch?: string): Promise<FloorFigures> {
  const db = await Duck.open(duck);
  try {
    const statements = floorStatements(floor, where);
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    for (const s of statements) await db.all(s.sql, s.g ? { f: s.f, g: s.g } : { f: s.f });
    const c = process.cpuUsage(c0);
    const figures: FloorFigures = { seconds: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 };
    if (writes.length && scratch) figures.write = await writeFloor(db, writes, where, scratch);
    return figures;
  } finally {
    db.close();
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/**
 * A floor as the median of `runs` fresh processes (floor-child.ts), so that no run inherits a
 * warm DuckDB or memory from another; `scratch` is a folder for the job file.
 */
export function measureFloor(floor: StageFloor, where: FloorFiles, duck: DuckOptions, runs: number, scratch: string, writes: readonly string[] = []): FloorFigures & { runs: FloorFigures[] } {
  const job = join(scratch, `floor-${floor.stage}.json`);
  writeFileSync(job, JSON.stringify({ floor, where, duck, writes, scratch }));
  const child = fileURLToPath(new URL('./floor-child.ts', import.meta.url));
  const figures: FloorFigures[] = [];
  for (let k = 0; k < runs; k++) {
    const run = spawnSync(process.execPath, ['--import', 'tsx', child, job], { encoding: 'utf8' });
    const line = run.stdout.split('\n').find((l) => l.startsWith('FLOOR '));
    if (run.status !== 0 || !line) {
      process.stderr.write(run.stderr);
      throw new Error(`floor of ${floor.stage} failed (exit ${run.status})`);
    }
    figures.push(JSON.parse(line.slice('FLOOR '.length)) as FloorFigures);
  }
  const writeRuns = figures.flatMap((f) => (f.write ? [f.write] : []));
  const write = writeRuns.length ? { seconds: median(writeRuns.map((w) => w.seconds)), cpu: median(writeRuns.map((w) => w.cpu)) } : undefined;
  return { seconds: median(figures.map((f) => f.seconds)), cpu: median(figures.map((f) => f.cpu)), ...(write ? { write } : {}), runs: figures };
}
