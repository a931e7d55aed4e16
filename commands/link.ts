// `npm run pipeline -- link --cohort F --people F [--prison-numbers F] --out DIR`: link any cohort
// file to any register people file with the pipeline's model (identifiers first, then a
// Fellegi-Sunter model trained on the two files). Argument parsing and printing only: the work is
// in stages/linkage/link-files.ts and input-files.ts.
import { resolve } from 'node:path';
import { commandArgs } from '../src/args.ts';
import { DATE_FORMATS, LinkInputError, parseColumnMap } from '../stages/linkage/input-files.ts';
import { DEFAULT_THRESHOLD } from '../stages/linkage/link.ts';
import { linkFiles } from '../stages/linkage/link-files.ts';

const USAGE = `usage: npm run pipeline -- link --cohort FILE --people FILE [--prison-numbers FILE] --out DIR
         [--columns OLD=NEW,...] [--date-format FORMAT] [--csv] [--model FILE] [--threshold P] [--threads N]
  FILE: .csv or .parquet with a header row; header case, spaces and hyphens do not matter
  cohort: surname, forename, dob required; gender, pnc_id, prison_number optional; row (default:
          the spreadsheet row number), index_date, conviction_date, intervention_start_date,
          intervention_end_date, sentence_type optional
  people: register_id (any text, unique), surname, forename, dob required; gender, pnc_id optional
  prison numbers: register_id, prison_number
  gender is optional on both sides: without it, it is left out of the comparison
  --columns        rename a file's columns to the standard names, e.g. given_name=forename,date_of_birth=dob
  --date-format    ${Object.keys(DATE_FORMATS).join(', ')} (default auto: yyyy-mm-dd, yyyymmdd,
                   dd/mm/yyyy, dd-mm-yyyy, dd.mm.yyyy); unreadable dates are counted and treated as missing
  --csv            also write links.csv beside links.parquet
  --model FILE     score with a reviewed model.json instead of training one on these files
  --threshold P    match probability needed to link (default ${DEFAULT_THRESHOLD})
  writes DIR/links.parquet (personal, owner-only), DIR/match-report.json and DIR/model.json (aggregate)`;

export async function linkCommand(argv: string[]): Promise<number> {
  const args = commandArgs(
    argv,
    {
      cohort: { type: 'string' }, people: { type: 'string' }, 'prison-numbers': { type: 'string' }, out: { type: 'string' }, threads: { type: 'string' },
      columns: { type: 'string' }, 'date-format': { type: 'string' }, csv: { type: 'boolean' }, model: { type: 'string' }, threshold: { type: 'string' },
    },
    USAGE,
  );
  if (args.exit !== undefined) return args.exit;
  const { values } = args;
  if (!values.cohort || !values.people || !values.out) {
    console.error(USAGE);
    return 2;
  }
  const threads = values.threads ? Number(values.threads) : 2;
  if (!Number.isInteger(threads) || threads < 1) {
    console.error(`error: --threads must be a positive integer\n${USAGE}`);
    return 2;
  }
  try {
    const result = await linkFiles({
      cohort: resolve(values.cohort), people: resolve(values.people), prisonNumbers: values['prison-numbers'] ? resolve(values['prison-numbers']) : undefined,
      out: resolve(values.out), threads, csv: values.csv, modelFile: values.model ? resolve(values.model) : undefined,
      threshold: values.threshold !== undefined ? Number(values.threshold) : undefined,
      dateFormat: values['date-format'], columns: parseColumnMap(values.columns),
      log: (m) => console.error(`link: ${m}`),
    });
    // counts only: never a name or a row's details on the console
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
