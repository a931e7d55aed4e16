// `verify --store` (the store's fsck) and the stored-bytes check of `verify --request`, on the toy
// DAG: real files, a real DuckDB, the real runner and command.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeToyProject, removeToyProjects, runToy } from '../helpers/toy-dag.ts';
import { capture, runCommand, toyProject } from '../diff/capture.ts';
import verifyCmd from '../../src/commands/verify.ts';
import { verifyRequest } from '../../src/verify.ts';
import { verifyStore } from '../../src/store-check.ts';
import type { RunRecord } from '../../src/records.ts';
import { testTempDir } from '../helpers/temp-dir.ts';

const made: string[] = [];
test.after(() => {
  removeToyProjects();
  for (const p of made) rmSync(p, { recursive: true, force: true });
});

async function ran(root: string): Promise<RunRecord> {
  const run = await runToy(root);
  assert.ok(run.outcome.ok && run.outcome.record);
  return run.outcome.record!;
}

async function storeCheck(root: string) {
  const project = await toyProject(root);
  return verifyStore(project.store, project.records, project.dataDir);
}

const blob = (root: string, hash: string) => join(root, 'data/store/objects', hash);
function flipByte(file: string): void {
  chmodSync(file, 0o600);
  const bytes = readFileSync(file);
  bytes[3] = bytes[3]! ^ 0x20;
  writeFileSync(file, bytes);
}

test('verify --store passes on a clean store and exits 0', async () => {
  const root = makeToyProject();
  await ran(root);
  await ran(root);
  const check = await storeCheck(root);
  assert.ok(check.ok, JSON.stringify(check.problems));
  assert.is(check.blobs, 4);
  assert.is(check.records, 4);
  assert.is(check.runRecords, 2);
  const r = await capture(async () => runCommand(verifyCmd, root, ['--store']));
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /4 blob\(s\) .* re-hashed, 4 stage record\(s\), 2 run record\(s\) checked\nstore intact/);
});

test('verify --store finds a flipped byte, a truncated blob, a swapped record target, a broken stage and run record, a stray file; exits 1; moves nothing', async () => {
  const root = makeToyProject();
  const rec = await ran(root);
  const out = (s: string, o: string) => (rec.stages[s]!.outputs as Record<string, { hash: string }>)[o]!.hash;
  flipByte(blob(root, out('clean', 'table'))); // personal
  chmodSync(blob(root, out('summary', 'counts')), 0o600);
  truncateSync(blob(root, out('summary', 'counts')), 0); // aggregate
  // report's record now names other's CSV blob (intact, but not an HTML page of that size)
  const reportRecord = join(root, 'data/store/stages/report', `${rec.stages.report!.keyHash}.json`);
  const r = JSON.parse(readFileSync(reportRecord, 'utf8'));
  r.outputs.page.hash = out('other', 'copy');
  delete r.seal;
  writeFileSync(reportRecord, JSON.stringify(r));
  writeFileSync(join(root, 'data/store/stages/other', `${rec.stages.other!.keyHash}.json`), '{"v":1, broken');
  writeFileSync(join(root, 'data/store/objects/notes.txt'), 'stray');
  const second = await ran(root); // repairs what it uses: damage again afterwards for the check
  flipByte(blob(root, out('clean', 'table')));
  writeFileSync(join(root, 'data/runs/123', `${second.run}.json`), '{"v":1, broken');
  writeFileSync(reportRecord, JSON.stringify(r));

  const check = await storeCheck(root);
  assert.not.ok(check.ok);
  const kinds = check.problems.map((p) => `${p.kind} ${p.path}`).sort();
  assert.equal(kinds, [
    `blob-damaged store/objects/${out('clean', 'table')}`,
    `record-mismatch store/stages/report/${rec.stages.report!.keyHash}.json`,
    `run-record-damaged runs/123/${second.run}.json`,
    'stray-file store/objects/notes.txt',
  ]);
  assert.ok(check.quarantined >= 3, 'the first repair run set aside what it found');
  const before = readFileSync(blob(root, out('clean', 'table')));
  const cmd = await capture(async () => runCommand(verifyCmd, root, ['--store']));
  assert.is(cmd.code, 1);
  assert.match(cmd.stdout, /blob-damaged\s+blob \w{12} does not match its name/);
  assert.match(cmd.stdout, /record-mismatch\s+stage record store\/stages\/report\/\w+\.json, output page: blob \w{12} has \d+ bytes, not the \d+ recorded/);
  assert.match(cmd.stdout, /store DAMAGED: 4 problem\(s\)/);
  assert.equal(readFileSync(blob(root, out('clean', 'table'))), before, 'verify --store moves nothing');
  // A run repairs what the latest run uses; the set-aside run record leaves the store clean again.
  await ran(root);
  rmSync(join(root, 'data/store/objects/notes.txt'));
  const after = await storeCheck(root);
  assert.ok(after.ok, JSON.stringify(after.problems));
});

test('verify --store: a truncated blob and a damaged record are each found on their own', async () => {
  const root = makeToyProject();
  const rec = await ran(root);
  const counts = rec.stages.summary!.outputs!.counts!.hash;
  chmodSync(blob(root, counts), 0o600);
  truncateSync(blob(root, counts), 0);
  let check = await storeCheck(root);
  assert.equal(check.problems.map((p) => p.kind), ['blob-damaged']);
  assert.match(check.problems[0]!.detail, /its 0 bytes hash to e3b0c44298fc/);
  await ran(root);
  const summaryRecord = join(root, 'data/store/stages/summary', `${rec.stages.summary!.keyHash}.json`);
  const r = JSON.parse(readFileSync(summaryRecord, 'utf8'));
  r.outputs.counts.rows = 99;
  writeFileSync(summaryRecord, JSON.stringify(r));
  check = await storeCheck(root);
  assert.equal(check.problems.map((p) => p.kind), ['record-damaged']);
  assert.match(check.problems[0]!.detail, /seal does not match its contents/);
});

test('verify --request checks the stored bytes first and blames the stage whose stored output is damaged, not the one that read it', async () => {
  const root = makeToyProject();
  const rec = await ran(root);
  flipByte(blob(root, rec.stages.summary!.outputs!.counts!.hash));
  const scratchParent = testTempDir('verify-store-');
  made.push(scratchParent);
  const result = await verifyRequest(await toyProject(root), '123', { scratchParent });
  assert.ok(!('error' in result));
  if ('error' in result) return;
  assert.not.ok(result.ok);
  const by = Object.fromEntries(result.stages.map((s) => [s.stage, s]));
  assert.is(by.summary!.verdict, 'damaged');
  assert.match(by.summary!.detail!, /stored output counts \(blob \w+\) is damaged: its \d+ bytes hash to \w+; re-executed, it reproduces the recorded bytes/);
  assert.is(by.report!.verdict, 'reproducible');
  assert.is(by.clean!.verdict, 'reproducible');
  const cmd = await capture(async () => runCommand(verifyCmd, root, ['--request', '123']));
  assert.is(cmd.code, 1);
  assert.match(cmd.stdout, /stored bytes DAMAGED: summary/);
});

test('verify --request: a published copy that is not its blob is named', async () => {
  const root = makeToyProject();
  await ran(root);
  writeFileSync(join(root, 'data/reports/123/report.html'), '<p>edited</p>');
  const scratchParent = testTempDir('verify-store-');
  made.push(scratchParent);
  const result = await verifyRequest(await toyProject(root), '123', { scratchParent });
  assert.ok(!('error' in result) && !result.ok);
  if ('error' in result) return;
  const report = result.stages.find((s) => s.stage === 'report')!;
  assert.is(report.verdict, 'damaged');
  assert.match(report.detail!, /published copy reports\/123\/report\.html of page is not the recorded blob/);
});

test('audit --deep includes the store check: a damaged blob fails the audit, named; without --deep the store is not re-hashed', async () => {
  const root = makeToyProject();
  const rec = await ran(root);
  const { audit } = await import('../../src/audit.ts');
  const clean = await audit(await toyProject(root), { deep: true });
  assert.ok(clean.ok && clean.store?.ok, JSON.stringify(clean.store?.problems));
  flipByte(blob(root, rec.stages.summary!.outputs!.counts!.hash));
  const shallow = await audit(await toyProject(root), {});
  assert.is(shallow.store, undefined);
  const deep = await audit(await toyProject(root), { deep: true });
  assert.not.ok(deep.ok);
  assert.equal(deep.store!.problems.map((p) => p.kind), ['blob-damaged']);
});

test('verify --store passes after a purge: stage records naming purged blobs are history, not damage', async () => {
  const root = makeToyProject();
  await ran(root);
  const { purgeRequest } = await import('../../src/purge.ts');
  const project = await toyProject(root);
  const result = await purgeRequest(project, { request: '123', classifications: ['personal'], reason: 'test', operator: 'test', rule: 'test' });
  assert.ok(result.deleted.length > 0);
  const check = await storeCheck(root);
  assert.ok(check.ok, JSON.stringify(check.problems));
  // A blob deleted by hand (not purged) is still found.
  const other = makeToyProject();
  rmSync(blob(other, (await ran(other)).stages.summary!.outputs!.counts!.hash), { force: true });
  assert.equal((await storeCheck(other)).problems.map((p) => p.kind), ['record-missing-blob', 'run-missing-blob']);
});

test.run();
