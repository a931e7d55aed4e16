// Reading the `link` command's files: any CSV or Parquet cohort and register people file, with
// columns renamed to the standard names, dates read in the formats people write them, and the
// checks that stop a link from silently going wrong (a missing column, repeated register ids,
// dates nobody can read). No argument parsing and no printing: problems come back as values or
// as a LinkInputError naming the file, the field and row numbers (never a value: they are
// personal data).
import { extname } from 'node:path';
import type { Duck } from '../../src/duck.ts';

export class LinkInputError extends Error {}

export const COHORT_COLUMNS = ['surname', 'forename', 'dob', 'gender', 'pnc_id', 'prison_number', 'index_date', 'conviction_date',
  'intervention_start_date', 'intervention_end_date', 'sentence_type'] as const;
export const COHORT_REQUIRED = ['surname', 'forename', 'dob'];
export const PEOPLE_COLUMNS = ['register_id', 'surname', 'forename', 'dob', 'gender', 'pnc_id'] as const;
export const PEOPLE_REQUIRED = ['register_id', 'surname', 'forename', 'dob'];
export const PRISON_COLUMNS = ['register_id', 'prison_number'] as const;
const COHORT_DATES = ['dob', 'index_date', 'conviction_date', 'intervention_start_date', 'intervention_end_date'];

/** The date formats `--date-format` accepts, as strptime patterns. `auto` tries the unambiguous ones and dd/mm/yyyy. */
export const DATE_FORMATS: Record<string, string[]> = {
  auto: ['%Y-%m-%d', '%Y%m%d', '%d/%m/%Y', '%d-%m-%Y', '%d.%m.%Y'],
  'yyyy-mm-dd': ['%Y-%m-%d'],
  yyyymmdd: ['%Y%m%d'],
  'dd/mm/yyyy': ['%d/%m/%Y'],
  'dd-mm-yyyy': ['%d-%m-%Y'],
  'dd.mm.yyyy': ['%d.%m.%Y'],
  'mm/dd/yyyy': ['%m/%d/%Y'],
  'mm-dd-yyyy': ['%m-%d-%Y'],
};

/** Header spelling is forgiven the way intake forgives it: case, surrounding spaces, spaces and hyphens. */
export const standardName = (header: string): string => header.trim().toLowerCase().replace(/[\s-]+/g, '_');
const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** `--columns old=new,old2=new2`: a map from a file's header (standardised) to a standard name. */
export function parseColumnMap(spec: string | undefined): Map<string, string> {
  const map = new Map<string, string>();
  if (!spec) return map;
  for (const part of spec.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [from, to, ...rest] = part.split('=');
    if (!from?.trim() || !to?.trim() || rest.length) throw new LinkInputError(`--columns: "${part}" is not old=new`);
    map.set(standardName(from), standardName(to));
  }
  return map;
}

export interface UnreadableDates { file: string; field: string; count: number; sampleRows: number[]; hint?: string }

export interface LoadedFile {
  /** Columns of the file that no standard column uses (names only). */
  ignored: string[];
  /** Standard optional columns the file does not have. */
  absent: string[];
}

/**
 * Read a CSV or Parquet file as text columns into `table` with the standard names (missing
 * optional ones NULL), and `__record`: the spreadsheet row number (header = row 1, first
 * record = row 2), or the file's own `row` column when `rowColumn` and it has one.
 */
export async function loadTextTable(
  db: Duck, path: string, table: string, wanted: readonly string[], required: string[], columnMap: Map<string, string>, rowColumn: boolean,
): Promise<LoadedFile> {
  const ext = extname(path).toLowerCase();
  const source = ext === '.parquet' ? 'read_parquet($f)'
    : ext === '.csv' || ext === '.txt' ? 'read_csv($f, header = true, all_varchar = true)'
      : undefined;
  if (!source) throw new LinkInputError(`${path}: expected a .csv or .parquet file`);
  // One thread while reading, so that the order of rows is the order of the file.
  const threads = (await db.one<{ t: number }>(`SELECT current_setting('threads')::INTEGER AS t`))!.t;
  await db.run('SET threads = 1');
  try {
    await db.run(`CREATE TABLE ${table}_file AS SELECT *, row_number() OVER () + 1 AS __record FROM ${source}`, { f: path });
  } catch (error) {
    throw new LinkInputError(`${path}: not readable as ${ext.slice(1)} (${(error as Error).name})`);
  } finally {
    await db.run(`SET threads = ${threads}`);
  }
  const columns = (await db.all<{ column_name: string }>(`SELECT column_name FROM (DESCRIBE ${table}_file)`)).map((c) => c.column_name).filter((c) => c !== '__record');
  const byStandard = new Map<string, string>();
  for (const c of columns) {
    const std = standardName(c);
    const name = columnMap.get(std) ?? std;
    if (byStandard.has(name)) throw new LinkInputError(`${path}: two columns are both "${name}" (${byStandard.get(name)}, ${c})`);
    byStandard.set(name, c);
  }
  const missing = required.filter((c) => !byStandard.has(c));
  if (missing.length) throw new LinkInputError(`${path}: missing column(s) ${missing.join(', ')}${columnMap.size ? '' : ' (rename with --columns old=new)'}`);
  const used = new Set(wanted.filter((c) => byStandard.has(c)).map((c) => byStandard.get(c)!));
  if (rowColumn && byStandard.has('row')) used.add(byStandard.get('row')!);
  // text trimmed: some files put a space after every comma
  const select = wanted.map((c) => (byStandard.has(c) ? `nullif(trim(CAST(${quoteIdent(byStandard.get(c)!)} AS VARCHAR)), '') AS ${c}` : `CAST(NULL AS VARCHAR) AS ${c}`));
  select.unshift(rowColumn && byStandard.has('row') ? `TRY_CAST(trim(CAST(${quoteIdent(byStandard.get('row')!)} AS VARCHAR)) AS INTEGER) AS __record` : '__record::INTEGER AS __record');
  await db.run(`CREATE TABLE ${table} AS SELECT ${select.join(', ')} FROM ${table}_file`);
  await db.run(`DROP TABLE ${table}_file`);
  return { ignored: columns.filter((c) => !used.has(c)), absent: wanted.filter((c) => !byStandard.has(c)) };
}

/** A SQL expression reading the text column `column` as a DATE by the formats of `format`. */
function dateExpression(column: string, format: string): string {
  const chosen = DATE_FORMATS[format];
  if (!chosen) throw new LinkInputError(`--date-format: "${format}" is not one of ${Object.keys(DATE_FORMATS).join(', ')}`);
  // yyyy-mm-dd cannot be mistaken for anything else: it is read whatever the format
  const patterns = chosen.includes('%Y-%m-%d') ? chosen : ['%Y-%m-%d', ...chosen];
  // an ISO timestamp's date part is still its date
  const value = `CASE WHEN regexp_matches(${column}, '^\\d{4}-\\d{2}-\\d{2}[T ]') THEN left(${column}, 10) ELSE ${column} END`;
  return `coalesce(${patterns.map((p) => `try_strptime(${value}, '${p}')`).join(', ')})::DATE`;
}

/** Rows whose date field has text that is not a date in `format`: how many, a few row numbers, and a hint. */
async function unreadable(db: Duck, table: string, field: string, format: string, file: string): Promise<UnreadableDates | undefined> {
  const expr = dateExpression(field, format);
  const bad = await db.all<{ r: number }>(
    `SELECT __record AS r FROM ${table} WHERE ${field} IS NOT NULL AND ${expr} IS NULL ORDER BY __record`,
  );
  if (!bad.length) return undefined;
  let hint: string | undefined;
  if (format === 'auto') {
    const us = await db.one<{ n: number }>(
      `SELECT count(*)::INTEGER AS n FROM ${table} WHERE ${field} IS NOT NULL AND ${expr} IS NULL AND ${dateExpression(field, 'mm/dd/yyyy')} IS NOT NULL`,
    );
    if (us!.n > 0) hint = `${us!.n} of them read as month/day/year: if the whole file is written that way, use --date-format mm/dd/yyyy`;
  }
  return { file, field, count: bad.length, sampleRows: bad.slice(0, 5).map((b) => Number(b.r)), ...(hint ? { hint } : {}) };
}

export interface LinkInputs {
  cohort: string;
  people: string;
  prisonNumbers?: string;
  dateFormat?: string;
  columns?: Map<string, string>;
}

export interface InputReport {
  cohortRows: number;
  registerRows: number;
  unreadableDates: UnreadableDates[];
  ignoredColumns: { file: string; columns: string[] }[];
  genderGiven: { cohort: boolean; register: boolean };
}

/**
 * Load the files into `cohort_in`, `people_in` (rid: a dense BIGINT key; register_id: the
 * file's id as text) and `prison_numbers_in`, the tables link.ts reads.
 */
export async function loadLinkInputs(db: Duck, inputs: LinkInputs): Promise<InputReport> {
  const format = inputs.dateFormat ?? 'auto';
  if (!DATE_FORMATS[format]) throw new LinkInputError(`--date-format: "${format}" is not one of ${Object.keys(DATE_FORMATS).join(', ')}`);
  const map = inputs.columns ?? new Map();
  const cohortFile = await loadTextTable(db, inputs.cohort, 'cohort_raw', COHORT_COLUMNS, COHORT_REQUIRED, map, true);
  const peopleFile = await loadTextTable(db, inputs.people, 'people_raw', PEOPLE_COLUMNS, PEOPLE_REQUIRED, map, false);

  const badRow = await db.one<{ n: number }>('SELECT count(*)::INTEGER AS n FROM cohort_raw WHERE __record IS NULL');
  if (badRow!.n > 0) throw new LinkInputError(`${inputs.cohort}: the row column has ${badRow!.n} value(s) that are not whole numbers`);
  const repeatedRow = await db.one<{ r: number }>('SELECT min(__record)::INTEGER AS r FROM (SELECT __record FROM cohort_raw GROUP BY __record HAVING count(*) > 1)');
  if (repeatedRow!.r !== null) throw new LinkInputError(`${inputs.cohort}: the row column repeats the value ${repeatedRow!.r}`);
  const noId = await db.all<{ r: number }>('SELECT __record::INTEGER AS r FROM people_raw WHERE register_id IS NULL ORDER BY __record LIMIT 5');
  if (noId.length) throw new LinkInputError(`${inputs.people}: register_id is empty in row(s) ${noId.map((r) => r.r).join(', ')}`);
  const dup = await db.all<{ r: number }>(
    `SELECT __record::INTEGER AS r FROM (SELECT __record, count(*) OVER (PARTITION BY register_id) AS n FROM people_raw) WHERE n > 1 ORDER BY __record LIMIT 6`,
  );
  if (dup.length) {
    const n = (await db.one<{ n: number }>('SELECT (count(*) - count(DISTINCT register_id))::INTEGER AS n FROM people_raw'))!.n;
    throw new LinkInputError(`${inputs.people}: register_id must be unique, but ${n} row(s) repeat an id (rows ${dup.map((d) => d.r).join(', ')}${dup.length > 5 ? ', ...' : ''})`);
  }

  const unreadableDates: UnreadableDates[] = [];
  for (const field of COHORT_DATES) {
    const u = await unreadable(db, 'cohort_raw', field, format, inputs.cohort);
    if (u) unreadableDates.push(u);
  }
  const u = await unreadable(db, 'people_raw', 'dob', format, inputs.people);
  if (u) unreadableDates.push(u);

  const d = (c: string) => dateExpression(c, format);
  await db.run(
    `CREATE TABLE cohort_in AS
     SELECT __record AS row, surname, forename, ${d('dob')} AS dob, gender, pnc_id, prison_number,
            ${d('index_date')} AS index_date, ${d('conviction_date')} AS conviction_date,
            ${d('intervention_start_date')} AS intervention_start_date, ${d('intervention_end_date')} AS intervention_end_date, sentence_type
     FROM cohort_raw`,
  );
  // rid: the join key, dense and in the order of the ids, so that the same files give the same keys
  await db.run(
    `CREATE TABLE people_in AS
     SELECT row_number() OVER (ORDER BY register_id)::BIGINT AS rid, register_id, surname, forename, ${d('dob')} AS dob, gender, pnc_id
     FROM people_raw`,
  );
  const ignoredColumns = [{ file: inputs.cohort, columns: cohortFile.ignored }, { file: inputs.people, columns: peopleFile.ignored }];
  if (inputs.prisonNumbers) {
    const prisonFile = await loadTextTable(db, inputs.prisonNumbers, 'prison_raw', PRISON_COLUMNS, [...PRISON_COLUMNS], map, false);
    ignoredColumns.push({ file: inputs.prisonNumbers, columns: prisonFile.ignored });
    await db.run(
      `CREATE TABLE prison_numbers_in AS
       SELECT p.rid, r.prison_number FROM prison_raw r JOIN people_in p ON p.register_id = r.register_id`,
    );
  } else {
    await db.run('CREATE TABLE prison_numbers_in (rid BIGINT, prison_number VARCHAR)');
  }
  const counts = (await db.one<{ c: number; p: number; cg: boolean; pg: boolean }>(
    `SELECT (SELECT count(*) FROM cohort_in)::INTEGER AS c, (SELECT count(*) FROM people_in)::INTEGER AS p,
            (SELECT count(gender) > 0 FROM cohort_in) AS cg, (SELECT count(gender) > 0 FROM people_in) AS pg`,
  ))!;
  return {
    cohortRows: counts.c,
    registerRows: counts.p,
    unreadableDates,
    ignoredColumns: ignoredColumns.filter((i) => i.columns.length > 0),
    genderGiven: { cohort: counts.cg, register: counts.pg },
  };
}
