import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { makeToyProject, removeToyProjects, runToy, edit, writePeople, SRC } from '../helpers/toy-dag.ts';
import { listFiles } from '../../src/hash.ts';
import verifyCmd from '../../src/commands/verify.ts';
import { verifyRequest, type VerifyResult } from '../../src/verify.ts';
import { capture, runCommand, toyProject } from '../diff/capture.ts';
import { testTempDir } from '../helpers/temp-dir.ts';

// Toy projects live in the repo's .tmp/; removed when this file's tests are done.
test.after(() => {
  removeToyProjects();
  for (const p of made) rmSync(p, { recursive: true, force: true });
});

/** Every file of the real data folder with its size and mtime: verify must change none of them. */
function snapshot(root: string): string[] {
  return listFiles(join(root, 'data')).map((f) => { const st = statSync(f); return `${relative(root, f)} ${st.size} ${st.mtimeMs}`; });
}

const made: string[] = [];
const tempDir = () => {
  const d = testTempDir('verify-test-');
  made.push(d);
  return d;
};

async function verify(root: string, scratchParent = tempDir()): Promise<VerifyResult> {
  const result = await verifyRequest(await toyProject(root), '123', { scratchParent });
  if ('error' in result) throw new Error(result.error);
  return result;
}

const verdicts = (r: VerifyResult) => Object.fromEntries(r.stages.map((s) => [s.stage, s.verdict]));

test('a deterministic DAG verifies: every stage reproduces its bytes; the real store and records are untouched; the scratch is removed', async () => {
  const root = makeToyProject();
  assert.ok((await runToy(root)).outcome.ok);
  const before = snapshot(root);
  const scratchParent = tempDir();
  const r = await capture(async () => runCommand(verifyCmd, root, ['--request', '123']));
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /all verified stages reproduce their recorded bytes/);
  const result = await verify(root, scratchParent);
  assert.ok(result.ok);
  assert.equal(verdicts(result), { clean: 'reproducible', summary: 'reproducible', report: 'reproducible', other: 'reproducible' });
  // Each stage was really re-executed: the scratch run's hashes are compared, output by output.
  for (const s of result.stages) for (const o of s.outputs) assert.is(o.reexecuted, o.recorded);
  assert.equal(snapshot(root), before, 'no file of the real data folder was written');
  assert.equal(readdirSync(scratchParent), [], 'the scratch store is removed');
});

test('by default the scratch lives in data/verify, is removed afterwards, and a killed verify\'s leftovers are removed by the next', async () => {
  const root = makeToyProject();
  assert.ok((await runToy(root)).outcome.ok);
  const parent = join(root, 'data/verify');
  // A dead verify's scratch (no process has pid 2^22 + 1 here) and a live one's (our parent).
  const dead = join(parent, 'verify-4194305-abc123');
  const live = join(parent, `verify-${process.ppid}-def456`);
  for (const d of [dead, live]) {
    mkdirSync(join(d, 'store'), { recursive: true });
    writeFileSync(join(d, 'store', 'cohort.parquet'), 'personal data');
  }
  const result = await verifyRequest(await toyProject(root), '123');
  assert.ok(!('error' in result) && result.ok);
  assert.equal(readdirSync(parent), [`verify-${process.ppid}-def456`], 'the dead one is gone, the live one kept, ours removed');
  rmSync(live, { recursive: true });
  assert.ok(!('error' in (await verifyRequest(await toyProject(root), '123'))));
  assert.not.ok(existsSync(parent), 'an empty data/verify is removed');
});

test('a stage that writes Math.random() fails verify, named with its output; its dependant is named as differing because of it', async () => {
  const root = makeToyProject();
  // summary appends a random element: report renders it, so report's bytes differ too.
  edit(root, 'stages/summary.ts', 'JSON.stringify(rows)', "JSON.stringify([...rows, { band: 'noise', n: Math.random() }])");
  assert.ok((await runToy(root)).outcome.ok);
  const r = await capture(async () => runCommand(verifyCmd, root, ['--request', '123']));
  assert.is(r.code, 1);
  assert.match(r.stdout, /summary\s+NOT-REPRODUCIBLE \(output counts\)/);
  assert.match(r.stdout, /NOT reproducible: summary; differing because of them: report/);
  const result = await verify(root);
  assert.not.ok(result.ok);
  assert.equal(verdicts(result), { clean: 'reproducible', summary: 'not-reproducible', report: 'upstream-differs', other: 'reproducible' });
  assert.equal(result.stages.find((s) => s.stage === 'summary')!.differing, ['counts']);
  const json = await capture(async () => runCommand(verifyCmd, root, ['--request', '123', '--json']));
  assert.is(json.code, 1);
  assert.is((JSON.parse(json.stdout) as VerifyResult).stages.find((s) => s.stage === 'summary')!.verdict, 'not-reproducible');
});

test('an input changed since the run is named: the run cannot be repeated as it was', async () => {
  const root = makeToyProject();
  assert.ok((await runToy(root)).outcome.ok);
  writePeople(root, '123', [[1, 'Ada', 12], [2, 'Bea', 55], [3, 'Cal', 43], [4, 'Dee', 5]]);
  const result = await verify(root);
  assert.not.ok(result.ok);
  const clean = result.stages.find((s) => s.stage === 'clean')!;
  assert.is(clean.verdict, 'changed-since');
  assert.match(clean.detail!, /input people changed/);
  assert.is(verdicts(result).other, 'reproducible');
});

test('stages with cache: false are not verified (and not run); the rest still is', async () => {
  const root = makeToyProject();
  writeFileSync(join(root, 'stages/stamp.ts'), `
import { writeFileSync } from 'node:fs';
import { defineStage } from '${SRC}stage.ts';
export default defineStage({
  name: 'stamp',
  cache: false,
  inputs: { counts: 'summary.counts' },
  outputs: { when: { format: 'json', classification: 'aggregate' } },
  async run({ outputs }) {
    if (process.env.STAMP_MARK) writeFileSync(process.env.STAMP_MARK, 'ran');
    writeFileSync(outputs.when!, JSON.stringify({ at: Date.now() }));
  },
});
`);
  edit(root, 'pipeline.config.ts', "'./stages/other.ts']", "'./stages/other.ts', './stages/stamp.ts']");
  assert.ok((await runToy(root)).outcome.ok);
  const mark = join(tempDir(), 'mark');
  process.env.STAMP_MARK = mark;
  try {
    const result = await verify(root);
    assert.ok(result.ok, JSON.stringify(result));
    assert.is(verdicts(result).stamp, 'skipped');
    assert.match(result.stages.find((s) => s.stage === 'stamp')!.detail!, /cache: false/);
    assert.is(verdicts(result).summary, 'reproducible');
    assert.equal(readdirSync(join(mark, '..')), [], 'the uncached stage was not executed');
  } finally {
    delete process.env.STAMP_MARK;
  }
});

test('verify of a request never run, or with a bad id, fails with a message', async () => {
  const root = makeToyProject();
  const never = await capture(async () => runCommand(verifyCmd, root, ['--request', '123']));
  assert.is(never.code, 1);
  assert.match(never.stderr, /never been run/);
  const bad = await capture(async () => runCommand(verifyCmd, root, ['--request', '../x']));
  assert.is(bad.code, 2);
});

test.run();
