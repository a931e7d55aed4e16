// `npm run pipeline -- link --cohort F --people F [--prison-numbers F] --out DIR`: link any cohort
// file to any register people file with the pipeline's method (identifiers first, then a
// Fellegi-Sunter model trained on the two files, or a reviewed model given with --model), for
// analysts who link other datasets. Options and printing only: the work is in
// stages/linkage/link-files.ts (running) and input-files.ts (reading and checking the files).
// Without index events the statuses are linked, duplicate, suspect and no_match.
import { resolve } from 'node:path';
import { defineCommand, invoke, noProject, type Values } from '../src/commands/command.ts';
import { DATE_FORMATS, LinkInputError, parseColumnMap } from '../stages/linkage/input-files.ts';
import { DEFAULT_THRESHOLD } from '../stages/linkage/link.ts';
import { linkFiles as runLink } from '../stages/linkage/link-files.ts';

const OPTIONS = {
  cohort: { type: 'string', arg: 'FILE', description: 'the cohort (.csv or .parquet; header case, spaces and hyphens do not matter): surname, forename, dob; optionally gender, pnc_id, prison_number, row (default: the spreadsheet row number), index_date, conviction_date, intervention_start_date, intervention_end_date, sentence_type (required)' },
  people: { type: 'string', arg: 'FILE', description: 'register people (.csv or .parquet): register_id (any text, unique), surname, forename, dob; optionally gender, pnc_id (required)' },
  'prison-numbers': { type: 'string', arg: 'FILE', description: 'register prison numbers (.csv or .parquet): register_id, prison_number' },
  out: { type: 'string', arg: 'DIR', description: 'write DIR/links.parquet (personal, owner-only), DIR/match-report.json and DIR/model.json (aggregate) (required)' },
  columns: { type: 'string', arg: 'OLD=NEW,...', description: 'rename the files\' columns to the standard names, e.g. given_name=forename,date_of_birth=dob' },
  'date-format': { type: 'string', arg: 'FORMAT', description: `how dates are written: ${Object.keys(DATE_FORMATS).join(', ')} (default auto: yyyy-mm-dd, yyyymmdd, dd/mm/yyyy, dd-mm-yyyy, dd.mm.yyyy); unreadable dates are counted, their rows named, and treated as missing` },
  csv: { type: 'boolean', description: 'also write DIR/links.csv' },
  model: { type: 'string', arg: 'FILE', description: 'score with a reviewed model.json instead of training one on these files' },
  threshold: { type: 'string', arg: 'P', description: `match probability needed to link (default ${DEFAULT_THRESHOLD})` },
  threads: { type: 'string', arg: 'N', description: 'DuckDB threads (default 2)' },
} as const;

const command = defineCommand({
  name: 'link',
  summary: 'link any cohort file to any register people file, with the pipeline\'s model (no project needed)',
  usage: '--cohort FILE --people FILE [--prison-numbers FILE] --out DIR [--columns OLD=NEW,...] [--date-format F] [--csv] [--model FILE] [--threshold P] [--threads N]',
  description: 'Gender is optional on both sides: without it, it is left out of the comparison. Without index events the statuses are linked, duplicate, suspect and no_match.',
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
  try {
    const result = await runLink({
      cohort: resolve(values.cohort), people: resolve(values.people), prisonNumbers: values['prison-numbers'] ? resolve(values['prison-numbers']) : undefined,
      out: resolve(values.out), threads, csv: values.csv, modelFile: values.model ? resolve(values.model) : undefined,
      threshold: values.threshold !== undefined ? Number(values.threshold) : undefined,
      dateFormat: values['date-format'], columns: parseColumnMap(values.columns),
      // progress and warnings: counts, row numbers and column names only, never a value
      log: (m) => console.error(`link: ${m}`),
    });
    const f = result.files;
    console.log(`linked ${result.linked} of ${result.rows} rows; wrote ${[f.links, f.csv, f.report, f.model].filter(Boolean).join(', ')}`);
    return 0;
  } catch (error) {
    if (error instanceof LinkInputError) {
      console.error(`error: ${error.message}`);
      return 2;
    }
    // DuckDB messages can quote a value from the file (a conversion error shows the text): name
    // the step, not the data.
    console.error(`error: linking failed (${(error as Error).name}); check the files' columns and formats`);
    return 1;
  }
}
