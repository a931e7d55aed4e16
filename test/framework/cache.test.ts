import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { makeToyProject, runToy, edit, writePeople } from '../helpers/toy-dag.ts';
import { removeToyProjects } from '../helpers/toy-dag.ts';

test('a first run executes every stage; a second run executes none', async () => {
  const root = makeToyProject();
  const first = await runToy(root);
  assert.ok(first.outcome.ok, JSON.stringify(first.outcome));
  assert.equal(first.ran, ['clean', 'other', 'report', 'summary']);
  const second = await runToy(root);
  assert.ok(second.outcome.ok);
  assert.equal(second.ran, []);
  assert.equal(Object.values(second.states), ['hit', 'hit', 'hit', 'hit']);
  assert.match(second.reasons.clean!, /nothing changed/);
});

test('changing one param re-runs that stage and its dependants only, and explain names the param', async () => {
  const root = makeToyProject();
  await runToy(root);
  edit(root, 'pipeline.config.ts', 'min_score: 10', 'min_score: 1');
  const plan = await runToy(root, { dryRun: true });
  assert.equal(plan.states.clean, 'would-run');
  assert.match(plan.reasons.clean!, /param min_score changed: 10 -> 1/);
  assert.equal(plan.states.other, 'would-hit');
  assert.equal(plan.states.summary, 'pending');
  const run = await runToy(root);
  // Dee (score 5) is now kept: the low band count changes, so everything downstream re-runs.
  assert.equal(run.ran, ['clean', 'report', 'summary']);
  assert.match(run.reasons.summary!, /input table changed/);
  assert.equal(run.states.other, 'hit');
});

test('changing one SQL file re-runs exactly that stage (and dependants whose inputs changed), naming the file', async () => {
  const root = makeToyProject();
  await runToy(root);
  edit(root, 'stages/clean.sql', 'ORDER BY id', 'ORDER BY id DESC');
  const plan = await runToy(root, { explain: true, dryRun: true } as never);
  assert.match(plan.reasons.clean!, /code file stages\/clean\.sql changed/);
  const run = await runToy(root);
  assert.ok(run.ran.includes('clean'));
  assert.equal(run.states.other, 'hit');
  // Reordered rows give different parquet bytes, so summary re-runs, but its counts are the same:
  // report is cut off.
  assert.equal(run.states.summary, 'ran');
  assert.equal(run.states.report, 'hit');
});

test('a change in a locally imported module re-runs the stage that imports it', async () => {
  const root = makeToyProject();
  await runToy(root);
  edit(root, 'stages/lib/banner.ts', 'v1', 'v2');
  const run = await runToy(root, { dryRun: true });
  assert.equal(run.states.clean, 'would-run');
  assert.match(run.reasons.clean!, /code file stages\/lib\/banner\.ts changed/);
  assert.equal(run.states.other, 'would-hit');
});

test('changing one input row re-runs what it touches; an identical upstream result stops there (early cutoff)', async () => {
  const root = makeToyProject();
  await runToy(root);
  // Cal moves from 70 to 80: still in the high band, so the summary's bytes do not change.
  writePeople(root, '123', [[1, 'Ada', 12], [2, 'Bea', 55], [3, 'Cal', 80], [4, 'Dee', 5]]);
  const plan = await runToy(root, { dryRun: true });
  assert.match(plan.reasons.clean!, /input people changed/);
  const run = await runToy(root);
  assert.equal(run.ran, ['clean', 'summary']);
  assert.equal(run.states.report, 'hit');
  const rec = run.outcome.ok && run.outcome.record!;
  assert.ok(rec);
  assert.equal(rec.stages.report!.status, 'hit');
  assert.equal(rec.stages.summary!.status, 'ran');
});

test('--force re-runs a stage even when cached; --only runs just one stage', async () => {
  const root = makeToyProject();
  await runToy(root);
  const forced = await runToy(root, { force: ['summary'] });
  assert.equal(forced.ran, ['summary']);
  assert.match(forced.reasons.summary!, /forced/);
  edit(root, 'pipeline.config.ts', 'min_score: 10', 'min_score: 1');
  const only = await runToy(root, { only: 'clean' });
  assert.equal(only.ran, ['clean']);
  assert.equal(only.states.summary, undefined);
});

test('published outputs are copied out and restored when deleted; blobs are read-only; personal blobs owner-only', async () => {
  const root = makeToyProject();
  const first = await runToy(root);
  const page = join(root, 'data/reports/123/report.html');
  assert.ok(existsSync(page));
  assert.match(readFileSync(page, 'utf8'), /high: 2/);
  const rec = first.outcome.ok && first.outcome.record!;
  assert.ok(rec);
  const personal = join(root, 'data/store/objects', rec.stages.clean!.outputs!.table!.hash);
  assert.equal(statSync(personal).mode & 0o777, 0o400);
  const aggregate = join(root, 'data/store/objects', rec.stages.report!.outputs!.page!.hash);
  assert.equal(statSync(aggregate).mode & 0o777, 0o400, 'owner-only whatever the classification (README, data protection)');
  assert.equal(statSync(page).mode & 0o777, 0o600, 'the published report too');
  assert.equal(rec.stages.clean!.outputs!.table!.rows, 3);
});

test('a deleted blob is noticed: the stage re-runs with the reason', async () => {
  const root = makeToyProject();
  const first = await runToy(root);
  const rec = first.outcome.ok && first.outcome.record!;
  assert.ok(rec);
  const { rmSync } = await import('node:fs');
  rmSync(join(root, 'data/store/objects', rec.stages.summary!.outputs!.counts!.hash));
  const run = await runToy(root);
  assert.equal(run.ran, ['summary']);
  assert.match(run.reasons.summary!, /cached outputs missing: counts/);
});

test('run records are written, one per run, and list the plan', async () => {
  const root = makeToyProject();
  await runToy(root);
  await runToy(root);
  const runs = readdirSync(join(root, 'data/runs/123')).filter((f) => f.endsWith('.json'));
  assert.is(runs.length, 2);
  const rec = JSON.parse(readFileSync(join(root, 'data/runs/123', runs.sort()[1]!), 'utf8'));
  assert.equal(rec.plan, ['clean', 'summary', 'report', 'other']);
  assert.is(rec.stages.clean.key.params.min_score, 10);
  assert.ok(!JSON.stringify(rec).includes('Ada'), 'no personal value in the run record');
});

test.after(removeToyProjects);
test.run();
