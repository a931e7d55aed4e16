import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
export default defineDag({ dataDir: 'data', privateDir: 'private', stages: ['./s/take.ts', './s/pseudo.ts', './s/ref.ts', './s/count.ts', './s/retain.ts'] });`);
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
  assert.match(truncated.chain.join('\n'), /ends at entry \d+, but its head outside the data folder is entry \d+/);
  assert.match(truncated.markers.join('\n'), /register entry \d+ of its purge is missing/);
  assert.not.ok(truncated.ok);
});

test('a consistent rewrite of the register (entries dropped, every hash recomputed, marker deleted) is detected', async () => {
  const root = makeProject();
  addRequest(root, 'B', '2030-01-01');
  const r = await runner(root);
  await r.run({ request: 'A' });
  await r.run({ request: 'B' });
  await purgeRequest(r.project, { request: 'A', classifications: ['personal'], reason: 'test', operator: 'tester', rule: 'forced' });
  await purgeRequest(r.project, { request: 'B', classifications: ['personal'], reason: 'test', operator: 'tester', rule: 'forced' });
  assert.ok((await audit(r.project)).ok);
  const file = join(root, 'data/register/deletions.jsonl');
  const { sha256 } = await import('../../src/hash.ts');
  const { canonicalJson } = await import('../../src/key.ts');
  // The forger drops B's entries and B's marker, and rebuilds the chain as the unkeyed code would.
  const kept = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.request === 'A');
  let prev = '0'.repeat(64);
  const forged = kept.map((e, i) => {
    const { hash: _h, mac, ...body } = e;
    const next = { ...body, seq: i + 1, prev };
    const hash = sha256(canonicalJson(next));
    prev = hash;
    return { ...next, hash, mac };
  });
  writeFileSync(file, forged.map((e) => JSON.stringify(e)).join('\n') + '\n');
  rmSync(join(root, 'data/runs/B/purged.json'));
  const report = await audit(r.project);
  assert.not.ok(report.ok);
  assert.match(report.chain.join('\n'), /head outside the data folder/);
  // Even the entries it kept fail their MACs once their hashes were recomputed over a new chain.
  const head = JSON.parse(readFileSync(join(root, 'private/register-head.json'), 'utf8'));
  assert.ok(head.seq > forged.length);
  // Forging the head too (without the key) is caught by the MACs.
  writeFileSync(join(root, 'private/register-head.json'), JSON.stringify({ seq: forged.length, hash: forged.at(-1).hash, mac: 'x' }));
  const again = await audit(r.project);
  assert.not.ok(again.ok);
  assert.ok(again.chain.length + again.markers.length > 0, JSON.stringify(again.chain));
});

test('the key is kept outside the data folder, and nothing under data/ holds it', async () => {
  const root = makeProject();
  const r = await runner(root);
  await r.run({ request: 'A' });
  await purgeRequest(r.project, { request: 'A', classifications: ['personal'], reason: 'test', operator: 'tester', rule: 'forced' });
  const key = readFileSync(join(root, 'private/key'), 'utf8').trim();
  assert.match(key, /^[0-9a-f]{64}$/);
  assert.is(statSync(join(root, 'private/key')).mode & 0o777, 0o600);
  assert.equal(grepData(root, key), []);
  const fp = JSON.parse(readFileSync(join(root, 'data/register/fingerprints/A.json'), 'utf8'));
  assert.equal(Object.keys(fp).sort(), ['fingerprints', 'request', 'v']);
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



test('a person a purged request shares with another, live, request is not a leak where that request holds them; a stray copy still is', async () => {
  const root = makeProject();
  // B holds Ada too (and someone else), in bytes of its own.
  addRequest(root, 'B', '2030-01-01', false, PEOPLE + 'Cecily,Marsh,1979-05-05,,40\n');
  const r = await runner(root);
  await r.run({ request: 'A' });
  await r.run({ request: 'B' });
  await purgeRequest(r.project, { request: 'A', classifications: ['personal'], reason: 'test', operator: 'tester', rule: 'forced' });
  const clean = await audit(r.project);
  assert.ok(clean.ok, JSON.stringify(clean.findings));
  assert.ok(clean.excused > 0, 'B\'s own copy of Ada was seen and excused');
  mkdirSync(join(root, 'data/exports'), { recursive: true });
  writeFileSync(join(root, 'data/exports/copy.csv'), 'Ada Lovelace 1985-03-02\n');
  const leak = await audit(r.project);
  assert.equal(leak.findings, [{ file: 'exports/copy.csv', request: 'A', line: 1 }]);
});

test('temporary and spill files: those of dead runs are removed and counted, those of a live run are scanned as binary, never skipped', async () => {
  const root = makeProject();
  const r = await runner(root);
  await r.run({ request: 'A' });
  await purgeRequest(r.project, { request: 'A', classifications: ['personal'], reason: 'test', operator: 'tester', rule: 'forced' });
  // A DuckDB spill block: binary, with the strings packed side by side.
  const block = Buffer.concat([Buffer.from([0, 1, 2, 255, 0]), Buffer.from('AdaLovelace2004/0123456X'), Buffer.from([0, 0, 7, 0])]);
  const dead = join(root, 'data/store/tmp/20260101T000000000Z-p999999-dead/take/tmp/.duckdb-spill');
  mkdirSync(dead, { recursive: true });
  writeFileSync(join(dead, 'duckdb_temp_block-4611686018427387904.block'), block);
  const live = join(root, `data/store/tmp/20260101T000000000Z-p${process.pid}-live/.duckdb-spill`);
  mkdirSync(live, { recursive: true });
  writeFileSync(join(live, 'duckdb_temp_storage-0.tmp'), block);
  const report = await audit(r.project);
  assert.is(report.temporary.removedFolders, 1);
  assert.is(report.temporary.removedFiles, 1);
  assert.not.ok(existsSync(dead), 'the dead run\'s spill is gone');
  assert.is(report.temporary.held, 1);
  assert.ok(report.findings.some((f) => f.file.startsWith('store/tmp/') && f.request === 'A'), JSON.stringify(report));
  assert.not.ok(report.skipped.some((s) => s.file.startsWith('store/tmp/')));
  rmSync(join(root, 'data/store/tmp'), { recursive: true, force: true });
});
test('a lost key is reported, never silently replaced: the audit fails and a purge that must fingerprint refuses', async () => {
  const root = makeProject();
  addRequest(root, 'B', '2030-01-01', false, PEOPLE + 'Cecily,Marsh,1979-05-05,,40\n');
  const r = await runner(root);
  await r.run({ request: 'A' });
  await r.run({ request: 'B' });
  await purgeRequest(r.project, { request: 'A', classifications: ['personal'], reason: 'test', operator: 'tester', rule: 'forced' });
  rmSync(join(root, 'private/key'));
  const report = await audit(r.project);
  assert.not.ok(report.ok);
  assert.match([...report.chain, ...report.markers].join('\n'), /private key .* is missing/);
  assert.not.ok(existsSync(join(root, 'private/key')), 'no new key was made');
  try {
    await purgeRequest(r.project, { request: 'B', classifications: ['personal'], reason: 'test', operator: 'tester', rule: 'forced' });
    assert.unreachable('the purge went ahead without its key');
  } catch (error) {
    assert.match((error as Error).message, /restore the key from its backup/);
  }
  assert.ok(existsSync(join(root, 'inputs/B/people.csv')), 'nothing of B was deleted');
});

test.run();
