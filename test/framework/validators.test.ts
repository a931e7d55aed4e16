// The validators compiled ahead of time (schemas/*.validate.mjs) must be what ajv compiles from
// the schemas now, and must accept and refuse what the schema does.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { VALIDATORS, validatorSource } from '../../schemas/generate-validators.ts';
import { validateRunRecord } from '../../src/records.ts';

test('every committed validator is the one its schema compiles to (else: npm run schemas)', () => {
  for (const [schema, module] of Object.entries(VALIDATORS)) {
    const committed = readFileSync(new URL(`../../schemas/${module}`, import.meta.url), 'utf8');
    assert.ok(committed === validatorSource(schema), `schemas/${module} is stale: run npm run schemas`);
  }
});

test('the run-record validator accepts a record and names what is wrong with a bad one', () => {
  const record = { v: 1, request: '123', run: '20261129T100000000Z-p1-abcd', status: 'ok', started: '2026-11-29T10:00:00.000Z', finished: '2026-11-29T10:00:01.000Z', plan: ['a'], env: {}, options: {}, stages: { a: { status: 'hit' } } };
  assert.equal(validateRunRecord(record), []);
  assert.match(validateRunRecord({ ...record, status: 'fine' }).join('\n'), /\/status must be equal to one of the allowed values/);
  assert.match(validateRunRecord({ ...record, stages: { a: { status: 'hit', keyHash: 'x' } } }).join('\n'), /keyHash must match pattern/);
  assert.match(validateRunRecord({ ...record, started: 'yesterday' }).join('\n'), /\/started must match format "date-time"/);
});

test.run();
