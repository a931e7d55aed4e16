// `npm run pipeline -- link --cohort F --people F [--prison-numbers F] --out DIR`: link any cohort
// file (CSV or Parquet with the standard columns; gender may be missing) to any register people
// file, with the same tiers as the pipeline's linkage stage, for analysts who link other
// datasets. Writes DIR/links.parquet (personal, owner-only) and DIR/match-report.json
// (aggregate). Without index events the statuses are linked, duplicate, suspect and no_match.
import { mkdirSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineCommand, invoke, noProject, type Values } from '../src/commands/command.ts';
import { Duck } from '../src/duck.ts';
import { link, matchReport, writeJson, writeLinks } from '../stages/linkage/link.ts';

const DIR = dirname(fileURLToPath(new URL('../stages/linkage/link.ts', import.meta.url)));

const COHORT_COLUMNS = ['surname', 'forename', 'dob', 'gender', 'pnc_id', 'prison_number', 'index_date', 'conviction_date',
  'intervention_start_date', 'intervention_end_date', 'sentence_type'] as const;
const COHORT_REQUIRED = ['surname', 'forename', 'dob'];
const PEOPLE_COLUMNS = ['register_id', 'surname', 'forename', 'dob', 'gender', 'pnc_id'] as const;
const PEOPLE_REQUIRED = ['register_id', 'surname', 'forename', 'dob'];
const PRISON_COLUMNS = ['register_id', 'prison_number'] as const;

class UsageError extends Error {}

/** Header spelling is forgiven the way intake forgives it: case, spaces and hyphens. */
const standardName = (header: string): string => header.trim().toLowerCase().replace(/[\s-]+/g, '_');
const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/**
 * Read a CSV or Parquet file as text columns into `table`, renaming its columns to the standard
 * names and adding missing optional ones as NULL. With `rowColumn`, also a `row` column: the
 * file's own, or the spreadsheet row number (header = row 1, first record = row 2).
 */
async function loadTable(db: Duck, path: string, table: string, wanted: readonly string[], required: string[], rowColumn: boolean, threads: number): Promise<void> {
  const ext = extname(path).toLowerCase();
  const source = ext === '.parquet' ? 'read_parquet($f)' : ext === '.csv' ? 'read_csv($f, header = true, all_varchar = true)' : undefined;
  if (!source) throw new UsageError(`${path}: expected a .csv or .parquet file`);
  // One thread while reading, so that the order of rows is the order of the file.
  await db.run('SET threads = 1');
  await db.run(`CREATE TABLE ${table}_file AS SELECT *, row_number() OVER () + 1 AS __record FROM ${source}`, { f: path });
  await db.run(`SET threads = ${threads}`);
  const columns = (await db.all<{ column_name: string }>(`SELECT column_name FROM (DESCRIBE ${table}_file)`)).map((c) => c.column_name).filter((c) => c !== '__record');
  const byStandard = new Map<string, string>();
  for (const c of columns) byStandard.set(standardName(c), c);
  const missing = required.filter((c) => !byStandard.has(c));
  if (missing.length) throw new UsageError(`${path}: missing column(s) ${missing.join(', ')}`);
  const select = wanted.map((c) => (byStandard.has(c) ? `CAST(${quoteIdent(byStandard.get(c)!)} AS VARCHAR) AS ${c}` : `CAST(NULL AS VARCHAR) AS ${c}`));
  if (rowColumn) select.unshift(byStandard.has('row') ? `CAST(${quoteIdent(byStandard.get('row')!)} AS INTEGER) AS row` : '__record::INTEGER AS row');
  await db.run(`CREATE TABLE ${table} AS SELECT ${select.join(', ')} FROM ${table}_file`);
  await db.run(`DROP TABLE ${table}_file`);
}

const OPTIONS = {
  cohort: { type: 'string', arg: 'FILE', description: 'the cohort (.csv or .parquet): surname, forename, dob, gender (optional), pnc_id, prison_number, and optionally row, index_date, conviction_date, intervention_start_date, intervention_end_date, sentence_type (required)' },
  people: { type: 'string', arg: 'FILE', description: 'register people (.csv or .parquet): register_id, surname, forename, dob, gender, pnc_id (required)' },
  'prison-numbers': { type: 'string', arg: 'FILE', description: 'register prison numbers (.csv or .parquet): register_id, prison_number' },
  out: { type: 'string', arg: 'DIR', description: 'write DIR/links.parquet (personal, owner-only) and DIR/match-report.json (required)' },
  threads: { type: 'string', arg: 'N', description: 'DuckDB threads (default 2)' },
} as const;

const command = defineCommand({
  name: 'link',
  summary: 'link any cohort file to any register people file, with the pipeline\'s tiers (no project needed)',
  usage: '--cohort FILE --people FILE [--prison-numbers FILE] --out DIR [--threads N]',
  description: 'Without index events the statuses are linked, duplicate, suspect and no_match.',
  options: OPTIONS,
  run: async ({ values }) => linkFiles(values),
});

export default command;

/** The command in-process (tests): parse argv as the CLI would, then run. */
export function linkCommand(argv: string[]): Promise<number> {
  return invoke(command, argv, noProject);
}

async function linkFiles(values: Values<typeof OPTIONS>): Promise<number> {
  if (!values.cohort || !values.people || !values.out) {
    console.error('error: --cohort, --people and --out are required (link --help lists every option)');
    return 2;
  }
  const threads = values.threads ? Number(values.threads) : 2;
  if (!Number.isInteger(threads) || threads < 1) {
    console.error('error: --threads must be a positive integer');
    return 2;
  }
  const out = resolve(values.out);
  const db = await Duck.open({ threads });
  try {
    await loadTable(db, resolve(values.cohort), 'cohort_raw', COHORT_COLUMNS, COHORT_REQUIRED, true, threads);
    await loadTable(db, resolve(values.people), 'people_raw', PEOPLE_COLUMNS, PEOPLE_REQUIRED, false, threads);
    if (values['prison-numbers']) {
      await loadTable(db, resolve(values['prison-numbers']), 'prison_raw', PRISON_COLUMNS, [...PRISON_COLUMNS], false, threads);
      await db.run('CREATE TABLE prison_numbers_in AS SELECT register_id::BIGINT AS register_id, prison_number FROM prison_raw');
    } else {
      await db.run('CREATE TABLE prison_numbers_in (register_id BIGINT, prison_number VARCHAR)');
    }
    const duplicateRows = await db.one<{ n: number }>('SELECT (count(*) - count(DISTINCT row))::INTEGER AS n FROM cohort_raw');
    if (duplicateRows!.n > 0) throw new UsageError(`${values.cohort}: the row column has repeated values`);
    await db.file(join(DIR, 'load-command.sql'));
    const options = { withEvents: false };
    await link(db, DIR, options);
    // Only now, so that bad input leaves no empty output folder behind.
    mkdirSync(out, { recursive: true, mode: 0o700 });
    const rows = await writeLinks(db, join(out, 'links.parquet'));
    const report = await matchReport(db, options);
    await writeJson(join(out, 'match-report.json'), report);
    const r = report as { linked: number; cohort_rows: number };
    // counts only: never a name or a row's details on the console
    console.log(`linked ${r.linked} of ${r.cohort_rows} rows; wrote ${rows} links to ${join(out, 'links.parquet')} and ${join(out, 'match-report.json')}`);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`error: ${error.message}`);
      return 2;
    }
    // DuckDB messages can quote a value from the file (a conversion error shows the text): name
    // the step, not the data.
    console.error(`error: linking failed (${(error as Error).name}); check the files' columns and formats`);
    return 1;
  } finally {
    db.close();
  }
}
