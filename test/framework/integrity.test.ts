// Store integrity on the toy DAG (real files, a real DuckDB, the real runner): damaged blobs,
// records pointing at the wrong blob, broken records, links and special files in folder inputs.
// Each fault is caught when the blob or record is used, set aside (not deleted) and rebuilt, and
// the published file ends byte-identical to the original.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { makeToyProject, removeToyProjects, runToy, type ToyRun } from '../helpers/toy-dag.ts';
import type { IntegrityFinding, RunRecord } from '../../src/records.ts';
import { StatMemo } from '../../src/hash.ts';
import { testTempDir } from '../helpers/temp-dir.ts';

test.after(removeToyProjects);

const recordOf = (run: ToyRun): RunRecord => {
  assert.ok(run.outcome.record, run.outcome.ok ? 'no record' : run.outcome.message);
  return run.outcome.record!;
};
const blob = (root: string, hash: string) => join(root, 'data/store/objects', hash);
const findings = (run: ToyRun): IntegrityFinding[] => run.events.flatMap((e) => (e.type === 'integrity' ? [e.finding] : []));

/** Flip one byte in the middle of a (read-only) file, as a failing disk or a stray edit would. */
function flipByte(file: string): void {
  chmodSync(file, 0o600);
  const bytes = readFileSync(file);
  const at = Math.floor(bytes.length / 2);
  bytes[at] = bytes[at]! ^ 0x01;
  writeFileSync(file, bytes);
}

function truncate(file: string): void {
  chmodSync(file, 0o600);
  truncateSync(file, 0);
}

async function baseline(root: string) {
  const first = await runToy(root);
  assert.ok(first.outcome.ok);
  const page = join(root, 'data/reports/123/report.html');
  return { record: recordOf(first), page, published: readFileSync(page) };
}

for (const [fault, damage] of [['a flipped byte', flipByte], ['truncation to 0 bytes', truncate]] as const) {
  for (const [stage, output, classification] of [['clean', 'table', 'personal'], ['summary', 'counts', 'aggregate'], ['report', 'page', 'aggregate']] as const) {
    test(`${fault} in the ${classification} blob ${stage}.${output} is caught, quarantined, rebuilt; the published report is byte-identical`, async () => {
      const root = makeToyProject();
      const { record, page, published } = await baseline(root);
      const hash = (record.stages[stage]!.outputs as Record<string, { hash: string }>)[output]!.hash;
      damage(blob(root, hash));
      const damaged = readFileSync(blob(root, hash));

      const run = await runToy(root);
      assert.ok(run.outcome.ok, run.outcome.ok ? '' : run.outcome.message);
      assert.equal(run.ran, [stage], 'only the stage that produced the blob runs again');
      const [f, ...more] = findings(run);
      assert.equal(more, []);
      assert.is(f!.kind, 'blob-damaged');
      assert.is(f!.stage, stage);
      assert.is(f!.output, output);
      assert.is(f!.path, `store/objects/${hash}`);
      assert.match(f!.problem, /does not match its name/);
      // Set aside, not deleted: the damaged bytes are kept as evidence under the run's quarantine.
      assert.ok(f!.movedTo?.startsWith(`store/quarantine/${recordOf(run).run}/objects/`), f!.movedTo);
      assert.equal(readFileSync(join(root, 'data', f!.movedTo!)), damaged);
      // Rebuilt under the same name, and the run record says what was set aside.
      assert.ok(existsSync(blob(root, hash)));
      assert.equal(recordOf(run).integrity, [f]);
      assert.equal(readFileSync(page), published);
      // The next run finds nothing wrong.
      const again = await runToy(root);
      assert.equal(again.ran, []);
      assert.equal(findings(again), []);
    });
  }
}

test("a stage record whose output points at another (intact) blob is set aside and the stage re-runs", async () => {
  const root = makeToyProject();
  const { record, page, published } = await baseline(root);
  // clean's personal parquet table now "is" summary's JSON counts; the seal would catch a hand
  // edit, so remove it to test the size and format check on its own as well.
  for (const unseal of [false, true]) {
    const recordFile = join(root, 'data/store/stages/clean', `${record.stages.clean!.keyHash}.json`);
    const stored = JSON.parse(readFileSync(recordFile, 'utf8'));
    stored.outputs.table.hash = record.stages.summary!.outputs!.counts!.hash;
    if (unseal) delete stored.seal;
    writeFileSync(recordFile, JSON.stringify(stored, null, 2));
    const run = await runToy(root);
    assert.ok(run.outcome.ok);
    assert.equal(run.ran, ['clean']);
    const [f] = findings(run);
    assert.is(f!.kind, unseal ? 'record-mismatch' : 'record-damaged');
    assert.match(f!.problem, unseal ? /names blob \w+, which has \d+ bytes, not the \d+ recorded/ : /seal does not match/);
    assert.is(f!.path, `store/stages/clean/${record.stages.clean!.keyHash}.json`);
    assert.ok(existsSync(join(root, 'data', f!.movedTo!)));
    assert.match(run.reasons.clean!, /cached outputs missing: \(stage record\)/);
    assert.equal(readFileSync(page), published);
    // Both blobs are intact: nothing but the record was set aside.
    assert.ok(existsSync(blob(root, record.stages.summary!.outputs!.counts!.hash)));
  }
});

test('a record pointing at an intact blob of the same size but another format is caught by format', async () => {
  const root = makeToyProject();
  const { record, page, published } = await baseline(root);
  // An HTML text of exactly the size of summary's JSON counts: the size check alone would pass it.
  const size = record.stages.summary!.outputs!.counts!.bytes;
  const fake = '<p>' + 'x'.repeat(size - 7) + '</p>';
  assert.is(Buffer.byteLength(fake), size);
  const { sha256 } = await import('../../src/hash.ts');
  const hash = sha256(fake);
  writeFileSync(blob(root, hash), fake);
  const recordFile = join(root, 'data/store/stages/summary', `${record.stages.summary!.keyHash}.json`);
  const stored = JSON.parse(readFileSync(recordFile, 'utf8'));
  stored.outputs.counts.hash = hash;
  delete stored.seal;
  writeFileSync(recordFile, JSON.stringify(stored, null, 2));
  const run = await runToy(root);
  assert.equal(run.ran, ['summary']);
  assert.match(findings(run)[0]!.problem, /is not a JSON document/);
  assert.equal(readFileSync(page), published);
});

test('unusual but legitimate outputs are not taken for damage: an empty CSV, HTML with a byte-order mark, a JSON number', async () => {
  const { formatProblem } = await import('../../src/store.ts');
  const dir = testTempDir('format-');
  const file = (name: string, content: string | Buffer) => {
    writeFileSync(join(dir, name), content);
    return join(dir, name);
  };
  try {
    assert.is(formatProblem(file('a.csv', ''), 'csv'), undefined);
    assert.is(formatProblem(file('b.html', '\uFEFF<!doctype html><p>x</p>'), 'html'), undefined);
    assert.is(formatProblem(file('c.html', 'plain words'), 'html'), undefined);
    assert.is(formatProblem(file('d.json', '\uFEFF  42\n'), 'json'), undefined);
    assert.is(formatProblem(file('e.json', '<p>x</p>'), 'json'), 'is not a JSON document');
    assert.is(formatProblem(file('f.csv', Buffer.from('PAR1\0\0\0\0PAR1')), 'csv'), 'is not a CSV text');
    assert.is(formatProblem(file('g.parquet', '{"a":1}'), 'parquet'), 'is not a Parquet file');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a published copy is hashed as it is copied: a damaged blob the memo vouched for is still not published', async () => {
  const root = makeToyProject();
  const { record, page, published } = await baseline(root);
  const hash = record.stages.report!.outputs!.page!.hash;
  flipByte(blob(root, hash));
  // The stat memo is told the damaged file is fine (as if it had been altered without any change
  // of size, times or inode), and the published copy is gone, so the blob is copied again.
  const memoFile = join(root, 'data/store/statmemo.json');
  const memo = existsSync(memoFile) ? JSON.parse(readFileSync(memoFile, 'utf8')) : {};
  const st = statSync(blob(root, hash), { bigint: true });
  memo[blob(root, hash)] = { size: String(st.size), mtime: String(st.mtimeNs), ctime: String(st.ctimeNs), ino: String(st.ino), hash };
  writeFileSync(memoFile, JSON.stringify(memo));
  assert.is(await new StatMemo(memoFile).hashFile(blob(root, hash)), hash, 'the memo vouches for it');
  const { rmSync } = await import('node:fs');
  rmSync(page);
  const run = await runToy(root);
  assert.ok(run.outcome.ok);
  assert.equal(run.ran, ['report']);
  assert.match(findings(run)[0]!.problem, /report\.page: blob \w+ does not match its name/);
  assert.equal(readFileSync(page), published);
});

test('an unreadable stage record is named, set aside and rebuilt; a dry run reports it and moves nothing', async () => {
  const root = makeToyProject();
  const { record } = await baseline(root);
  const recordFile = join(root, 'data/store/stages/summary', `${record.stages.summary!.keyHash}.json`);
  writeFileSync(recordFile, '{"v":1, broken');
  const plan = await runToy(root, { dryRun: true });
  assert.equal(plan.states.summary, 'would-run');
  assert.is(findings(plan)[0]!.movedTo, undefined);
  assert.ok(existsSync(recordFile), 'a dry run moves nothing');
  const run = await runToy(root);
  assert.ok(run.outcome.ok);
  assert.equal(run.ran, ['summary']);
  const [f] = findings(run);
  assert.is(f!.kind, 'record-damaged');
  assert.match(f!.problem, /stage record store\/stages\/summary\/\w+\.json is damaged: not valid JSON/);
  assert.is(readFileSync(join(root, 'data', f!.movedTo!), 'utf8'), '{"v":1, broken');
});

test('a broken run record does not wedge the request: the next run sets it aside, names it, and succeeds', async () => {
  const root = makeToyProject();
  const { record } = await baseline(root);
  const file = join(root, 'data/runs/123', `${record.run}.json`);
  writeFileSync(file, '{"v":1, broken');
  const run = await runToy(root);
  assert.ok(run.outcome.ok, run.outcome.ok ? '' : run.outcome.message);
  const [f] = findings(run);
  assert.is(f!.kind, 'run-record-damaged');
  assert.match(f!.problem, new RegExp(`run record runs/123/${record.run}\\.json is damaged: not valid JSON`));
  assert.is(f!.movedTo, `runs/123/set-aside/${record.run}.json`);
  assert.is(readFileSync(join(root, 'data', f!.movedTo!), 'utf8'), '{"v":1, broken');
  assert.equal(recordOf(run).integrity, [f]);
  // The stage records are intact, so every stage is still served from the cache.
  assert.equal(run.ran, []);
});

test('what a damaged record held is never quoted: a record overwritten with a name is named by path only', async () => {
  const root = makeToyProject();
  const { record } = await baseline(root);
  writeFileSync(join(root, 'data/runs/123', `${record.run}.json`), 'Ada Lovelace, 1815-12-10');
  writeFileSync(join(root, 'data/store/stages/summary', `${record.stages.summary!.keyHash}.json`), '{"v": "Bea Smith"}');
  const run = await runToy(root);
  assert.ok(run.outcome.ok);
  const text = JSON.stringify(run.events) + readFileSync(run.outcome.recordPath!, 'utf8');
  assert.equal(findings(run).map((f) => f.kind).sort(), ['record-damaged', 'run-record-damaged']);
  assert.not.match(text, /Ada|Lovelace|1815|Bea|Smith/);
});

test('a run record that parses but breaks its schema is set aside too', async () => {
  const root = makeToyProject();
  const { record } = await baseline(root);
  const file = join(root, 'data/runs/123', `${record.run}.json`);
  writeFileSync(file, JSON.stringify({ ...record, stages: { clean: { status: 'exploded' } } }));
  const run = await runToy(root);
  assert.ok(run.outcome.ok);
  assert.match(findings(run)[0]!.problem, /does not match the run record schema/);
});

test('an empty lock older than the grace period is cleared and named; a fresh one is reported by path', async () => {
  const root = makeToyProject();
  await baseline(root);
  const lock = join(root, 'data/runs/123/.lock');
  writeFileSync(lock, '');
  const fresh = await runToy(root);
  assert.not.ok(fresh.outcome.ok);
  assert.is(!fresh.outcome.ok && fresh.outcome.reason, 'locked');
  assert.match(!fresh.outcome.ok ? fresh.outcome.message : '', /locked by .*\.lock, which is unreadable \(0 bytes, written \d+s ago\); it is cleared as stale once it is 5s old/);
  const { utimesSync } = await import('node:fs');
  const old = new Date(Date.now() - 60_000);
  utimesSync(lock, old, old);
  const run = await runToy(root);
  assert.ok(run.outcome.ok, run.outcome.ok ? '' : run.outcome.message);
  const [f] = findings(run);
  assert.is(f!.kind, 'lock-unreadable');
  assert.match(f!.problem, /lock runs\/123\/\.lock was unreadable \(0 bytes, 60s old\) and was cleared as stale/);
  assert.not.ok(existsSync(lock), 'released at the end');
});

test('an empty store lock or request lock older than the grace period blocks neither a run nor a gc; a fresh one does', async () => {
  const root = makeToyProject();
  await baseline(root);
  const { utimesSync } = await import('node:fs');
  const { acquireStoreLock } = await import('../../src/store-lock.ts');
  const { openProject } = await import('../../src/project.ts');
  const project = await openProject(join(root, 'pipeline.config.ts'));
  const storeLock = join(root, 'data/runs/.store.lock');
  const otherLock = join(root, 'data/runs/456/.lock');
  mkdirSync(join(root, 'data/runs/456'), { recursive: true });
  for (const f of [storeLock, otherLock]) writeFileSync(f, '');
  // Fresh: held (a writer could be between steps).
  const busy = await acquireStoreLock(project.records, 'gc');
  assert.not.ok(busy.ok);
  const old = new Date(Date.now() - 60_000);
  for (const f of [storeLock, otherLock]) utimesSync(f, old, old);
  const run = await runToy(root);
  assert.ok(run.outcome.ok, run.outcome.ok ? '' : run.outcome.message);
  const gc = await acquireStoreLock(project.records, 'gc');
  assert.ok(gc.ok, gc.ok ? '' : gc.message);
  if (gc.ok) gc.release();
});

test('a link or a FIFO inside a folder input is refused by name, with the reason', async () => {
  const root = makeToyProject();
  // Turn clean's input into a folder input: the request folder.
  const { edit } = await import('../helpers/toy-dag.ts');
  edit(root, 'stages/clean.ts', "people: 'file:inputs/{request}/people.csv'", "folder: 'file:inputs/{request}'");
  edit(root, 'stages/clean.ts', 'input: inputs.people!', "input: inputs.folder! + '/people.csv'");
  assert.ok((await runToy(root)).outcome.ok);
  const outside = join(root, 'outside.csv');
  writeFileSync(outside, 'id,name,score\n9,Zed,99\n');
  symlinkSync(outside, join(root, 'inputs/123/extra.csv'));
  const run = await runToy(root);
  assert.not.ok(run.outcome.ok);
  assert.equal(run.states.clean, 'failed');
  assert.match(run.reasons.clean!, /inputs\.folder: inputs\/123\/extra\.csv is a symbolic link: only regular files are inputs \(a link can point outside the folder/);
  const { rmSync } = await import('node:fs');
  rmSync(join(root, 'inputs/123/extra.csv'));
  mkdirSync(join(root, 'inputs/123/sub'));
  execFileSync('mkfifo', [join(root, 'inputs/123/sub/pipe')]);
  const fifo = await runToy(root);
  assert.match(fifo.reasons.clean!, /inputs\/123\/sub\/pipe is a FIFO: only regular files are inputs/);
  rmSync(join(root, 'inputs/123/sub'), { recursive: true });
  assert.ok((await runToy(root)).outcome.ok);
});

test('a stage that refuses special files itself gets them through, keyed by link text and target content, a FIFO never opened', async () => {
  const root = makeToyProject();
  const { edit } = await import('../helpers/toy-dag.ts');
  edit(root, 'stages/clean.ts', "people: 'file:inputs/{request}/people.csv' },", "folder: 'file:inputs/{request}' },\n  refusesSpecialFiles: true,");
  edit(root, 'stages/clean.ts', 'input: inputs.people!', "input: inputs.folder! + '/people.csv'");
  assert.ok((await runToy(root)).outcome.ok);
  const outside = join(root, 'outside.csv');
  writeFileSync(outside, 'id,name,score\n9,Zed,99\n');
  symlinkSync(outside, join(root, 'inputs/123/extra.csv'));
  mkdirSync(join(root, 'inputs/123/sub'));
  execFileSync('mkfifo', [join(root, 'inputs/123/sub/pipe')]);
  const linked = await runToy(root);
  assert.ok(linked.outcome.ok, linked.outcome.ok ? '' : linked.outcome.message);
  assert.equal(linked.ran, ['clean'], 'the link and the FIFO are part of the key');
  assert.equal((await runToy(root)).ran, [], 'and the key is stable (the FIFO was never opened)');
  writeFileSync(outside, 'id,name,score\n9,Zed,98\n');
  const changed = await runToy(root);
  assert.equal(changed.ran, ['clean'], 'what the link points at changed: not served stale');
  assert.match(changed.reasons.clean!, /input folder changed/);
});

test('a blob is learnt by the stat memo as it is committed: the next run checks every blob without reading one', async () => {
  const root = makeToyProject();
  await baseline(root);
  const memoFile = join(root, 'data/store/statmemo.json');
  const entries = JSON.parse(readFileSync(memoFile, 'utf8'));
  const blobs = readdirSync(join(root, 'data/store/objects'));
  assert.is(blobs.length, 4);
  assert.ok(blobs.every((h) => entries[blob(root, h)]?.hash === h), 'every blob is in the memo under its own hash');
  const memo = new StatMemo(memoFile);
  for (const h of blobs) await memo.hashFile(blob(root, h));
  assert.is(memo.misses, 0);
  // ... and a changed blob is not vouched for: its ctime moved.
  flipByte(blob(root, blobs[0]!));
  const after = new StatMemo(memoFile);
  await after.hashFile(blob(root, blobs[0]!));
  assert.is(after.misses, 1);
});

test('a purge deletes quarantined copies of the blobs it deletes, also when the blob itself was never rebuilt', async () => {
  const root = makeToyProject();
  const { record } = await baseline(root);
  const { openProject } = await import('../../src/project.ts');
  const { purgeRequest } = await import('../../src/purge.ts');
  const project = await openProject(join(root, 'pipeline.config.ts'));
  const hash = record.stages.clean!.outputs!.table!.hash;
  // A run set the personal table aside as damaged and the stage did not run again (it failed).
  flipByte(blob(root, hash));
  const moved = project.store.quarantine(blob(root, hash), 'run-x');
  assert.not.ok(existsSync(blob(root, hash)));
  const result = await purgeRequest(project, { request: '123', classifications: ['personal'], reason: 'test', operator: 'test', rule: 'test' });
  assert.not.ok(existsSync(moved), 'the damaged personal copy is deleted too');
  assert.ok(result.deleted.some((e) => e.blob === hash && e.location === `store/quarantine/run-x/objects/${hash}`), JSON.stringify(result.deleted));
});

test.run();
