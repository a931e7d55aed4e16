// Compiles the JSON Schemas that are checked on every run into standalone validator modules
// (ajv's standalone code), so a run does not load and run the ajv compiler: that took about a
// fifth of a no-op re-run. `npm run schemas` regenerates them; test/framework/validators.test.ts
// fails when a committed validator no longer matches its schema.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import standaloneModule from 'ajv/dist/standalone/index.js';
import addFormatsModule from 'ajv-formats';

const standaloneCode = standaloneModule.default;
const addFormats = addFormatsModule.default;

/** The schemas compiled ahead of time: schema file -> validator module, both in schemas/. */
export const VALIDATORS: Record<string, string> = { 'run-record.schema.json': 'run-record.validate.mjs' };

const dir = fileURLToPath(new URL('.', import.meta.url));

export function validatorSource(schemaFile: string): string {
  const ajv = new Ajv2020({ allErrors: true, strict: true, code: { source: true, esm: true } });
  addFormats(ajv);
  const validate = ajv.compile(JSON.parse(readFileSync(`${dir}${schemaFile}`, 'utf8')));
  // ajv's ESM output still require()s the format functions: give the module a require.
  return `// Generated from ${schemaFile} by schemas/generate-validators.ts (npm run schemas). Do not edit.\nimport { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);\n${standaloneCode(ajv, validate)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const [schema, module] of Object.entries(VALIDATORS)) {
    writeFileSync(`${dir}${module}`, validatorSource(schema));
    console.log(`wrote schemas/${module}`);
  }
}
