// Builds templates/upload-template.xlsx from the cohort-row schema, so the template a provider
// fills in and the checks intake runs can never drift apart: the column headings are the schema
// titles and the guidance is the schema descriptions. Not part of the stage (it is never
// imported by stage.ts); run `npx tsx stages/intake/upload-template.ts` after changing the schema.
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import writeXlsxFile from 'write-excel-file/node';
import type { RowSchema } from './schemas.ts';

const SCHEMA = new URL('../../schemas/cohort-row.schema.json', import.meta.url);
const TEMPLATE = new URL('../../templates/upload-template.xlsx', import.meta.url);

type Cell = { value: string; fontWeight?: 'bold'; wrap?: boolean } | null;

export async function buildUploadTemplate(): Promise<Buffer> {
  const schema = JSON.parse(await readFile(SCHEMA, 'utf8')) as RowSchema;
  const fields = Object.entries(schema.properties);
  const atLeastOne = new Set(schema.anyOf.flatMap((s) => s.required));
  const need = (name: string) => (schema.required.includes(name) ? 'mandatory' : atLeastOne.has(name) ? 'at least one of the three' : 'optional');
  // "*" and "+" are ignored when intake matches headings, so they can mark what is needed.
  const heading = (name: string, title: string) => `${title}${schema.required.includes(name) ? ' *' : atLeastOne.has(name) ? ' +' : ''}`;

  const cohort: Cell[][] = [fields.map(([name, p]) => ({ value: heading(name, p.title), fontWeight: 'bold' }))];
  const bold = (value: string): Cell => ({ value, fontWeight: 'bold' });
  const text = (value: string): Cell => ({ value, wrap: true });
  const guidance: Cell[][] = [
    [bold('Justice Data Lab: cohort upload template'), null, null],
    [text('Fill in the first sheet, one row per person, starting in row 2. Keep the column headings; do not add columns (a column we do not recognise refuses the upload, because it may hold data we must not receive). Leave a cell empty when you do not know the value.'), null, null],
    [text('At least 60 people are needed. Columns marked * are mandatory for every person; at least one of the columns marked + is needed for every person. Dates as dd/mm/yyyy (or yyyy-mm-dd, or Excel dates).'), null, null],
    [text('Send the file only from a secure account: CJSM (Criminal Justice Secure eMail), GSI, GCSX or PNN. Data sent any other way is deleted on receipt and the request refused. Send it with the request form, including the data-protection assurance.'), null, null],
    [null, null, null],
    [bold('Column'), bold('Needed'), bold('What to write')],
    ...fields.map(([name, p]): Cell[] => [text(p.title), text(need(name)), text(p.description ?? '')]),
  ];
  return writeXlsxFile(
    [
      { data: cohort as never, sheet: 'Cohort', columns: fields.map(([, p]) => ({ width: Math.max(14, p.title.length + 4) })), stickyRowsCount: 1 },
      { data: guidance as never, sheet: 'Guidance', columns: [{ width: 28 }, { width: 24 }, { width: 100 }] },
    ],
    { fontFamily: 'Arial', fontSize: 11 },
  ).toBuffer();
}

// No top-level await: the tests load this module through uvu's require hook (CommonJS).
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  void buildUploadTemplate()
    .then((bytes) => writeFile(TEMPLATE, bytes))
    .then(() => console.log(`wrote ${fileURLToPath(TEMPLATE)}`));
}
