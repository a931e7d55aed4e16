import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Runner } from '../../src/runner.ts';
import { openProject } from '../../src/project.ts';
import { purgeRequest } from '../../src/purge.ts';
import { audit } from '../../src/audit.ts';
import { DeletionRegister } from '../../src/deletions.ts';
import { listFiles } from '../../src/hash.ts';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
const TMP = fileURLToPath(new URL('../../.tmp/', import.meta.url));

const PEOPLE = 'forename,surname,dob,pnc,score\nAda,Lovelace,1985-03-02,2004/0123456X,12\nBrindle,Quorrow,1990-11-30,,55\n';

const made: string[] = [];
test.after(() => {
  for (const root of made) rmSync(root, { recursive: true, force: true });
});

/** take (personal, with identifiers) -> pseudo (pseudonymised) -> count (aggregate) <- ref (shared); retain decides purges. */
function makeProject(): string {
  mkdirSync(TMP, { recursive: true });
  const root = mkdtempSync(join(TMP, 'purge-'));
  made.push(root);
  const w = (rel: string, text: string) => {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), text);
  };
  w('pipeline.config.ts', `import { defineDag } from '${SRC}dag.ts';
export default defineDag({ dataDir: 'data', stages: ['./s/take.ts', './s/pseudo.ts', './s/ref.ts', './s/count.ts', './s/retain.ts'] });`);
  w('s/take.ts', `import { defineStage } from '${SRC}stage.ts';
export default defineStage({ name: 'take', inputs: { people: 'file:inputs/{request}/people.csv' },
  outputs: { table: { format: 'parquet', classification: 'personal', key: ['pid'], identifiers: { names: ['forename', 'surname'], dates: ['dob'], ids: ['pnc'] } } },
  async run({ db, inputs, outputs }) {
    await db.run("COPY (SELECT row_number() OVER (ORDER BY surname) AS pid, forename, surname, dob, pnc, score FROM read_csv($i, header = true, all_varchar = true) ORDER BY pid) TO $o (FORMAT parquet)", { i: inputs.people!, o: outputs.table! });
  } });`);
  w('s/pseudo.ts', `import { defineStage } from '${SRC}stage.ts';
export default defineStage({ name: 'pseudo', inputs: { table: 'take.table' },
  outputs: { scores: { format: 'parquet', classification: 'pseudonymised', key: ['pid'] } },
  async run({ db, inputs, outputs }) { await db.run('COPY (SELECT pid, score::INTEGER AS score FROM read_parquet($i) ORDER BY pid) TO $o (FORMAT parquet)', { i: inputs.table!, o: outputs.scores! }); } });`);
  w('s/ref.ts', `import { defineStage } from '${SRC}stage.ts';
export default defineStage({ name: 'ref', inputs: { shared: 'file:inputs/shared.csv' },
  outputs: { table: { format: 'parquet', classification: 'pseudonymised' } },
  async run({ db, inputs, outputs }) { await db.run('COPY (SELECT * FROM read_csv($i, header = true) ORDER BY k) TO $o (FORMAT parquet)', { i: inputs.shared!, o: outputs.table! }); } });`);
  w('s/count.ts', `import { writeFileSync } from 'node:fs';
import { defineStage } from '${SRC}stage.ts';
export default defineStage({ name: 'count', inputs: { scores: 'pseudo.scores', ref: 'ref.table' },
  outputs: { counts: { format: 'json', classification: 'aggregate' } },
  async run({ db, inputs, outputs }) {
    const r = await db.one<{ n: number }>('SELECT count(*)::INTEGER AS n FROM read_parquet($i)', { i: inputs.scores! });
    writeFileSync(outputs.counts!, JSON.stringify({ people: r!.n }));
  } });`);
  w('s/retain.ts', `import { readFileSync, writeFileSync } from 'node:fs';
import { defineStage } from '${SRC}stage.ts';
export default defineStage({ name: 'retain', cache: false, inputs: { counts: 'count.counts', rules: 'file:inputs/{request}/retention.json' },
  outputs: { decision: { format: 'json', classification: 'aggregate' } },
  async run({ inputs, outputs }) {
    const { due, optOut } = JSON.parse(readFileSync(inputs.rules!, 'utf8'));
    const isDue = due <= (process.env.TEST_TODAY ?? '2026-01-01');
    writeFileSync(outputs.decision!, JSON.stringify({ due, isDue }));
    return isDue ? { purge: { classifications: optOut ? ['personal', 'pseudonymised'] : ['personal'], reason: 'retention period ended', rule: 'due ' + due } } : {};
  } });`);
  w('inputs/shared.csv', 'k,v\n1,a\n');
  addRequest(root, 'A', '2030-01-01');
  return root;
}

function addRequest(root: string, request: string, due: string, optOut = false, people = PEOPLE): void {
  mkdirSync(join(root, 'inputs', request), { recursive: true });
  writeFileSync(join(root, 'inputs', request, 'people.csv'), people);
  writeFileSync(join(root, 'inputs', request, 'retention.json'), JSON.stringify({ due, optOut }));
}

async function runner(root: string): Promise<Runner> {
  return new Runner(await openProject(join(root, 'pipeline.config.ts')));
}

function grepData(root: string, needle: string): string[] {
  return listFiles(join(root, 'data')).filter((f) => readFileSync(f).includes(needle));
}

test('before the due date the retention stage deletes nothing; when due it purges personal data and records each deletion', async () => {
  const root = makeProject();
  const r = await runner(root);
  const first = await r.run({ request: 'A' });
  assert.ok(first.ok, JSON.stringify(first));
  assert.not.ok(existsSync(join(root, 'data/register/deletions.jsonl')), 'nothing deleted before the due date');

  writeFileSync(join(root, 'inputs/A/retention.json'), JSON.stringify({ due: '2025-06-30', optOut: false }));
  const notes: string[] = [];
  const second = await r.run({ request: 'A', onEvent: (e) => e.type === 'note' && notes.push(e.message) });
  assert.ok(second.ok);
  assert.ok(notes.some((n) => /purged \d+ item/.test(n)), notes.join('\n'));
  assert.not.ok(existsSync(join(root, 'inputs/A/people.csv')), 'the upload is gone');
  const register = new DeletionRegister(join(root, 'data/register/deletions.jsonl'));
  const entries = register.entries();
  assert.ok(entries.some((e) => e.dataset === 'take.table' && e.classification === 'personal' && e.rows === 2));
  assert.ok(entries.some((e) => e.dataset === 'input:inputs/A/people.csv'));
  assert.ok(entries.every((e) => e.request === 'A' && e.rule === 'due 2025-06-30' && /^[0-9a-f]{64}$/.test(e.blob)));
  const text = readFileSync(join(root, 'data/register/deletions.jsonl'), 'utf8');
  for (const id of ['Lovelace', 'LOVELACE', '1985-03-02', '2004/0123456X']) assert.not.ok(text.includes(id), `register holds no ${id}`);
  // Pseudonymised and aggregate outputs stay; run records say purged instead of pointing at nothing.
  const rec = second.ok && second.record!;
  assert.ok(rec);
  const latest = r.records.read('A', rec.run);
  assert.ok(latest.stages.take!.outputs!.table!.purged, 'the run record says when it was purged');
  assert.ok(r.store.hasBlob(latest.stages.pseudo!.outputs!.scores!.hash));
  assert.ok(r.store.hasBlob(latest.stages.count!.outputs!.counts!.hash));
  for (const id of ['Lovelace', '1985-03-02', '2004/0123456X']) assert.equal(grepData(root, id), [], `${id} is nowhere under data/`);
  const report = await audit(r.project);
  assert.ok(report.ok, JSON.stringify(report));
  assert.ok(report.scanned > 0);
  // A run that needs the purged data says so.
  const third = await r.run({ request: 'A' });
  assert.not.ok(third.ok);
  if (!third.ok) assert.match(third.message, /request A was purged on \d{4}-\d{2}-\d{2}/);
});

test('the audit finds a leftover copy of a purged person, naming the file and line but not the value', async () => {
  const root = makeProject();
  const r = await runner(root);
  await r.run({ request: 'A' });
  mkdirSync(join(root, 'data/exports'), { recursive: true });
  writeFileSync(join(root, 'data/exports/copy.csv'), 'x\nsomething else\n"LOVELACE", "ada", 02/03/1985\n');
  // And a Parquet copy: the person is its fourth row, with a date column and a NULL beside.
  const { Duck } = await import('../../src/duck.ts');
  const db = await Duck.open({ threads: 1 });
  await db.run("COPY (SELECT * FROM (VALUES (1, 'Grace', 'Hopper', DATE '1906-12-09', NULL), (2, 'Alan', 'Turing', DATE '1912-06-23', 'x'), (3, 'Kurt', 'Godel', DATE '1906-04-28', NULL), (4, 'Ada', 'Lovelace', DATE '1985-03-02', NULL)) t(id, forename, surname, dob, note) ORDER BY id) TO $o (FORMAT parquet)", { o: join(root, 'data/exports/copy.parquet') });
  db.close();
  await purgeRequest(r.project, { request: 'A', classifications: ['personal'], reason: 'test', operator: 'tester', rule: 'forced' });
  const report = await audit(r.project);
  assert.not.ok(report.ok);
  assert.equal(report.findings, [{ file: 'exports/copy.csv', request: 'A', line: 3 }, { file: 'exports/copy.parquet', request: 'A', line: 4 }]);
  assert.not.ok(JSON.stringify(report).toUpperCase().includes('LOVELACE'));
});

test('an edited, deleted, reordered or truncated register line is detected by the audit', async () => {
  const root = makeProject();
  const r = await runner(root);
  await r.run({ request: 'A' });
  await purgeRequest(r.project, { request: 'A', classifications: ['personal'], reason: 'test', operator: 'tester', rule: 'forced' });
  const file = join(root, 'data/register/deletions.jsonl');
  const original = readFileSync(file, 'utf8');
  const lines = original.trim().split('\n');
  assert.ok(lines.length >= 3, `${lines.length} entries`);
  assert.ok((await audit(r.project)).ok);

  writeFileSync(file, original.replace('"operator":"tester"', '"operator":"someone"'));
  assert.match((await audit(r.project)).chain.join('\n'), /line 1: its content does not match its hash/);
  writeFileSync(file, [lines[0], lines[2], ...lines.slice(3)].join('\n') + '\n');
  assert.match((await audit(r.project)).chain.join('\n'), /line 2: does not follow the line before it/);
  writeFileSync(file, [lines[1], lines[0], ...lines.slice(2)].join('\n') + '\n');
  assert.ok((await audit(r.project)).chain.length > 0);
  writeFileSync(file, lines.slice(0, -1).join('\n') + '\n');
  const truncated = await audit(r.project);
  assert.equal(truncated.chain, []);
  assert.match(truncated.markers.join('\n'), /register entry \d+ of its purge is missing/);
  assert.not.ok(truncated.ok);
});

test('a blob another request still needs is kept until no request needs it', async () => {
  const root = makeProject();
  addRequest(root, 'B', '2030-01-01');
  const r = await runner(root);
  const a = await r.run({ request: 'A' });
  await r.run({ request: 'B' });
  const shared = a.ok && a.record!.stages.take!.outputs!.table!.hash;
  assert.ok(shared);
  const first = await purgeRequest(r.project, { request: 'A', classifications: ['personal'], reason: 'test', operator: 'tester', rule: 'forced' });
  assert.ok(first.kept.some((k) => k.blob === shared && k.neededBy.includes('B')));
  assert.ok(r.store.hasBlob(shared), 'B still needs it');
  await purgeRequest(r.project, { request: 'B', classifications: ['personal'], reason: 'test', operator: 'tester', rule: 'forced' });
  assert.not.ok(r.store.hasBlob(shared));
  assert.ok((await audit(r.project)).ok);
});

test('an opt-out purges pseudonymised outputs of the request but never shared reference data', async () => {
  const root = makeProject();
  addRequest(root, 'C', '2025-01-01', true);
  const r = await runner(root);
  const run = await r.run({ request: 'C' });
  assert.ok(run.ok);
  const rec = r.records.read('C', run.ok ? run.record!.run : '');
  assert.not.ok(r.store.hasBlob(rec.stages.pseudo!.outputs!.scores!.hash), 'pseudonymised output of the request deleted');
  assert.ok(r.store.hasBlob(rec.stages.ref!.outputs!.table!.hash), 'shared reference output kept');
  assert.ok(r.store.hasBlob(rec.stages.count!.outputs!.counts!.hash), 'aggregate kept');
  assert.equal(readdirSync(join(root, 'inputs/C')).length, 0);
});

test.run();
