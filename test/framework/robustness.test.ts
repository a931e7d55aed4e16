import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { $ } from 'zx';
import { fileURLToPath } from 'node:url';
import { makeToyProject, runToy, edit } from '../helpers/toy-dag.ts';
import { removeToyProjects } from '../helpers/toy-dag.ts';
import { buildGraph } from '../../src/graph.ts';
import type { Stage } from '../../src/stage.ts';

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
// node --import tsx, not the tsx binary: tsx runs the script in a child process, and these tests
// must signal the very process that holds the lock.
const NODE = [process.execPath, '--import', 'tsx'];

function cli(root: string, args: string[], env: Record<string, string> = {}) {
  const r = $({ sync: true, cwd: root, env: { ...process.env, CI: 'true', ...env }, nothrow: true, quiet: true })`${NODE} ${CLI} --config ${join(root, 'pipeline.config.ts')} ${args}`;
  return { status: r.exitCode, stdout: r.stdout, stderr: r.stderr };
}

const toyStage = (name: string, inputs: Record<string, string>, extra: Partial<Stage> = {}): Stage => ({
  name,
  inputs,
  outputs: { out: { format: 'json', classification: 'aggregate' } },
  run: async () => {},
  file: `/x/${name}.ts`,
  ...extra,
});

test('a cycle is reported with its path', () => {
  const r = buildGraph([toyStage('a', { x: 'c.out' }), toyStage('b', { x: 'a.out' }), toyStage('c', { x: 'b.out' })]);
  assert.not.ok(r.ok);
  if (!r.ok) assert.ok(r.errors.some((e) => /cycle: a -> b -> c -> a|cycle: (\w) -> .* -> \1/.test(e.message)), JSON.stringify(r.errors));
});

test('unknown inputs, duplicate stage names and two stages publishing one file are named by stage and field', () => {
  const r = buildGraph([
    toyStage('a', { x: 'nope.out' }),
    toyStage('b', { y: 'a.missing' }),
    toyStage('b', {}),
    toyStage('c', {}, { outputs: { page: { format: 'html', classification: 'aggregate', publish: 'r/x.html' } } }),
    toyStage('d', {}, { outputs: { page: { format: 'html', classification: 'aggregate', publish: 'r/x.html' } } }),
    toyStage('e', { z: 'file:../etc/passwd' }),
  ]);
  assert.not.ok(r.ok);
  if (r.ok) return;
  const text = r.errors.map((e) => `${e.stage} ${e.field}: ${e.message}`).join('\n');
  assert.match(text, /a inputs\.x: unknown stage "nope"/);
  assert.match(text, /b inputs\.y: stage "a" has no output "missing"/);
  assert.match(text, /b name: two stages are named "b"/);
  assert.match(text, /d outputs\.page\.publish: d\.page and c\.page both write r\/x\.html/);
  assert.match(text, /e inputs\.z: .* must be a path inside the project/);
});

test('an output declared but not written, or a file written but not declared, fails the stage and commits nothing', async () => {
  const root = makeToyProject();
  edit(root, 'stages/summary.ts', 'writeFileSync(outputs.counts!, JSON.stringify(rows));', "writeFileSync(outputs.counts!.replace('counts.json', 'stray.txt'), 'x');");
  const run = await runToy(root);
  assert.not.ok(run.outcome.ok);
  assert.equal(run.states.summary, 'failed');
  assert.match(run.reasons.summary!, /did not declare: stray\.txt/);
  assert.equal(run.states.report, 'skipped');
  assert.match(run.reasons.report!, /not run because summary failed/);
  assert.equal(run.states.other, 'ran', 'an independent stage still runs');
  assert.not.ok(existsSync(join(root, 'data/store/stages/summary')), 'no stage record for the failed stage');

  edit(root, 'stages/summary.ts', "writeFileSync(outputs.counts!.replace('counts.json', 'stray.txt'), 'x');", 'void rows;');
  const second = await runToy(root);
  assert.equal(second.states.summary, 'failed');
  assert.match(second.reasons.summary!, /declared output\(s\) not written: counts/);
});

test('a stage that returns stop commits its outputs and its dependants are skipped with the reason', async () => {
  const root = makeToyProject();
  edit(root, 'stages/summary.ts', 'writeFileSync(outputs.counts!, JSON.stringify(rows));', "writeFileSync(outputs.counts!, JSON.stringify(rows)); return { stop: 'too few people' };");
  const run = await runToy(root);
  assert.not.ok(run.outcome.ok);
  if (!run.outcome.ok) assert.is(run.outcome.reason, 'stopped');
  assert.equal(run.states.summary, 'ran');
  assert.equal(run.states.report, 'skipped');
  assert.match(run.reasons.report!, /request stopped at summary: too few people/);
  const again = await runToy(root);
  assert.equal(again.states.summary, 'hit');
  assert.equal(again.states.report, 'skipped', 'a cached stop still stops');
});

test('an invalid request id is refused before any file is touched', () => {
  for (const bad of ['../x', '', 'a b', '.hidden', 'x/y', '-rf']) {
    const root = makeToyProject();
    const r = cli(root, ['--request', bad]);
    assert.is(r.status, 2, `${JSON.stringify(bad)}: ${r.stderr}`);
    assert.match(r.stderr, /request id/);
    assert.not.ok(existsSync(join(root, 'data')), `nothing written for ${JSON.stringify(bad)}`);
  }
});

test('the CLI runs the DAG, prints plain lines off a terminal, and a second run does nothing', () => {
  const root = makeToyProject();
  const first = cli(root, ['--request', '123']);
  assert.is(first.status, 0, first.stderr);
  assert.match(first.stdout, /clean +ran/);
  const second = cli(root, ['--request', '123']);
  assert.is(second.status, 0);
  assert.match(second.stdout, /4 cached/);
  assert.not.match(second.stdout, / ran /);
  const explain = cli(root, ['--request', '123', '--explain']);
  assert.match(explain.stdout, /nothing changed/);
  const json = cli(root, ['--request', '123', '--json']);
  const events = json.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(events.some((e) => e.type === 'done' && e.status === 'ok'));
});

function waitForFile(path: string, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = () => (existsSync(path) ? resolve() : Date.now() - t0 > ms ? reject(new Error(`timed out waiting for ${path}`)) : setTimeout(tick, 50));
    tick();
  });
}

test('a stage killed mid-write leaves no committed output, and the next run clears the stale lock and recovers', async () => {
  const root = makeToyProject();
  const marker = join(root, 'hang-marker');
  const child = spawn(NODE[0]!, [...NODE.slice(1), CLI, '--config', join(root, 'pipeline.config.ts'), '--request', '123'], { cwd: root, env: { ...process.env, CI: 'true', TOY_HANG_IN_CLEAN: marker }, stdio: 'ignore' });
  await waitForFile(marker, 30_000);
  // The half-written output exists in the work folder; the lock names the child.
  const lock = JSON.parse(readFileSync(join(root, 'data/runs/123/.lock'), 'utf8'));
  assert.ok(lock.pid > 0);
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  assert.not.ok(existsSync(join(root, 'data/store/stages/clean')), 'no record committed for the killed stage');
  const objects = readdirSync(join(root, 'data/store/objects'));
  for (const o of objects) assert.not.equal(readFileSync(join(root, 'data/store/objects', o), 'utf8'), 'half a parquet file');

  const next = cli(root, ['--request', '123']);
  assert.is(next.status, 0, next.stderr + next.stdout);
  assert.match(next.stdout, /cleared a stale lock/);
  assert.match(next.stdout, /removed 1 unfinished work folder/);
  assert.match(next.stdout, /clean +ran/);
  assert.equal(readdirSync(join(root, 'data/store/tmp')), []);
});

test('a second concurrent run of the same request fails with a clear message, or waits with --wait', async () => {
  const root = makeToyProject();
  const marker = join(root, 'hang-marker');
  const child = spawn(NODE[0]!, [...NODE.slice(1), CLI, '--config', join(root, 'pipeline.config.ts'), '--request', '123'], { cwd: root, env: { ...process.env, CI: 'true', TOY_HANG_IN_CLEAN: marker }, stdio: 'ignore' });
  try {
    await waitForFile(marker, 30_000);
    const second = cli(root, ['--request', '123']);
    assert.is(second.status, 75);
    assert.match(second.stderr, new RegExp(`request 123 is already being run by process ${child.pid}`));
    const waited = cli(root, ['--request', '123', '--wait', '1']);
    assert.is(waited.status, 75, 'still busy after waiting 1 s');
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
  // SIGTERM cancelled the hanging run cleanly: lock released, nothing committed, a record says so.
  assert.not.ok(existsSync(join(root, 'data/runs/123/.lock')));
  assert.not.ok(existsSync(join(root, 'data/store/stages/clean')));
  const runs = readdirSync(join(root, 'data/runs/123')).filter((f) => f.endsWith('.json'));
  assert.is(runs.length, 1);
  assert.is(JSON.parse(readFileSync(join(root, 'data/runs/123', runs[0]!), 'utf8')).status, 'cancelled');
});

test('a missing input file is named by stage, input and path', async () => {
  const root = makeToyProject();
  const run = await runToy(root, { request: '999' });
  assert.not.ok(run.outcome.ok);
  assert.match(run.reasons.clean!, /stage clean, inputs\.people: inputs\/999\/people\.csv not found/);
});

test('graph, status, runs and gc commands', () => {
  const root = makeToyProject();
  cli(root, ['--request', '123']);
  writeFileSync(join(root, 'inputs/123/people.csv'), 'id,name,score\n1,Ada,99\n');
  cli(root, ['--request', '123']);
  const graph = cli(root, ['graph', '--request', '123']);
  assert.match(graph.stdout, /^flowchart LR/);
  assert.match(graph.stdout, /clean -->\|table\| summary/);
  assert.match(graph.stdout, /:::ran/);
  const status = cli(root, ['status', '--request', '123']);
  assert.match(status.stdout, /last run .*ok/);
  assert.match(status.stdout, /clean +ran +table 1 rows/);
  const runs = cli(root, ['runs', '--request', '123']);
  assert.is(runs.stdout.split('\n').filter((l) => /^\d{8}T/.test(l)).length, 2);
  const dry = cli(root, ['gc', '--keep', '1', '--dry-run']);
  assert.match(dry.stdout, /would keep what 1 run\(s\) need and delete [1-9]\d* stage record\(s\)/);
  const gc = cli(root, ['gc', '--keep', '1']);
  assert.match(gc.stdout, /gc deleted/);
  const after = cli(root, ['--request', '123']);
  assert.match(after.stdout, /4 cached/, 'what the last run needs survives gc');
});

test("a failing stage's error reaches the console and run record without the data value DuckDB quoted", async () => {
  const root = makeToyProject();
  // DuckDB quotes the value it cannot convert: a name here, personal data in real life.
  edit(root, 'stages/clean.sql', 'WHERE score >= $min_score', 'WHERE score >= $min_score AND CAST(name AS INTEGER) > 0');
  const run = await runToy(root);
  assert.not.ok(run.outcome.ok);
  assert.match(run.reasons.clean!, /Conversion Error/);
  assert.not.match(run.reasons.clean!, /Ada|Bea|Cal|Dee/);
  const record = JSON.stringify(run.outcome.record);
  assert.not.match(record, /Ada|Bea|Cal|Dee/);
});

test.after(removeToyProjects);
test.run();
