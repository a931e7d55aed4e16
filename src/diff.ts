// Reviewer diff of two runs of one request. An output whose content hash did not change is
// reported at once, without reading a byte; otherwise its bytes are compared by format: tables
// (parquet, csv, arrow) in DuckDB, joined on the output's declared key; JSON structurally, with
// numeric deltas checked against tolerances; HTML by line count. Values of personal and
// pseudonymised outputs are left out of the result itself (not merely of its rendering) unless
// the caller asks for them, so the text, JSON and HTML forms can never leak them.
import { readFileSync } from 'node:fs';
import type { Project } from './project.ts';
import { describeChange, keyChanges } from './explain.ts';
import type { Duck } from './duck.ts';
import type { RunRecord, RunRecords, StageStatus } from './records.ts';
import type { OutputRecord } from './store.ts';
import type { Classification, Format, Json, OutputSpec } from './stage.ts';


// Floating-point noise, not analytical change: anything a reviewer could care about is far above.
export { diffJsonValues, type JsonChange, type JsonDiff, type Tolerance } from './json-diff.ts';
import { diffJsonValues, type JsonChange, type JsonDiff, type Tolerance } from './json-diff.ts';

export const DEFAULT_TOLERANCE: Tolerance = { abs: 1e-12, rel: 1e-9 };
export const DEFAULT_LIMIT = 20;

export interface DiffOptions {
  /** Only this stage. */
  stage?: string;
  /** Include values of personal and pseudonymised outputs. */
  showPersonal?: boolean;
  tolerance?: Partial<Tolerance>;
  /** At most this many example rows or JSON paths per output. */
  limit?: number;
}

/**
 * unchanged: same hash. within-tolerance: bytes differ but only by numbers within tolerance.
 * missing: hashes differ and one of the blobs is gone (purged or deleted), so bytes cannot be compared.
 */
export type OutputState = 'unchanged' | 'changed' | 'within-tolerance' | 'added' | 'removed' | 'missing';

export interface OutputSide {
  hash: string;
  bytes: number;
  rows?: number;
  /** The blob was deleted by a purge at this time. */
  purged?: string;
  /** The blob is not in the store (purged or deleted). */
  absent?: boolean;
}

export interface ColumnType {
  name: string;
  type: string;
}

export type KeyValues = Record<string, Json>;

export interface RowRef {
  /** Key values, when they may be shown. */
  key?: KeyValues;
  /** 1-based position of the row in its file. */
  position?: number;
  /** All cells, only when values may be shown. */
  values?: Record<string, Json>;
}

export interface RowChange {
  key?: KeyValues;
  positionA: number;
  positionB: number;
  /** Names of the columns whose values differ in this row. */
  columns: string[];
  before?: Record<string, Json>;
  after?: Record<string, Json>;
}

export interface TableDiff {
  /** The key the rows were joined on; null when rows were compared as whole rows (no usable key). */
  key: string[] | null;
  /** Why the declared key could not be used. */
  keyNote?: string;
  schema: { added: ColumnType[]; removed: ColumnType[]; retyped: { name: string; before: string; after: string }[] };
  rows: { before: number; after: number; added: number; removed: number; changed: number | null; unchanged: number | null };
  /** Columns with at least one changed value (by key), with counts; maxAbsDelta for numeric columns when values may be shown. */
  columns: { name: string; changed: number; maxAbsDelta?: number }[];
  keyValuesShown: boolean;
  valuesShown: boolean;
  examples: { added: RowRef[]; removed: RowRef[]; changed: RowChange[] };
}



export interface OutputDiff {
  output: string;
  format: Format;
  classification: Classification;
  state: OutputState;
  a?: OutputSide;
  b?: OutputSide;
  table?: TableDiff;
  json?: JsonDiff;
  html?: { linesBefore: number; linesAfter: number; delta: number };
  /** The bytes differ but could not be compared (unreadable file): reported, not thrown. */
  error?: string;
}

export interface StageDiff {
  stage: string;
  statusA?: StageStatus;
  statusB?: StageStatus;
  /** What changed in the stage's cache key between the runs (code, params, inputs, env). */
  keyChanges: string[];
  outputs: OutputDiff[];
}

export interface RunDiff {
  request: string;
  a: { run: string; status: RunRecord['status']; finished: string };
  b: { run: string; status: RunRecord['status']; finished: string };
  tolerance: Tolerance;
  showPersonal: boolean;
  stages: StageDiff[];
  /** Outputs that differ beyond tolerance (changed, added, removed, missing). */
  differences: number;
}

const DIFFERS: OutputState[] = ['changed', 'added', 'removed', 'missing'];

export function isDifference(o: OutputDiff): boolean {
  return DIFFERS.includes(o.state);
}

/** Run ids of a request, oldest first (run ids sort by their start time to the millisecond). */
export function runsInOrder(records: RunRecords, request: string): string[] {
  return records.list(request);
}

/** Pick the two runs: none given = previous and latest; one = that run and the latest; two = as given. Prefixes are accepted. */
export function chooseRuns(ids: string[], given: string[]): { a: string; b: string } | { error: string } {
  const find = (g: string): string | { error: string } => {
    const hits = ids.filter((id) => id === g || id.startsWith(g));
    const exact = hits.find((id) => id === g);
    if (exact) return exact;
    if (hits.length === 1) return hits[0]!;
    return { error: hits.length ? `run "${g}" is ambiguous: ${hits.join(', ')}` : `no run "${g}" (runs: ${ids.join(', ') || 'none'})` };
  };
  if (given.length > 2) return { error: 'give at most two runs: RUN_A RUN_B' };
  if (given.length === 0) {
    if (ids.length < 2) return { error: `two runs are needed to diff, and there ${ids.length === 1 ? 'is one' : 'are none'}` };
    return { a: ids[ids.length - 2]!, b: ids[ids.length - 1]! };
  }
  const a = find(given[0]!);
  if (typeof a !== 'string') return a;
  if (given.length === 1) {
    if (!ids.length) return { error: 'no runs' };
    return { a, b: ids[ids.length - 1]! };
  }
  const b = find(given[1]!);
  if (typeof b !== 'string') return b;
  return { a, b };
}

export async function diffRuns(project: Project, request: string, runA: string, runB: string, options: DiffOptions = {}): Promise<RunDiff> {
  const A = project.records.read(request, runA);
  const B = project.records.read(request, runB);
  const tolerance: Tolerance = { ...DEFAULT_TOLERANCE, ...options.tolerance };
  const limit = options.limit ?? DEFAULT_LIMIT;
  const showPersonal = !!options.showPersonal;

  // Stages in the DAG's order first, then any that are no longer in the DAG.
  const names = [...new Set([...project.graph.order, ...A.plan, ...B.plan])].filter((s) => s in A.stages || s in B.stages);
  const selected = options.stage ? names.filter((s) => s === options.stage) : names;

  let db: Duck | undefined;
  const openDb = async () => {
    if (!db) {
      const { Duck } = await import('./duck.ts');
      db = await Duck.open({ threads: 2 });
    }
    return db;
  };

  const stages: StageDiff[] = [];
  try {
    for (const stage of selected) {
      const sa = A.stages[stage];
      const sb = B.stages[stage];
      const changes = sa?.key && sb?.key ? keyChanges(sa.key, sb.key).map(describeChange) : [];
      const outA = sa?.outputs ?? {};
      const outB = sb?.outputs ?? {};
      const specs = project.graph.stages.get(stage)?.outputs ?? {};
      const outputs: OutputDiff[] = [];
      for (const output of [...new Set([...Object.keys(outA), ...Object.keys(outB)])].sort()) {
        outputs.push(await diffOutput(project, output, outA[output], outB[output], specs[output], { tolerance, limit, showPersonal }, openDb));
      }
      stages.push({ stage, statusA: sa?.status, statusB: sb?.status, keyChanges: changes, outputs });
    }
  } finally {
    (db as Duck | undefined)?.close();
  }

  return {
    request,
    a: { run: A.run, status: A.status, finished: A.finished },
    b: { run: B.run, status: B.status, finished: B.finished },
    tolerance,
    showPersonal,
    stages,
    differences: stages.reduce((n, s) => n + s.outputs.filter(isDifference).length, 0),
  };
}

const STRICTNESS: Classification[] = ['personal', 'pseudonymised', 'aggregate'];
const TABULAR = new Set<Format>(['parquet', 'csv', 'arrow']);

interface Settings {
  tolerance: Tolerance;
  limit: number;
  showPersonal: boolean;
}

function side(project: Project, o: OutputRecord & { purged?: string }): OutputSide {
  const absent = !project.store.hasBlob(o.hash);
  return { hash: o.hash, bytes: o.bytes, ...(o.rows === undefined ? {} : { rows: o.rows }), ...(o.purged ? { purged: o.purged } : {}), ...(absent ? { absent } : {}) };
}

async function diffOutput(
  project: Project,
  output: string,
  a: (OutputRecord & { purged?: string }) | undefined,
  b: (OutputRecord & { purged?: string }) | undefined,
  spec: OutputSpec | undefined,
  settings: Settings,
  openDb: () => Promise<Duck>,
): Promise<OutputDiff> {
  const format = (b ?? a)!.format;
  // If the classification changed between the runs, the stricter one decides what may be shown.
  const classification = STRICTNESS.find((c) => a?.classification === c || b?.classification === c)!;
  const base = { output, format, classification };
  if (!a) return { ...base, state: 'added', b: side(project, b!) };
  if (!b) return { ...base, state: 'removed', a: side(project, a) };
  // Same bytes: nothing to read. This is the common case and must stay instant.
  if (a.hash === b.hash) return { ...base, state: 'unchanged', a: { hash: a.hash, bytes: a.bytes, ...(a.rows === undefined ? {} : { rows: a.rows }) }, b: { hash: b.hash, bytes: b.bytes, ...(b.rows === undefined ? {} : { rows: b.rows }) } };
  const sa = side(project, a);
  const sb = side(project, b);
  if (sa.absent || sb.absent) return { ...base, state: 'missing', a: sa, b: sb };

  const fileA = project.store.blobPath(a.hash);
  const fileB = project.store.blobPath(b.hash);
  const personal = classification !== 'aggregate';
  const mayShowValues = !personal || settings.showPersonal;
  try {
    if (a.format !== b.format && !(TABULAR.has(a.format) && TABULAR.has(b.format))) {
      return { ...base, state: 'changed', a: sa, b: sb, error: `the format changed from ${a.format} to ${b.format}; contents not compared` };
    }
    if (TABULAR.has(a.format)) {
      // Even with the same rows and cells (another row order or file layout) the bytes differ: still 'changed'.
      const db = await openDb();
      try {
        const table = await diffTables(db, [a.format, b.format], fileA, fileB, spec, { ...settings, mayShowValues });
        return { ...base, state: 'changed', a: sa, b: sb, table };
      } finally {
        await db.run('DROP TABLE IF EXISTS diff_a; DROP TABLE IF EXISTS diff_b; DROP TABLE IF EXISTS diff_j');
      }
    }
    if (format === 'json') {
      const json = diffJsonValues(JSON.parse(readFileSync(fileA, 'utf8')) as Json, JSON.parse(readFileSync(fileB, 'utf8')) as Json, settings.tolerance, settings.limit, mayShowValues);
      return { ...base, state: json.beyondTolerance > 0 || json.changes === 0 ? 'changed' : 'within-tolerance', a: sa, b: sb, json };
    }
    const linesBefore = countLines(readFileSync(fileA, 'utf8'));
    const linesAfter = countLines(readFileSync(fileB, 'utf8'));
    return { ...base, state: 'changed', a: sa, b: sb, html: { linesBefore, linesAfter, delta: linesAfter - linesBefore } };
  } catch (error) {
    // The message names the file or the SQL problem; DuckDB errors about data could quote a value, so keep only the first line for personal outputs.
    const message = (error as Error).message ?? String(error);
    return { ...base, state: 'changed', a: sa, b: sb, error: personal && !settings.showPersonal ? `could not compare the bytes (${message.split('\n')[0]!.replace(/"[^"]*"|'[^']*'/g, '…')})` : `could not compare the bytes: ${message}` };
  }
}

function countLines(text: string): number {
  if (text === '') return 0;
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

// ---------------------------------------------------------------------------------------------
// Tables. Column names come from the files' own schemas and the stage's declared key; they are
// quoted as identifiers (SQL cannot bind a column name). Values and paths are always bound.

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

const INTEGER_TYPES = new Set(['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT', 'UHUGEINT']);
const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL.*)$/;

async function loadTable(db: Duck, name: string, format: Format, file: string): Promise<ColumnType[]> {
  await db.run(`DROP TABLE IF EXISTS ${name}`);
  if (format === 'parquet') await db.run(`CREATE TABLE ${name} AS SELECT * FROM read_parquet($p)`, { p: file });
  // A CSV has no types: reading every column as text means a value that happens to look different
  // cannot turn into a spurious "type changed".
  else if (format === 'csv') await db.run(`CREATE TABLE ${name} AS SELECT * FROM read_csv($p, header = true, all_varchar = true)`, { p: file });
  else await loadArrow(db, name, file);
  return (await db.all<{ column_name: string; column_type: string }>(`DESCRIBE ${name}`)).map((r) => ({ name: r.column_name, type: r.column_type }));
}

/** DuckDB here cannot read Arrow IPC, so the file is read with apache-arrow and appended row by row. */
async function loadArrow(db: Duck, name: string, file: string): Promise<void> {
  const { tableFromIPC, Type } = await import('apache-arrow');
  const table = tableFromIPC(readFileSync(file));
  const fields = table.schema.fields;
  const kinds = fields.map((f) => {
    const id = f.type.typeId as number;
    if (id === Type.Int) return (f.type as unknown as { bitWidth: number }).bitWidth === 64 ? 'BIGINT' : 'INTEGER';
    if (id === Type.Float) return 'DOUBLE';
    if (id === Type.Bool) return 'BOOLEAN';
    return 'VARCHAR'; // strings, dates and anything else: compared as their text
  });
  if (!fields.length) throw new Error('the Arrow file has no columns');
  await db.run(`CREATE TABLE ${name} (${fields.map((f, i) => `${quote(f.name)} ${kinds[i]}`).join(', ')})`);
  const appender = await db.con.createAppender(name);
  const columns = fields.map((f) => table.getChild(f.name)!);
  for (let r = 0; r < table.numRows; r++) {
    for (let c = 0; c < fields.length; c++) {
      const v = columns[c]!.get(r) as unknown;
      if (v === null || v === undefined) appender.appendNull();
      else if (kinds[c] === 'BIGINT') appender.appendBigInt(BigInt(v as number | bigint));
      else if (kinds[c] === 'INTEGER') appender.appendInteger(Number(v));
      else if (kinds[c] === 'DOUBLE') appender.appendDouble(Number(v));
      else if (kinds[c] === 'BOOLEAN') appender.appendBoolean(Boolean(v));
      else appender.appendVarchar(v instanceof Date ? v.toISOString() : typeof v === 'object' ? JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? String(x) : x)) : String(v));
    }
    appender.endRow();
  }
  appender.closeSync();
}

async function diffTables(
  db: Duck,
  [formatA, formatB]: [Format, Format],
  fileA: string,
  fileB: string,
  spec: OutputSpec | undefined,
  settings: Settings & { mayShowValues: boolean },
): Promise<TableDiff> {
  const colsA = await loadTable(db, 'diff_a', formatA, fileA);
  const colsB = await loadTable(db, 'diff_b', formatB, fileB);
  const typeA = new Map(colsA.map((c) => [c.name, c.type]));
  const typeB = new Map(colsB.map((c) => [c.name, c.type]));
  const schema = {
    added: colsB.filter((c) => !typeA.has(c.name)),
    removed: colsA.filter((c) => !typeB.has(c.name)),
    retyped: colsB.filter((c) => typeA.has(c.name) && typeA.get(c.name) !== c.type).map((c) => ({ name: c.name, before: typeA.get(c.name)!, after: c.type })),
  };
  const common = colsA.filter((c) => typeB.has(c.name)).map((c) => c.name);
  const retyped = new Set(schema.retyped.map((r) => r.name));
  // A column whose type changed is compared as a number when both types are numeric (70 = 70.0),
  // otherwise by its text, so a changed type never makes the query fail.
  const bothNumeric = (c: string) => NUMERIC.test(typeA.get(c) ?? '') && NUMERIC.test(typeB.get(c) ?? '');
  const valueOf = (t: 'a' | 'b', c: string) => (retyped.has(c) ? `${t}.${quote(c)}::${bothNumeric(c) ? 'DOUBLE' : 'VARCHAR'}` : `${t}.${quote(c)}`);
  const count = async (t: string) => Number((await db.one<{ n: bigint }>(`SELECT count(*) AS n FROM ${t}`))!.n);
  const before = await count('diff_a');
  const after = await count('diff_b');

  // Is the declared key usable here?
  const declared = spec?.key ?? [];
  let keyNote: string | undefined;
  if (!declared.length) keyNote = spec ? 'the output declares no key' : 'the stage or output is no longer in the DAG, so its key is unknown';
  else if (declared.some((k) => !typeA.has(k) || !typeB.has(k))) keyNote = `key column(s) ${declared.filter((k) => !typeA.has(k) || !typeB.has(k)).join(', ')} not in both versions`;
  else {
    for (const t of ['diff_a', 'diff_b']) {
      const dups = Number((await db.one<{ n: bigint }>(`SELECT count(*) AS n FROM (SELECT 1 FROM ${t} GROUP BY ${declared.map(quote).join(', ')} HAVING count(*) > 1)`))!.n);
      if (dups) keyNote = `the key (${declared.join(', ')}) is not unique in ${t === 'diff_a' ? 'the first' : 'the second'} version (${dups} repeated value(s))`;
    }
  }

  // Key values of personal data are shown only when they cannot say anything about a person: whole
  // numbers (row numbers, surrogate ids) not declared as identifiers.
  const identifiers = new Set([...(spec?.identifiers?.names ?? []), ...(spec?.identifiers?.dates ?? []), ...(spec?.identifiers?.ids ?? [])]);
  const keyIsSafe = declared.length > 0 && declared.every((k) => !identifiers.has(k) && INTEGER_TYPES.has(typeA.get(k) ?? '') && INTEGER_TYPES.has(typeB.get(k) ?? ''));
  const keyValuesShown = settings.mayShowValues || keyIsSafe;
  const valuesShown = settings.mayShowValues;

  if (keyNote) return { ...(await diffWholeRows(db, common, retyped, settings.limit, valuesShown)), key: null, keyNote, schema, keyValuesShown: false, valuesShown, rows: { before, after, ...(await wholeRowCounts(db, common, retyped)), changed: null, unchanged: null } };

  const key = declared;
  const nonKey = common.filter((c) => !key.includes(c));
  const both = 'a.rowid IS NOT NULL AND b.rowid IS NOT NULL';
  const numeric = nonKey.map((c) => bothNumeric(c));
  await db.run(`DROP TABLE IF EXISTS diff_j`);
  await db.run(
    `CREATE TABLE diff_j AS SELECT (a.rowid + 1)::BIGINT AS __pa, (b.rowid + 1)::BIGINT AS __pb, ` +
      [
        ...key.map((k, i) => `coalesce(${valueOf('a', k)}, ${valueOf('b', k)}) AS __k${i}`),
        ...nonKey.map((c, i) => `(${both} AND ${valueOf('a', c)} IS DISTINCT FROM ${valueOf('b', c)}) AS __d${i}`),
        ...nonKey.map((c, i) => (numeric[i] && valuesShown ? `abs(b.${quote(c)}::DOUBLE - a.${quote(c)}::DOUBLE) AS __m${i}` : `NULL::DOUBLE AS __m${i}`)),
      ].join(', ') +
      ` FROM diff_a a FULL OUTER JOIN diff_b b ON ${key.map((k) => `${valueOf('a', k)} IS NOT DISTINCT FROM ${valueOf('b', k)}`).join(' AND ')}`,
  );
  const anyChange = nonKey.length ? nonKey.map((_c, i) => `__d${i}`).join(' OR ') : 'false';
  const stats = await db.all<Record<string, bigint | number | null>>(
    `SELECT count(*) FILTER (WHERE __pa IS NULL) AS added, count(*) FILTER (WHERE __pb IS NULL) AS removed, count(*) FILTER (WHERE ${anyChange}) AS changed` +
      nonKey.map((_c, i) => `, count(*) FILTER (WHERE __d${i}) AS c${i}, max(__m${i}) FILTER (WHERE __d${i}) AS m${i}`).join('') +
      ` FROM diff_j`,
  );
  const s = stats[0]!;
  const changed = Number(s.changed);
  const columns = nonKey
    .map((name, i) => ({ name, changed: Number(s[`c${i}`]), ...(s[`m${i}`] !== null && s[`m${i}`] !== undefined ? { maxAbsDelta: Number(s[`m${i}`]) } : {}) }))
    .filter((c) => c.changed > 0);

  const order = key.map((_k, i) => `__k${i}`).join(', ');
  const keyOf = (row: Record<string, unknown>): KeyValues | undefined => (keyValuesShown ? Object.fromEntries(key.map((k, i) => [k, row[`__k${i}`] as Json])) : undefined);
  // Example rows, with their cells joined in from the version they come from when values may be shown.
  const examplesOf = async (where: string, from: 'diff_a' | 'diff_b' | 'both') => {
    const joins = from === 'both' ? ' JOIN diff_a a ON a.rowid + 1 = j.__pa JOIN diff_b b ON b.rowid + 1 = j.__pb' : ` JOIN ${from} t ON t.rowid + 1 = j.${from === 'diff_a' ? '__pa' : '__pb'}`;
    const own = from === 'diff_a' ? colsA : colsB;
    const cells = !valuesShown ? '' : from === 'both' ? nonKey.map((c, i) => `, a.${quote(c)} AS __a${i}, b.${quote(c)} AS __b${i}`).join('') : own.map((c, i) => `, t.${quote(c.name)} AS __v${i}`).join('');
    return (await db.all<Record<string, unknown>>(`SELECT j.*${cells} FROM diff_j j${valuesShown ? joins : ''} WHERE ${where} ORDER BY ${order} LIMIT $n`, { n: settings.limit })).map(plainRow);
  };
  const cellsOf = (r: Record<string, unknown>, cols: ColumnType[]) => Object.fromEntries(cols.map((c, i) => [c.name, r[`__v${i}`] as Json]));
  const addedRows = await examplesOf('j.__pa IS NULL', 'diff_b');
  const removedRows = await examplesOf('j.__pb IS NULL', 'diff_a');
  const changedRows = await examplesOf(nonKey.length ? nonKey.map((_c, i) => `j.__d${i}`).join(' OR ') : 'false', 'both');

  const examples = {
    added: addedRows.map((r) => ({ key: keyOf(r), position: Number(r.__pb), ...(valuesShown ? { values: cellsOf(r, colsB) } : {}) })),
    removed: removedRows.map((r) => ({ key: keyOf(r), position: Number(r.__pa), ...(valuesShown ? { values: cellsOf(r, colsA) } : {}) })),
    changed: changedRows.map((r) => {
      const idx = nonKey.map((_c, i) => i).filter((i) => r[`__d${i}`] === true);
      const change: RowChange = { key: keyOf(r), positionA: Number(r.__pa), positionB: Number(r.__pb), columns: idx.map((i) => nonKey[i]!) };
      if (valuesShown) {
        change.before = Object.fromEntries(idx.map((i) => [nonKey[i]!, r[`__a${i}`] as Json]));
        change.after = Object.fromEntries(idx.map((i) => [nonKey[i]!, r[`__b${i}`] as Json]));
      }
      return change;
    }),
  };
  const added = Number(s.added);
  const removed = Number(s.removed);
  return { key, schema, rows: { before, after, added, removed, changed, unchanged: before - removed - changed }, columns, keyValuesShown, valuesShown, examples };
}

/** A DuckDB row as JSON values: whole numbers as numbers when exact, dates, decimals and the like as their text. */
function plainRow(row: Record<string, unknown>): Record<string, Json> {
  const plain = (v: unknown): Json => {
    if (v === null || v === undefined) return null;
    if (typeof v === 'bigint') return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : String(v);
    if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
    if (typeof v === 'string' || typeof v === 'boolean') return v;
    return String(v);
  };
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, plain(v)]));
}

/** Without a usable key: rows are compared whole (over the columns both versions have), as multisets. */
async function wholeRowCounts(db: Duck, common: string[], retyped: Set<string>): Promise<{ added: number; removed: number }> {
  if (!common.length) return { added: Number((await db.one<{ n: bigint }>('SELECT count(*) AS n FROM diff_b'))!.n), removed: Number((await db.one<{ n: bigint }>('SELECT count(*) AS n FROM diff_a'))!.n) };
  const cols = common.map((c) => (retyped.has(c) ? `${quote(c)}::VARCHAR AS ${quote(c)}` : quote(c))).join(', ');
  const n = async (x: string, y: string) => Number((await db.one<{ n: bigint }>(`SELECT count(*) AS n FROM (SELECT ${cols} FROM ${x} EXCEPT ALL SELECT ${cols} FROM ${y})`))!.n);
  return { added: await n('diff_b', 'diff_a'), removed: await n('diff_a', 'diff_b') };
}

async function diffWholeRows(db: Duck, common: string[], retyped: Set<string>, limit: number, valuesShown: boolean): Promise<Pick<TableDiff, 'columns' | 'examples'>> {
  const examples: TableDiff['examples'] = { added: [], removed: [], changed: [] };
  if (valuesShown && common.length) {
    const cols = common.map((c) => (retyped.has(c) ? `${quote(c)}::VARCHAR AS ${quote(c)}` : quote(c))).join(', ');
    const pick = async (x: string, y: string) => (await db.all(`SELECT * FROM (SELECT ${cols} FROM ${x} EXCEPT ALL SELECT ${cols} FROM ${y}) ORDER BY ALL LIMIT $n`, { n: limit })).map(plainRow);
    examples.added = (await pick('diff_b', 'diff_a')).map((values) => ({ values }));
    examples.removed = (await pick('diff_a', 'diff_b')).map((values) => ({ values }));
  }
  return { columns: [], examples };
}

// ---------------------------------------------------------------------------------------------
// JSON: a structural diff. Arrays of objects are matched by a label field when one identifies
// their elements on both sides (e.g. "measure"), so one inserted element does not shift all others.

// ---------------------------------------------------------------------------------------------
// Text rendering.

const fmtNumber = (n: number) => (Number.isInteger(n) ? String(n) : Number(n.toPrecision(6)).toString());
const signed = (n: number) => (n > 0 ? `+${fmtNumber(n)}` : fmtNumber(n));
/** A value for display; the terminal shortens long ones, the HTML page never does (a changed sentence must read changed). */
export const showValue = (v: Json | undefined, truncate = true) => {
  if (v === undefined) return '(none)';
  const s = typeof v === 'number' ? fmtNumber(v) : JSON.stringify(v);
  return truncate && s.length > 80 ? `${s.slice(0, 77)}...` : s;
};
const keyText = (k?: KeyValues) => (k ? Object.entries(k).map(([n, v]) => `${n}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ') : undefined);
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function describeJsonChange(c: JsonChange, truncate = true): string {
  // Two long values that differ only after the cut would read the same: then show them whole.
  if (truncate && c.kind === 'changed' && showValue(c.before) === showValue(c.after)) truncate = false;
  if (c.kind === 'added') return `${c.path}: added ${showValue(c.after, truncate)}`;
  if (c.kind === 'removed') return `${c.path}: removed (was ${showValue(c.before, truncate)})`;
  if (c.delta !== undefined) {
    const rel = c.relative === null || c.relative === undefined ? '' : `, ${signed(Number((c.relative * 100).toPrecision(3)))}%`;
    return `${c.path}: ${showValue(c.before, truncate)} -> ${showValue(c.after, truncate)} (${signed(c.delta)}${rel})${c.withinTolerance ? ' within tolerance' : ''}`;
  }
  return `${c.path}: ${showValue(c.before, truncate)} -> ${showValue(c.after, truncate)}`;
}

export function outputHeadline(o: OutputDiff): string {
  const what = `${o.output} (${o.format}, ${o.classification})`;
  switch (o.state) {
    case 'unchanged':
      return `${what}: unchanged (same hash)`;
    case 'added':
      return `${what}: added in the second run${o.b?.rows !== undefined ? `, ${plural(o.b.rows, 'row')}` : ''}`;
    case 'removed':
      return `${what}: not in the second run`;
    case 'missing': {
      const gone = (s?: OutputSide) => (s?.purged ? `purged on ${s.purged.slice(0, 10)}` : 'missing from the store');
      const which = [o.a?.absent ? `the first run's copy is ${gone(o.a)}` : '', o.b?.absent ? `the second run's copy is ${gone(o.b)}` : ''].filter(Boolean).join('; ');
      return `${what}: changed (hash differs); bytes not compared: ${which}`;
    }
    case 'within-tolerance':
      return `${what}: changed bytes, all numeric changes within tolerance`;
    case 'changed':
      return `${what}: CHANGED`;
  }
}

export function renderText(d: RunDiff): string {
  const out: string[] = [];
  out.push(`diff of request ${d.request}: run ${d.a.run} (${d.a.status}) -> run ${d.b.run} (${d.b.status})`);
  for (const s of d.stages) {
    const status = s.statusA === s.statusB ? (s.statusA ?? 'absent') : `${s.statusA ?? 'absent'} -> ${s.statusB ?? 'absent'}`;
    out.push(`${s.stage} (${status})${s.keyChanges.length ? `: ${s.keyChanges.join('; ')}` : ''}`);
    if (!s.outputs.length) out.push('  no outputs in either run');
    for (const o of s.outputs) {
      out.push(`  ${outputHeadline(o)}`);
      if (o.error) out.push(`    ${o.error}`);
      if (o.table) out.push(...tableLines(o.table, o.classification).map((l) => `    ${l}`));
      if (o.json) out.push(...jsonLines(o.json).map((l) => `    ${l}`));
      if (o.html) out.push(`    lines ${o.html.linesBefore} -> ${o.html.linesAfter} (${signed(o.html.delta)})`);
    }
  }
  const within = d.stages.reduce((n, s) => n + s.outputs.filter((o) => o.state === 'within-tolerance').length, 0);
  out.push(d.differences ? `${plural(d.differences, 'output')} differ${d.differences === 1 ? 's' : ''}${within ? `; ${within} within tolerance` : ''}` : `no differences${within ? ` beyond tolerance (${within} output(s) within tolerance)` : ''}`);
  return out.join('\n') + '\n';
}

function tableLines(t: TableDiff, classification: Classification): string[] {
  const lines: string[] = [];
  const schema = [...t.schema.added.map((c) => `+ ${c.name} ${c.type}`), ...t.schema.removed.map((c) => `- ${c.name} ${c.type}`), ...t.schema.retyped.map((c) => `${c.name} ${c.before} -> ${c.after}`)];
  if (schema.length) lines.push(`schema: ${schema.join('; ')}`);
  const r = t.rows;
  if (t.key) lines.push(`rows ${r.before} -> ${r.after}: ${r.added} added, ${r.removed} removed, ${r.changed} changed, ${r.unchanged} unchanged (by key ${t.key.join(', ')})`);
  else lines.push(`rows ${r.before} -> ${r.after}: ${r.added} added, ${r.removed} removed, compared as whole rows (${t.keyNote})`);
  if (t.key && r.added === 0 && r.removed === 0 && r.changed === 0 && !schema.length) lines.push('same rows and values; the bytes differ (row order or file layout)');
  if (t.columns.length) lines.push(`changed columns: ${t.columns.map((c) => `${c.name} (${plural(c.changed, 'row')}${c.maxAbsDelta !== undefined ? `, max |delta| ${fmtNumber(c.maxAbsDelta)}` : ''})`).join(', ')}`);
  const hidden = !t.valuesShown ? ` [${classification} data: ${t.keyValuesShown ? 'cell values' : 'values'} hidden; --show-personal shows them]` : '';
  const where = (key: KeyValues | undefined, pos: string) => (keyText(key) ? `${keyText(key)} (${pos})` : pos);
  for (const c of t.examples.changed) {
    const cells = t.valuesShown ? c.columns.map((n) => `${n} ${showValue(c.before?.[n])} -> ${showValue(c.after?.[n])}`).join(', ') : c.columns.join(', ');
    lines.push(`changed ${where(c.key, `position ${c.positionA} -> ${c.positionB}`)}: ${cells}`);
  }
  for (const [kind, list] of [['added', t.examples.added], ['removed', t.examples.removed]] as const) {
    for (const a of list) {
      const at = a.position !== undefined ? ` ${where(a.key, `position ${a.position}`)}` : '';
      lines.push(`${kind}${at}${a.values ? `: ${showValue(a.values)}` : ''}`);
    }
  }
  const listed = t.examples.changed.length + t.examples.added.length + t.examples.removed.length;
  const total = (r.changed ?? 0) + r.added + r.removed;
  if (listed < total && (listed > 0 || t.key)) lines.push(`(${listed} of ${total} row changes listed; --limit N lists more)`);
  if (hidden && (listed > 0 || t.columns.length)) lines.push(hidden.trim());
  return lines;
}

function jsonLines(j: JsonDiff): string[] {
  const lines = [`${plural(j.changes, 'changed path')}: ${j.beyondTolerance} beyond tolerance, ${j.withinTolerance} within`];
  if (!j.valuesShown) lines.push('[personal data: paths and values hidden; --show-personal shows them]');
  for (const c of j.shown) lines.push(describeJsonChange(c));
  if (j.valuesShown && j.shown.length < j.changes) lines.push(`(${j.shown.length} of ${j.changes} listed; --limit N lists more)`);
  return lines;
}

// ---------------------------------------------------------------------------------------------
// Which runs to compare (the diff command, src/commands/diff.ts, chooses with these).

/** Successful runs, oldest first: what `diff` compares unless a run is named (a failed run has no complete outputs). */
export function okRuns(records: RunRecords, request: string): string[] {
  return runsInOrder(records, request).filter((id) => {
    try {
      return records.read(request, id).status === 'ok';
    } catch {
      return false;
    }
  });
}

/** Which two runs `--against` means; the given positionals are runs (prefixes accepted). */
export function runsAgainst(all: string[], ok: string[], against: string, given: string[], named?: () => { run: string } | { error: string }): { a: string; b: string } | { error: string } {
  const pick = (g: string | undefined, fallback: string | undefined, what: string): string | { error: string } => {
    if (g === undefined) return fallback ?? { error: `no ${what}` };
    const r = chooseRuns(all, [g, g]);
    return 'error' in r ? r : r.a;
  };
  if (given.length > 1) return { error: `with --against ${against} give at most one run` };
  if (against === 'previous') {
    const b = pick(given[0], ok.at(-1), 'successful run');
    if (typeof b !== 'string') return b;
    const before = ok.filter((id) => id < b);
    if (!before.length) return { error: `there is no successful run before ${b}` };
    return { a: before.at(-1)!, b };
  }
  if (against === 'latest') {
    const b = ok.at(-1);
    if (!b) return { error: 'no successful run' };
    const a = pick(given[0], ok.at(-2), 'successful run before the latest');
    if (typeof a !== 'string') return a;
    return { a, b };
  }
  if (!named) return { error: `--against takes previous, latest or a name the configuration defines; "${against}" is none of them` };
  const ref = named();
  if ('error' in ref) return ref;
  const b = pick(given[0], ok.at(-1), 'successful run');
  if (typeof b !== 'string') return b;
  if (!all.includes(ref.run)) return { error: `the ${against} run ${ref.run} has no run record any more` };
  return { a: ref.run, b };
}

/** For callers (e.g. an erratum) that want the diff of a request's two latest runs, if there are two. */
export async function diffLatest(project: Project, request: string, options: DiffOptions = {}): Promise<RunDiff | undefined> {
  const runs = chooseRuns(runsInOrder(project.records, request), []);
  if ('error' in runs) return undefined;
  return diffRuns(project, request, runs.a, runs.b, options);
}
