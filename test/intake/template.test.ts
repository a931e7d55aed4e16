// The committed upload template: its headings are exactly the schema's columns, it carries no
// people, and a template filled in by a provider goes through intake.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readSheet } from 'read-excel-file/node';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import writeXlsxFile from 'write-excel-file/node';
import { mapColumns } from '../../stages/intake/headers.ts';
import type { RawCell } from '../../stages/intake/read-table.ts';
import { loadSchemas } from '../../stages/intake/schemas.ts';
import { buildUploadTemplate } from '../../stages/intake/upload-template.ts';
import { people, readParquet, requestFolder, runIntake } from './helpers.ts';

const TEMPLATE = fileURLToPath(new URL('../../templates/upload-template.xlsx', import.meta.url));
const STAGE_DIR = fileURLToPath(new URL('../../stages/intake/', import.meta.url));

test('the template sheet is one heading row that maps onto every schema column, and no people', async () => {
  const rows = await readSheet(readFileSync(TEMPLATE));
  assert.is(rows.length, 1);
  const schemas = await loadSchemas(STAGE_DIR);
  const map = mapColumns(rows[0]! as RawCell[], () => false, schemas.fields, schemas.mandatory, schemas.atLeastOne);
  assert.equal(map.problems, []);
  assert.equal([...map.present].sort(), schemas.fields.map((f) => f.name).sort());
});

test('the committed template is what the generator makes from the schema', async () => {
  const fresh = await readSheet(await buildUploadTemplate(), 2);
  const committed = await readSheet(readFileSync(TEMPLATE), 2);
  assert.equal(committed, fresh);
});

test('a filled-in template is accepted', async () => {
  const [heading] = await readSheet(readFileSync(TEMPLATE));
  const filled = await writeXlsxFile([heading!.map((h) => ({ value: String(h) })), ...people(60).map((r) => r.map((v) => (v ? { value: v } : null)))] as never).toBuffer();
  const run = await runIntake(requestFolder({ 'cohort.xlsx': filled }));
  assert.is(run.summary.status, 'accepted', JSON.stringify(run.summary.problems));
  assert.is((await readParquet(run.outputs.cohort!)).length, 60);
});

test.run();
