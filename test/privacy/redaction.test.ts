// Redaction (src/redact.ts): quoted values of any quote style, and any word equal to an identifier
// of the request's cohort, never reach the console, a log or a run record; records are 0600.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { redactQuoted, redactor } from '../../src/redact.ts';
import { openProject } from '../../src/project.ts';
import { Runner } from '../../src/runner.ts';
import { listFiles } from '../../src/hash.ts';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
const TMP = fileURLToPath(new URL('../../.tmp/', import.meta.url));
const made: string[] = [];
test.after(() => {
  for (const r of made) rmSync(r, { recursive: true, force: true });
});

test('single-, double- and back-quoted spans are replaced, whatever they hold', () => {
  assert.is(redactQuoted(`Could not convert string 'Smith' to DATE`), `Could not convert string '…' to DATE`);
  assert.is(redactQuoted('Could not parse string "Brian Wilkinson" according to format'), 'Could not parse string "…" according to format');
  assert.is(redactQuoted('invalid date field format: "Brian Wilkinson 1991-08-23", expected format is (YYYY-MM-DD)'), 'invalid date field format: "…", expected format is (YYYY-MM-DD)');
  assert.is(redactQuoted('duplicate key "Dawson, David"'), 'duplicate key "…"');
  assert.is(redactQuoted('duplicate key `Dawson, David` and `O\'Neil`'), 'duplicate key `…` and `…`');
  assert.is(redactQuoted(`value 'it''s' here`), `value '…' here`);
});

test('words equal to a cohort identifier are replaced, quoted or not, in any case and either date spelling', () => {
  const r = redactor(['Wilkinson', 'Brian', '1991-08-23', '2004/0123456X', 'A1234BC']);
  const out = r('row 17: WILKINSON brian born 23/08/1991 (1991-08-23), PNC 2004/0123456X, prison A1234BC; Wilkinsons and 2004 stay');
  for (const v of ['WILKINSON', 'brian', '23/08/1991', '1991-08-23', '2004/0123456X', 'A1234BC']) assert.not.ok(out.includes(v), `${v} in ${out}`);
  assert.match(out, /row 17: … … born …/);
  assert.match(out, /Wilkinsons and 2004 stay/, 'only whole words equal to a value');
});

function makeProject(): string {
  mkdirSync(TMP, { recursive: true });
  const root = mkdtempSync(join(TMP, 'redact-'));
  made.push(root);
  const w = (rel: string, text: string) => {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), text);
  };
  w('pipeline.config.ts', `import { defineDag } from '${SRC}dag.ts';
export default defineDag({ dataDir: 'data', privateDir: 'private', stages: ['./s/take.ts', './s/boom.ts'] });`);
  w('s/take.ts', `import { defineStage } from '${SRC}stage.ts';
export default defineStage({ name: 'take', inputs: { people: 'file:inputs/{request}/people.csv' },
  outputs: { table: { format: 'parquet', classification: 'personal', identifiers: { names: ['forename', 'surname'], dates: ['dob'], ids: ['pnc'] } } },
  async run({ db, inputs, outputs }) {
    await db.run("COPY (SELECT * FROM read_csv($i, header = true, all_varchar = true) ORDER BY surname) TO $o (FORMAT parquet)", { i: inputs.people!, o: outputs.table! });
  } });`);
  // A stage that fails the way DuckDB and libraries do, quoting values, and logs one unquoted.
  w('s/boom.ts', `import { defineStage } from '${SRC}stage.ts';
export default defineStage({ name: 'boom', inputs: { table: 'take.table' }, outputs: { x: { format: 'json', classification: 'aggregate' } },
  async run({ log }) {
    log.info('checking Lovelace born 02/03/1985 and 2004/0123456X');
    throw new Error('Could not parse string "Ada Lovelace"; invalid date field format: "Ada Lovelace 1985-03-02"; duplicate key \`Lovelace, Ada\`; Conversion Error: \\'2004/0123456X\\'; near LOVELACE');
  } });`);
  w('inputs/A/people.csv', 'forename,surname,dob,pnc\nAda,Lovelace,1985-03-02,2004/0123456X\nGrace,Hopper,1906-12-09,\n');
  return root;
}

test('a failing stage: its error and notes reach the events and the run record redacted; records are 0600', async () => {
  const root = makeProject();
  const runner = new Runner(await openProject(join(root, 'pipeline.config.ts')));
  const events: string[] = [];
  const outcome = await runner.run({ request: 'A', onEvent: (e) => events.push(JSON.stringify(e)) });
  assert.not.ok(outcome.ok);
  const record = readdirSync(join(root, 'data/runs/A')).filter((f) => f.endsWith('.json'));
  assert.is(record.length, 1);
  const recordFile = join(root, 'data/runs/A', record[0]!);
  const text = readFileSync(recordFile, 'utf8') + events.join('\n') + (outcome.ok ? '' : outcome.message);
  assert.match(text, /Could not parse string/, 'the error is there');
  for (const v of ['Ada', 'Lovelace', 'LOVELACE', '1985-03-02', '02/03/1985', '2004/0123456X']) assert.not.ok(new RegExp(`\\b${v.replace('/', '\\/')}\\b`).test(text), `${v} leaked: ${text}`);
  // Every file the framework wrote under data/ is owner-only.
  for (const f of listFiles(join(root, 'data'))) assert.is(statSync(f).mode & 0o077, 0, `${f} mode ${(statSync(f).mode & 0o777).toString(8)}`);
});

test.run();
