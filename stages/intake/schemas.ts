// The two JSON Schemas (schemas/*.schema.json, part of this stage's code) compiled with ajv
// 2020-12. Formats that JSON Schema cannot say on its own are added here: a date that exists in
// the calendar, and a PNC ID whose check letter fits. The x- keywords carry the provider's words.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { calendarDateFormat } from './dates.ts';
import { pncCheckLetterFits } from './pnc.ts';
import type { FieldInfo } from './headers.ts';
import type { Effect } from './problems.ts';

const addFormats = addFormatsModule.default;

export const REQUEST_SCHEMA = '../../schemas/request.schema.json';
export const COHORT_ROW_SCHEMA = '../../schemas/cohort-row.schema.json';

export interface ProblemWords {
  kind: string;
  problem: string;
  field?: string;
}

export interface PropertySchema {
  title: string;
  description?: string;
  'x-headers'?: string[];
  'x-if-invalid'?: Effect;
  'x-problems'?: Record<string, ProblemWords>;
}

export interface RowSchema {
  required: string[];
  anyOf: { required: string[] }[];
  properties: Record<string, PropertySchema>;
  'x-problems'?: Record<string, ProblemWords>;
}

export interface Schemas {
  request: ValidateFunction;
  row: ValidateFunction;
  rowSchema: RowSchema;
  fields: FieldInfo[];
  mandatory: string[];
  atLeastOne: string[];
}

export async function loadSchemas(stageDir: string): Promise<Schemas> {
  const read = async (rel: string) => JSON.parse(await readFile(join(stageDir, rel), 'utf8')) as Record<string, unknown>;
  const [requestSchema, rowSchemaJson] = await Promise.all([read(REQUEST_SCHEMA), read(COHORT_ROW_SCHEMA)]);
  // verbose: errors carry their parentSchema, which is where the x-problems words live.
  // strictRequired off: the anyOf branches name properties defined at the top level, not in the branch.
  const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, strictRequired: false, allowUnionTypes: true });
  addFormats(ajv);
  ajv.addVocabulary(['x-headers', 'x-if-invalid', 'x-problems']);
  ajv.addFormat('calendar-date', { type: 'string', validate: calendarDateFormat });
  ajv.addFormat('pnc-check-letter', { type: 'string', validate: pncCheckLetterFits });
  const rowSchema = rowSchemaJson as unknown as RowSchema;
  const fields = Object.entries(rowSchema.properties).map(([name, p]) => ({ name, title: p.title, headers: p['x-headers'] ?? [] }));
  return {
    request: ajv.compile(requestSchema),
    row: ajv.compile(rowSchemaJson),
    rowSchema,
    fields,
    mandatory: rowSchema.required,
    atLeastOne: rowSchema.anyOf.flatMap((s) => s.required),
  };
}
