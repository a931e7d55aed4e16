// The model's design, built from a DuckDB table: treatment flag, numeric covariates as
// Float64Array columns, factor covariates expanded to 0/1 dummy columns, and the exact-matching
// stratum of every row. Row order is the table's total-order column, so the same table always
// gives the same arrays.
//
// Documented choices:
// - Reference level of a factor: the most frequent level in the rows used, ties broken by the
//   level's name (byte order). Its dummy is left out of the model (it is still shown in balance).
// - NULL in a factor or an exact-matching column is its own level, named "(missing)".
// - NULL in a numeric covariate: the row is left out (complete cases, as R's glm does), and the
//   losses are counted per group and per covariate.
// - With `pruneLevels`, comparators in a factor level that no treated row has are removed before
//   fitting, and treated rows in a level that no comparator has are removed and counted as off
//   support. Such a level would otherwise separate the groups perfectly (its coefficient runs to
//   infinity), and no comparator in it could ever be a match, so the ATT does not change.
import type { Duck } from '../../src/duck.ts';
import { quoteIdent, readColumns, type ColumnArray, type ColumnKind } from '../../src/columns.ts';
import { sharedFloat64, sharedUint8, startWorkers } from '../../src/parallel.ts';

export const MISSING_LEVEL = '(missing)';

export interface DesignSpec {
  /** Table or view holding one row per unit. */
  table: string;
  /** A column whose values are unique: it fixes the row order. */
  order: string;
  /** 0/1 (or boolean) treatment column. */
  treatment: string;
  numeric: string[];
  factors: string[];
  /** Columns whose combination forms the exact-matching strata. */
  exact: string[];
  /** An identifier column carried through to the matched output. */
  id?: { column: string; kind: ColumnKind | 'varchar' };
  pruneLevels?: boolean;
  /**
   * Numeric covariates on which the comparison pool is restricted to the treated group's range:
   * comparators below the youngest treated person's value or above the oldest's are removed
   * before fitting (counted). For age, a programme that takes only adults has no treated person
   * under 18, and a smooth model cannot make the score of a 16-year-old exactly 0: it would
   * extrapolate the trend of the young adults and match teenagers to them.
   */
  rangeSupport?: string[];
  /**
   * Refuse factors with more levels than this: a factor with hundreds of levels is usually an
   * identifier, and its level names would then end up in coefficient names and messages.
   */
  maxLevels?: number;
}

export interface Term {
  name: string;
  kind: 'numeric' | 'factor';
  /** Indexes into Design.columns of this term's model columns. */
  columns: number[];
  /** Factor levels, reference first, then the dummies in column order. */
  levels?: string[];
  /** Rows in each level (same order as levels). */
  levelCounts?: number[];
  /** Per row, the index of its level in `levels` (factors only). */
  codes?: Int32Array;
}

export interface Exclusions {
  /** Rows left out because a numeric covariate was NULL. */
  missing: { treated: number; comparison: number; byCovariate: Record<string, number> };
  /** Rows removed by level pruning, per factor. */
  pruned: { treated: number; comparison: number; byFactor: Record<string, { treated: number; comparison: number }> };
  /** Comparators removed because a rangeSupport covariate lay outside the treated range. */
  outsideRange: { comparison: number; byCovariate: Record<string, number> };
}

export interface Design {
  n: number;
  treat: Uint8Array;
  /** Model columns (numeric covariates and dummies), without the intercept. */
  columns: Float64Array[];
  names: string[];
  terms: Term[];
  stratum: Int32Array;
  /** Label of each stratum, e.g. "gender=M, sentence_type=custody"; "(all)" without exact columns. */
  strata: string[];
  ids: ColumnArray | string[] | null;
  exclusions: Exclusions;
}

export class DesignError extends Error {}

export async function loadDesign(db: Duck, spec: DesignSpec): Promise<Design> {
  // The fit and the balance run in worker threads too; starting them now hides their start-up
  // behind the query.
  startWorkers();
  const described = await db.all<{ column_name: string; column_type: string }>(`DESCRIBE ${quoteIdent(spec.table)}`);
  const available = new Set(described.map((c) => c.column_name));
  const wanted = [spec.order, spec.treatment, ...spec.numeric, ...spec.factors, ...spec.exact, ...(spec.id ? [spec.id.column] : [])];
  for (const name of wanted) if (!available.has(name)) throw new DesignError(`column “${name}” is not in the input (columns: ${[...available].join(', ')})`);
  const seen = new Set<string>();
  for (const name of [...spec.numeric, ...spec.factors]) {
    if (seen.has(name)) throw new DesignError(`covariate “${name}” is listed twice`);
    if (name === spec.treatment) throw new DesignError(`the treatment column “${name}” cannot also be a covariate`);
    seen.add(name);
  }

  const t = quoteIdent(spec.table);
  const q = quoteIdent;
  const bad = await db.one<{ bad: number; n: number }>(
    `SELECT count(*) FILTER (WHERE TRY_CAST(${q(spec.treatment)} AS INTEGER) IS NULL OR TRY_CAST(${q(spec.treatment)} AS INTEGER) NOT IN (0, 1))::INTEGER AS bad, count(*)::INTEGER AS n FROM ${t}`,
  );
  if (bad!.bad > 0) throw new DesignError(`treatment column “${spec.treatment}”: ${bad!.bad} of ${bad!.n} rows are not 0/1`);

  // Internal column names avoid quoting the user's names twice and any clash between them.
  const select = [
    `${q(spec.order)} AS __order`,
    `CAST(${q(spec.treatment)} AS INTEGER) AS __treat`,
    ...spec.numeric.map((c, j) => `TRY_CAST(${q(c)} AS DOUBLE) AS n${j}`),
    ...spec.factors.map((c, j) => `coalesce(CAST(${q(c)} AS VARCHAR), '${MISSING_LEVEL}') AS f${j}`),
    ...spec.exact.map((c, j) => `coalesce(CAST(${q(c)} AS VARCHAR), '${MISSING_LEVEL}') AS e${j}`),
    spec.id ? `${q(spec.id.column)} AS __id` : 'NULL AS __id',
  ];
  // A view: the checks below and the filtered copy each read the source once, with the casts.
  await db.run(`CREATE OR REPLACE TEMP VIEW psm_all AS SELECT ${select.join(', ')} FROM ${t}`);
  const anyMissing = spec.numeric.length ? spec.numeric.map((_, j) => `n${j} IS NULL`).join(' OR ') : 'false';
  const missingCounts = await db.one<Record<string, number>>(
    `SELECT count(*) FILTER (WHERE (${anyMissing}) AND __treat = 1)::INTEGER AS treated, count(*) FILTER (WHERE (${anyMissing}) AND __treat = 0)::INTEGER AS comparison` +
      spec.numeric.map((_, j) => `, count(*) FILTER (WHERE n${j} IS NULL)::INTEGER AS m${j}, count(*) FILTER (WHERE NOT isfinite(n${j}))::INTEGER AS inf${j}`).join('') +
      ' FROM psm_all',
  );
  spec.numeric.forEach((c, j) => {
    const bad = missingCounts![`inf${j}`]!;
    if (bad > 0) throw new DesignError(`covariate “${c}”: ${bad} rows are not finite numbers`);
  });
  const exclusions: Exclusions = {
    missing: { treated: missingCounts!.treated!, comparison: missingCounts!.comparison!, byCovariate: {} },
    pruned: { treated: 0, comparison: 0, byFactor: {} },
    outsideRange: { comparison: 0, byCovariate: {} },
  };
  spec.numeric.forEach((c, j) => {
    const m = missingCounts![`m${j}`]!;
    if (m > 0) exclusions.missing.byCovariate[c] = m;
  });
  await db.run(`CREATE OR REPLACE TEMP TABLE psm_rows AS SELECT * FROM psm_all WHERE NOT (${anyMissing})`);
  await db.run('DROP VIEW psm_all');

  for (const name of spec.rangeSupport ?? []) {
    const j = spec.numeric.indexOf(name);
    if (j < 0) throw new DesignError(`range support: “${name}” is not one of the numeric covariates`);
    const range = await db.one<{ lo: number | null; hi: number | null }>(`SELECT min(n${j}) AS lo, max(n${j}) AS hi FROM psm_rows WHERE __treat = 1`);
    if (range?.lo === null || range?.lo === undefined || range.hi === null) continue;
    const outside = await db.one<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM psm_rows WHERE __treat = 0 AND (n${j} < $lo OR n${j} > $hi)`, { lo: range.lo, hi: range.hi });
    if (outside!.n > 0) await db.run(`DELETE FROM psm_rows WHERE __treat = 0 AND (n${j} < $lo OR n${j} > $hi)`, { lo: range.lo, hi: range.hi });
    // counts only: the treated group's extreme values could single a person out
    exclusions.outsideRange.byCovariate[name] = outside!.n;
    exclusions.outsideRange.comparison += outside!.n;
  }

  if (spec.pruneLevels) {
    // Removing comparators never empties a level of treated rows, and vice versa, but removing
    // rows for one factor can empty a level of another: repeat until nothing changes.
    for (let changed = true; changed; ) {
      changed = false;
      for (let j = 0; j < spec.factors.length; j++) {
        for (const [group, other] of [[0, 1], [1, 0]] as const) {
          const r = await db.one<{ n: number }>(
            `SELECT count(*)::INTEGER AS n FROM psm_rows WHERE __treat = ${group} AND f${j} NOT IN (SELECT f${j} FROM psm_rows WHERE __treat = ${other})`,
          );
          if (r!.n === 0) continue;
          await db.run(`DELETE FROM psm_rows WHERE __treat = ${group} AND f${j} NOT IN (SELECT f${j} FROM psm_rows WHERE __treat = ${other})`);
          const entry = (exclusions.pruned.byFactor[spec.factors[j]!] ??= { treated: 0, comparison: 0 });
          if (group === 1) {
            entry.treated += r!.n;
            exclusions.pruned.treated += r!.n;
          } else {
            entry.comparison += r!.n;
            exclusions.pruned.comparison += r!.n;
          }
          changed = true;
        }
      }
    }
  }

  const counts = await db.one<{ treated: number; comparison: number }>(
    'SELECT count(*) FILTER (WHERE __treat = 1)::INTEGER AS treated, count(*) FILTER (WHERE __treat = 0)::INTEGER AS comparison FROM psm_rows',
  );
  if (counts!.treated === 0) throw new DesignError('no treated rows are left to model');
  if (counts!.comparison === 0) throw new DesignError('no comparison rows are left to model');

  const factorLevels: { levels: string[]; counts: number[] }[] = [];
  for (let j = 0; j < spec.factors.length; j++) {
    await db.run(
      `CREATE OR REPLACE TEMP TABLE psm_levels_${j} AS SELECT level, n, (row_number() OVER (ORDER BY n DESC, level) - 1)::INTEGER AS code ` +
        `FROM (SELECT f${j} AS level, count(*)::INTEGER AS n FROM psm_rows GROUP BY f${j})`,
    );
    const count = await db.one<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM psm_levels_${j}`);
    const maxLevels = spec.maxLevels ?? 100;
    if (count!.n > maxLevels) throw new DesignError(`factor “${spec.factors[j]}” has ${count!.n} levels (more than ${maxLevels}): is it an identifier? Leave it out, or group its levels`);
    const rows = await db.all<{ level: string; n: number }>(`SELECT level, n FROM psm_levels_${j} ORDER BY code`);
    factorLevels.push({ levels: rows.map((r) => r.level), counts: rows.map((r) => r.n) });
  }
  let strata = ['(all)'];
  if (spec.exact.length) {
    const cols = spec.exact.map((_, j) => `e${j}`).join(', ');
    await db.run(`CREATE OR REPLACE TEMP TABLE psm_strata AS SELECT ${cols}, (row_number() OVER (ORDER BY ${cols}) - 1)::INTEGER AS code FROM (SELECT DISTINCT ${cols} FROM psm_rows)`);
    const rows = await db.all<Record<string, string>>(`SELECT ${cols} FROM psm_strata ORDER BY code`);
    strata = rows.map((r) => spec.exact.map((c, j) => `${c}=${r[`e${j}`]}`).join(', '));
  }

  const idKind = spec.id && spec.id.kind !== 'varchar' ? spec.id.kind : undefined;
  const cast = idKind === 'double' ? 'DOUBLE' : idKind === 'integer' ? 'INTEGER' : 'BIGINT';
  const parts = [
    'r.__treat',
    ...spec.numeric.map((_, j) => `r.n${j}`),
    ...spec.factors.map((_, j) => `l${j}.code`),
    spec.exact.length ? 's.code' : '0::INTEGER',
    ...(idKind ? [`CAST(r.__id AS ${cast})`] : []),
  ];
  const joins = [
    ...spec.factors.map((_, j) => `JOIN psm_levels_${j} l${j} ON r.f${j} = l${j}.level`),
    ...(spec.exact.length ? [`JOIN psm_strata s ON ${spec.exact.map((_, j) => `r.e${j} = s.e${j}`).join(' AND ')}`] : []),
  ];
  const kinds: ColumnKind[] = ['integer', ...spec.numeric.map((): ColumnKind => 'double'), ...spec.factors.map((): ColumnKind => 'integer'), 'integer', ...(idKind ? [idKind] : [])];
  const read = await readColumns(db, `SELECT ${parts.join(', ')} FROM psm_rows r ${joins.join(' ')} ORDER BY r.__order`, kinds, undefined, counts!.treated + counts!.comparison);
  const n = read.n;
  let k = 0;
  const treatInt = read.columns[k++] as Int32Array;
  // Shared memory, as the columns: the fit and the balance read them from worker threads.
  const treat = sharedUint8(n);
  for (let i = 0; i < n; i++) treat[i] = treatInt[i]!;

  const columns: Float64Array[] = [];
  const names: string[] = [];
  const terms: Term[] = [];
  for (const name of spec.numeric) {
    terms.push({ name, kind: 'numeric', columns: [columns.length] });
    columns.push(read.columns[k++] as Float64Array);
    names.push(name);
  }
  spec.factors.forEach((name, j) => {
    const codes = read.columns[k++] as Int32Array;
    const { levels, counts: levelCounts } = factorLevels[j]!;
    const term: Term = { name, kind: 'factor', columns: [], levels, levelCounts, codes };
    for (let level = 1; level < levels.length; level++) {
      const dummy = sharedFloat64(n);
      for (let i = 0; i < n; i++) if (codes[i] === level) dummy[i] = 1;
      term.columns.push(columns.length);
      columns.push(dummy);
      names.push(`${name}=${levels[level]}`);
    }
    terms.push(term);
  });
  const stratum = read.columns[k++] as Int32Array;
  let ids: ColumnArray | string[] | null = idKind ? read.columns[k++]! : null;
  if (spec.id?.kind === 'varchar') {
    // Text ids are rare (the standalone command on a CSV); read them as one column of strings.
    const reader = await db.con.runAndReadAll('SELECT CAST(__id AS VARCHAR) FROM psm_rows ORDER BY __order');
    ids = (reader.getColumns()[0] ?? []).map((v) => (v === null ? '' : String(v)));
  }
  return { n, treat, columns, names, terms, stratum, strata, ids, exclusions };
}
