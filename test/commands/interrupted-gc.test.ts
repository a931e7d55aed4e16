// gc interrupted half way, on the toy DAG through the real CLI: a blob it must delete cannot be
// removed (a folder stands in its place), so it stops after deleting others. Re-run once the
// obstacle is gone, it must have recorded every person-level deletion of both attempts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { makeToyProject, removeToyProjects, writePeople } from '../helpers/toy-dag.ts';
import { cli } from '../helpers/cli.ts';

test('gc interrupted half way records, when re-run, every person-level deletion the interrupted one made', async () => {
  const root = makeToyProject();
  for (const people of [[[1, 'Ada', 60]], [[1, 'Ada', 61]], [[1, 'Ada', 62], [2, 'Bea', 55]]] as [number, string, number][][]) {
    writePeople(root, '123', people);
    const r = await cli(root, ['--request', '123']);
    assert.is(r.status, 0, r.stderr);
  }
  const plan = JSON.parse((await cli(root, ['gc', '--keep', '1', '--dry-run', '--json'])).stdout) as { deleteBlobs: { hash: string; classification?: string }[] };
  const personal = plan.deleteBlobs.filter((b) => b.classification === 'personal');
  assert.is(personal.length, 2, JSON.stringify(plan));
  // The last blob gc would delete is in the way; those before it go, and (before the fix) went unrecorded.
  const stuck = join(root, 'data/store/objects', plan.deleteBlobs.at(-1)!.hash);
  renameSync(stuck, `${stuck}.aside`);
  mkdirSync(join(stuck, 'x'), { recursive: true });
  const broken = await cli(root, ['gc', '--keep', '1', '--yes']);
  assert.is(broken.status, 1, broken.stdout + broken.stderr);
  assert.match(broken.stderr, new RegExp(plan.deleteBlobs.at(-1)!.hash));
  assert.not.match(broken.stderr, /\n\s+at /, 'no stack trace');
  assert.ok(plan.deleteBlobs.slice(0, -1).some((b) => !existsSync(join(root, 'data/store/objects', b.hash))), 'the interrupted gc deleted some blobs');
  rmSync(stuck, { recursive: true });
  renameSync(`${stuck}.aside`, stuck);
  const again = await cli(root, ['gc', '--keep', '1', '--yes']);
  assert.is(again.status, 0, again.stderr);
  const entries = readFileSync(join(root, 'data/register/deletions.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  for (const b of personal) {
    assert.not.ok(existsSync(join(root, 'data/store/objects', b.hash)), `${b.hash.slice(0, 8)} still there`);
    assert.is(entries.filter((e) => e.blob === b.hash).length, 1, `${b.hash.slice(0, 8)}: one register entry`);
  }
  assert.not.ok(existsSync(join(root, 'data/runs/.gc-pending.json')), 'the plan is gone once recorded');
  const audit = await cli(root, ['audit', '--json']);
  assert.equal(JSON.parse(audit.stdout).chain, [], audit.stdout);
});

test('gc deletes and records a quarantined copy of a person-level blob no kept run needs; a copy of a needed blob stays', async () => {
  const root = makeToyProject();
  const tableOf = () => {
    const runs = readdirSync(join(root, 'data/runs/123')).filter((f) => /^\d{8}T/.test(f)).sort();
    return JSON.parse(readFileSync(join(root, 'data/runs/123', runs.at(-1)!), 'utf8')).stages.clean.outputs.table.hash as string;
  };
  writePeople(root, '123', [[1, 'Ada', 60]]);
  assert.is((await cli(root, ['--request', '123'])).status, 0);
  const old = tableOf();
  writePeople(root, '123', [[1, 'Ada', 61]]);
  assert.is((await cli(root, ['--request', '123'])).status, 0);
  const current = tableOf();
  // A run set the old table aside as damaged and never rebuilt it; the current one has a damaged copy set aside too.
  const aside = join(root, 'data/store/quarantine/20260101T000000000Z-p1-test/objects');
  mkdirSync(aside, { recursive: true });
  renameSync(join(root, 'data/store/objects', old), join(aside, old));
  copyFileSync(join(root, 'data/store/objects', current), join(aside, current));
  const gc = await cli(root, ['gc', '--keep', '1', '--yes']);
  assert.is(gc.status, 0, gc.stderr);
  assert.not.ok(existsSync(join(aside, old)), 'the quarantined copy no run needs is gone');
  assert.ok(existsSync(join(aside, current)), 'the copy of a needed blob stays, as evidence');
  const entries = readFileSync(join(root, 'data/register/deletions.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const entry = entries.find((e) => e.blob === old);
  assert.ok(entry, 'recorded');
  assert.equal([entry.location, entry.classification, entry.dataset], [`store/quarantine/20260101T000000000Z-p1-test/objects/${old}`, 'personal', 'clean.table']);
});

test.after(removeToyProjects);
test.run();
