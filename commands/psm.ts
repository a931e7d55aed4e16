// `psm`: the propensity analysis on any CSV or Parquet table, outside the pipeline (no project
// needed). Its options and their descriptions are declared below; `psm --help` lists them.
// Exit codes: 0 done, 1 the data cannot be modelled or matched, 2 usage error.
import { defineCommand, helpText, invoke, noProject, type Values } from '../src/commands/command.ts';
import { extname } from 'node:path';
import { Duck } from '../src/duck.ts';
import { quoteIdent } from '../src/columns.ts';
import { DesignError, loadDesign } from '../stages/propensity/design.ts';
import { LogisticError } from '../stages/propensity/logistic.ts';
import { writeMatchedArrow } from '../stages/propensity/matched-arrow.ts';
import { balanceJson, DEFAULT_OPTIONS, modelJson, runPsm, type PsmOptions } from '../stages/propensity/psm.ts';
import { formatBalance, formatCounts, formatModel } from '../stages/propensity/report-text.ts';
import { snakeCaseKeys } from '../stages/propensity/outputs.ts';

function list(value: string | undefined): string[] {
  return value ? value.split(',').map((s) => s.trim()).filter(Boolean) : [];
}

class UsageError extends Error {}

const OPTIONS = {
  input: { type: 'string', arg: 'FILE', description: 'CSV or Parquet table, one row per unit (required)' },
  treatment: { type: 'string', arg: 'COL', description: '0/1 (or boolean) treatment column (required)' },
  covariates: { type: 'string', arg: 'a,b,c', description: 'model covariates; text columns become factors (required)' },
  method: { type: 'string', arg: 'M', description: 'caliper (radius, with replacement; default) or nearest (1:k)' },
  caliper: { type: 'string', arg: 'SD', description: 'caliper in SDs of the distance (default 0.2 for caliper, none for nearest)' },
  ratio: { type: 'string', arg: 'K', description: 'comparators per treated unit for nearest (default 1)' },
  replace: { type: 'boolean', description: 'nearest: a comparator may serve several treated units' },
  exact: { type: 'string', arg: 'a,b', description: 'match exactly within these columns' },
  distance: { type: 'string', arg: 'D', description: 'logit (default) or probability' },
  'prune-levels': { type: 'boolean', description: 'drop comparators in factor levels with no treated unit (and vice versa)' },
  id: { type: 'string', arg: 'COL', description: 'carry this id column into the matched set (default: input row number)' },
  out: { type: 'string', arg: 'FILE', description: 'write the matched set as Arrow IPC' },
  json: { type: 'boolean', description: 'print model, balance and counts as JSON' },
} as const;

function parse(values: Values<typeof OPTIONS>) {
  if (!values.input || !values.treatment || !values.covariates) throw new UsageError('--input, --treatment and --covariates are required');
  const method = values.method ?? 'caliper';
  if (method !== 'caliper' && method !== 'nearest') throw new UsageError(`--method must be caliper or nearest`);
  const distance = values.distance ?? 'logit';
  if (distance !== 'logit' && distance !== 'probability') throw new UsageError('--distance must be logit or probability');
  let caliper: number | null = method === 'caliper' ? DEFAULT_OPTIONS.caliper : null;
  if (values.caliper !== undefined) {
    caliper = Number(values.caliper);
    if (!(caliper > 0)) throw new UsageError('--caliper must be a positive number');
  }
  const ratio = Number(values.ratio ?? '1');
  if (!Number.isInteger(ratio) || ratio < 1) throw new UsageError('--ratio must be a positive whole number');
  if (method === 'caliper' && (values.ratio ?? '1') !== '1') throw new UsageError('--ratio applies to --method nearest only');
  const covariates = list(values.covariates);
  if (!covariates.length) throw new UsageError('--covariates is empty');
  const options: PsmOptions = { ...DEFAULT_OPTIONS, method, caliper, ratio, replace: method === 'caliper' ? true : !!values.replace, distance, exact: list(values.exact) };
  return { input: values.input, treatment: values.treatment, covariates, options, pruneLevels: !!values['prune-levels'], id: values.id, out: values.out, json: !!values.json };
}

const NUMERIC_TYPE = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|REAL|DOUBLE|DECIMAL.*|BOOLEAN)$/;

const command = defineCommand({
  name: 'psm',
  summary: 'propensity-score matching on any CSV or Parquet table, outside the pipeline',
  usage: '--input FILE --treatment COL --covariates a,b,c [options]',
  description: `Numeric and boolean columns are numeric covariates; text columns become factors (reference
level: the most frequent). Prints the model, the balance table and the matched counts, or all three
as JSON with --json; writes the matched set with --out. Exit 1 when the data cannot be modelled or matched.`,
  options: OPTIONS,
  run: async ({ values }) => psm(values),
});

export default command;

/** The command in-process (tests): parse argv as the CLI would, then run. */
export function psmCommand(argv: string[]): Promise<number> {
  return invoke(command, argv, noProject);
}

async function psm(values: Values<typeof OPTIONS>): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(values);
  } catch (error) {
    process.stderr.write(`psm: ${(error as Error).message}\n${helpText(command).split('\n')[0]}\n`);
    return 2;
  }
  const db = await Duck.open({ threads: 1 });
  try {
    const ext = extname(args.input).toLowerCase();
    const reader = ext === '.parquet' || ext === '.pq' ? 'read_parquet' : 'read_csv';
    try {
      await db.run(`CREATE TABLE psm_source AS SELECT * FROM ${reader}($path)`, { path: args.input });
    } catch {
      // DuckDB's message can quote the offending cell, which may be personal data: not shown.
      process.stderr.write(`psm: cannot read ${args.input} as a ${reader === 'read_parquet' ? 'Parquet' : 'CSV'} table (missing, unreadable, or malformed)\n`);
      return 2;
    }
    // rowid is the insertion order, i.e. the file's row order: it fixes the order of every array.
    await db.run('CREATE TABLE psm_input AS SELECT rowid + 1 AS __psm_row, * FROM psm_source');
    const types = new Map((await db.all<{ column_name: string; column_type: string }>('DESCRIBE psm_input')).map((c) => [c.column_name, c.column_type]));
    for (const c of [args.treatment, ...args.covariates, ...args.options.exact, ...(args.id ? [args.id] : [])]) {
      if (!types.has(c)) {
        process.stderr.write(`psm: column '${c}' is not in ${args.input} (columns: ${[...types.keys()].filter((k) => k !== '__psm_row').map(quoteIdent).join(', ')})\n`);
        return 2;
      }
    }
    const numeric = args.covariates.filter((c) => NUMERIC_TYPE.test(types.get(c)!));
    const factors = args.covariates.filter((c) => !NUMERIC_TYPE.test(types.get(c)!));
    const idType = args.id ? types.get(args.id)! : null;
    const design = await loadDesign(db, {
      table: 'psm_input',
      order: '__psm_row',
      treatment: args.treatment,
      numeric,
      factors,
      exact: args.options.exact,
      id: args.id ? { column: args.id, kind: /^(TINYINT|SMALLINT|INTEGER|BIGINT|UTINYINT|USMALLINT|UINTEGER)$/.test(idType!) ? 'bigint' : 'varchar' } : { column: '__psm_row', kind: 'bigint' },
      pruneLevels: args.pruneLevels,
    });
    const result = runPsm(design, args.options);
    const model = modelJson(design, result, args.options);
    const balance = balanceJson(result);
    if (args.out) writeMatchedArrow(args.out, { idName: args.id ?? 'row', ids: design.ids!, treat: design.treat, weight: result.match.weight, score: result.logit });
    if (args.json) process.stdout.write(JSON.stringify(snakeCaseKeys({ ...model, balance }), null, 2) + '\n');
    else {
      process.stdout.write(formatModel(model.model) + '\n');
      process.stdout.write(formatBalance(balance) + '\n');
      process.stdout.write(formatCounts(model.matching) + '\n');
      if (args.out) process.stdout.write(`matched set written to ${args.out}\n`);
    }
    return 0;
  } catch (error) {
    if (error instanceof LogisticError || error instanceof DesignError) {
      process.stderr.write(`psm: ${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    db.close();
  }
}
