// The command layer on the toy DAG, through the real CLI: every command's --help lists its flags,
// an unknown flag or request is a usage error that writes nothing, a pipe closed early prints no
// stack trace, --explain and --dry-run are right whatever is outdated, gc never deletes what a
// live run uses, and destructive commands under --dry-run change nothing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawn } from 'node:child_process';
import { edit, makeToyProject, removeToyProjects, writePeople } from '../helpers/toy-dag.ts';
import { cli, cliPiped, CLI } from '../helpers/cli.ts';
import { listFiles, sha256 } from '../../src/hash.ts';
import { FRAMEWORK_COMMANDS } from '../../src/commands/index.ts';
import { helpText } from '../../src/commands/command.ts';

const runRecords = (root: string) => (existsSync(join(root, 'data/runs/123')) ? readdirSync(join(root, 'data/runs/123')).filter((f) => /^\d{8}T/.test(f)) : []);

/** Every file under data/ with its bytes' hash and mode: what "nothing changed" means. */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of listFiles(join(root, 'data'))) out[relative(root, f)] = `${sha256(readFileSync(f))} ${statSync(f).mode.toString(8)}`;
  return out;
}

test("every command's --help (the framework's and the justice ones) names each of its flags, and exits 0", async () => {
  const config = (await import('../../pipeline.config.ts')).default;
  const justice = Object.entries(config.commands ?? {}).map(([name, module]) => [name, () => import(new URL(`../../${module}`, import.meta.url).href)] as const);
  assert.equal(justice.map(([n]) => n).sort(), ['approve', 'init', 'link', 'psm', 'share', 'withdraw']);
  for (const [name, load] of [...Object.entries(FRAMEWORK_COMMANDS), ...justice]) {
    const spec = (await load()).default;
    const help = helpText(spec);
    for (const flag of Object.keys(spec.options)) assert.ok(help.includes(`--${flag}`), `${name} --help lacks --${flag}`);
    for (const [flag, o] of Object.entries(spec.options) as [string, { description: string }][]) assert.ok(o.description.length > 10, `${name} --${flag} has no description`);
  }
  const root = makeToyProject();
  const r = await cli(root, ['gc', '--help']);
  assert.is(r.status, 0);
  assert.match(r.stdout, /--keep N[\s\S]*--dry-run[\s\S]*--wait SECONDS/);
});

test('an unknown flag exits 2 and leaves no run record; so does an unknown stage', async () => {
  const root = makeToyProject();
  for (const args of [['--request', '123', '--bogus'], ['--request', '123', '--force', 'nope'], ['status', '--request', '123', '--dry-run'], ['schedule', '--dryrun'], ['audit', '--force', 'x']]) {
    const r = await cli(root, args);
    assert.is(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /error: /);
    assert.not.match(r.stderr, /\n\s+at /, 'no stack trace');
  }
  assert.equal(runRecords(root), []);
  assert.not.ok(existsSync(join(root, 'data/runs/123')), 'not even the folder');
  // --only a stage whose inputs are not cached yet: refused before anything runs.
  const only = await cli(root, ['--request', '123', '--only', 'summary']);
  assert.is(only.status, 2, only.stderr);
  assert.match(only.stderr, /--only summary: clean is not cached/);
  assert.equal(runRecords(root), []);
  const json = await cli(root, ['--request', '123', '--bogus', '--json']);
  assert.is(json.status, 2);
  assert.is(JSON.parse(json.stdout).type, 'error');
});

test('piping any command into a reader that has gone prints no stack trace', async () => {
  const root = makeToyProject();
  assert.is((await cli(root, ['--request', '123'])).status, 0);
  for (const args of [['status', '--request', '123'], ['runs', '--request', '123'], ['graph'], ['--help'], ['--request', '123', '--explain']]) {
    const r = await cliPiped(root, args, 'true');
    assert.not.match(r.stderr, /EPIPE|Error|\n\s+at /, `${args.join(' ')}: ${r.stderr}`);
  }
});

test('--explain and --dry-run exit 0 when several stages are outdated: the first would run, those below are pending', async () => {
  const root = makeToyProject();
  assert.is((await cli(root, ['--request', '123'])).status, 0);
  edit(root, 'stages/clean.sql', 'ORDER BY id', 'ORDER BY id, name');
  for (const flag of ['--explain', '--dry-run']) {
    const r = await cli(root, ['--request', '123', flag, '--json']);
    assert.is(r.status, 0, r.stderr);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const state = Object.fromEntries(events.filter((e) => e.type === 'stage').map((e) => [e.stage, e]));
    assert.is(state.clean.state, 'would-run');
    assert.equal(state.clean.reason.changes.map((c: { field: string; name: string }) => [c.field, c.name]), [['code', 'stages/clean.sql']]);
    assert.is(state.summary.state, 'pending');
    assert.equal(state.summary.reason.upstream, ['clean']);
    assert.is(state.report.state, 'pending', 'below a pending stage: pending too, not failed');
    assert.equal(state.report.reason.upstream, ['summary']);
    assert.is(state.other.state, 'would-hit');
  }
  const text = await cli(root, ['--request', '123', '--explain']);
  assert.match(text.stdout, /code file stages\/clean\.sql changed/);
  assert.match(text.stdout, /report\s+pending/);
});

test('a changed file in a folder input is named by its path in the folder', async () => {
  const root = makeToyProject();
  // A toy stage reading a whole folder, like intake reads a request's folder.
  writeFileSync(join(root, 'stages/folder.ts'), `
import { readdirSync, writeFileSync } from 'node:fs';
import { defineStage } from '${join(root, '..', '..', 'src')}/stage.ts';
export default defineStage({
  name: 'folder',
  inputs: { files: 'file:inputs/{request}' },
  outputs: { names: { format: 'json', classification: 'aggregate' } },
  async run({ inputs, outputs }) { writeFileSync(outputs.names!, JSON.stringify(readdirSync(inputs.files!).sort())); },
});
`);
  edit(root, 'pipeline.config.ts', "'./stages/other.ts'", "'./stages/other.ts', './stages/folder.ts'");
  assert.is((await cli(root, ['--request', '123'])).status, 0);
  writeFileSync(join(root, 'inputs/123/2026-11-29-extra.csv'), 'id\n1\n');
  const r = await cli(root, ['--request', '123', '--explain', '--json']);
  assert.is(r.status, 0, r.stderr);
  const folder = r.stdout.trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.type === 'stage' && e.stage === 'folder').at(-1);
  assert.is(folder.state, 'would-run');
  assert.equal(folder.reason.changes.map((c: { name: string; file?: string; before?: string }) => [c.name, c.file, c.before]), [['files', '2026-11-29-extra.csv', undefined]]);
  const text = await cli(root, ['--request', '123', '--explain']);
  assert.match(text.stdout, /input files, file 2026-11-29-extra\.csv, added/);
});

test('purge --dry-run and gc --dry-run change no file under data/; purge without --reason exits 2', async () => {
  const root = makeToyProject();
  assert.is((await cli(root, ['--request', '123'])).status, 0);
  writePeople(root, '123', [[1, 'Ada', 60], [2, 'Bea', 55]]);
  assert.is((await cli(root, ['--request', '123'])).status, 0);
  const before = snapshot(root);
  const purge = await cli(root, ['purge', '--request', '123', '--reason', 'test', '--dry-run']);
  assert.is(purge.status, 0, purge.stderr);
  assert.match(purge.stdout, /dry run: purge of request 123 \(personal\) would delete [1-9]\d* item\(s\); nothing was deleted/);
  assert.match(purge.stdout, /delete store\/objects\/[0-9a-f]{64} \(clean\.table, personal/);
  const gc = await cli(root, ['gc', '--keep', '1', '--dry-run']);
  assert.is(gc.status, 0, gc.stderr);
  assert.match(gc.stdout, /gc would keep what 1 run\(s\) need and delete [1-9]\d* stage record\(s\) and [1-9]\d* blob\(s\)/);
  assert.equal(snapshot(root), before);
  assert.ok(existsSync(join(root, 'inputs/123/people.csv')));
  const noReason = await cli(root, ['purge', '--request', '123']);
  assert.is(noReason.status, 2);
  assert.equal(snapshot(root), before);
});

test('gc records each deleted blob that held person-level data in the deletion register, and nothing for aggregates', async () => {
  const root = makeToyProject();
  assert.is((await cli(root, ['--request', '123'])).status, 0);
  const first = JSON.parse(readFileSync(join(root, 'data/runs/123', runRecords(root).sort()[0]!), 'utf8'));
  writePeople(root, '123', [[1, 'Ada', 60], [2, 'Bea', 55]]);
  assert.is((await cli(root, ['--request', '123'])).status, 0);
  const gc = await cli(root, ['gc', '--keep', '1', '--yes']);
  assert.is(gc.status, 0, gc.stderr);
  const entries = readFileSync(join(root, 'data/register/deletions.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  // the first run's cleaned table (personal) went, and the register says so, by hash, never by value
  const oldTable = first.stages.clean.outputs.table.hash;
  assert.not.ok(existsSync(join(root, 'data/store/objects', oldTable)));
  const entry = entries.find((e) => e.blob === oldTable);
  assert.ok(entry, `no register entry for the deleted table (${gc.stdout})`);
  assert.equal([entry.rule, entry.dataset, entry.classification, entry.request], ['gc', 'clean.table', 'personal', '123']);
  assert.ok(entries.every((e) => e.classification !== 'aggregate'), 'aggregates are not person-level data');
  assert.match(gc.stdout, new RegExp(`; ${entries.length} deletion\\(s\\) of person-level data recorded`));
  assert.not.match(readFileSync(join(root, 'data/register/deletions.jsonl'), 'utf8'), /Ada|Bea/);
  // the chain still verifies
  const audit = await cli(root, ['audit', '--json']);
  assert.ok(JSON.parse(audit.stdout).chain.length === 0, audit.stdout);
});

test('gc during a run deletes nothing (exit 75); the run completes with every output intact', async () => {
  const root = makeToyProject();
  assert.is((await cli(root, ['--request', '123'])).status, 0);
  // The second run re-runs clean (new people), commits its table, then pauses inside summary.
  writePeople(root, '123', [[1, 'Ada', 60], [2, 'Bea', 55], [5, 'Eve', 80]]);
  const flag = join(root, 'pause');
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, '--config', join(root, 'pipeline.config.ts'), '--request', '123'], { cwd: root, env: { ...process.env, CI: 'true', TOY_PAUSE_IN_SUMMARY: flag }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
  while (!existsSync(`${flag}.paused`)) await new Promise((r) => setTimeout(r, 50));
  const blobs = readdirSync(join(root, 'data/store/objects')).sort();
  const gc = await cli(root, ['gc', '--keep', '1']);
  assert.is(gc.status, 75, gc.stdout + gc.stderr);
  assert.match(gc.stderr, /request 123 is being run by process \d+/);
  assert.equal(readdirSync(join(root, 'data/store/objects')).sort(), blobs, 'nothing deleted');
  writeFileSync(`${flag}.go`, '');
  assert.is(await exited, 0);
  const last = runRecords(root).sort().at(-1)!;
  const record = JSON.parse(readFileSync(join(root, 'data/runs/123', last), 'utf8'));
  assert.is(record.status, 'ok');
  for (const s of Object.values(record.stages) as { outputs?: Record<string, { hash: string }> }[]) {
    for (const o of Object.values(s.outputs ?? {})) assert.ok(existsSync(join(root, 'data/store/objects', o.hash)), `${o.hash} is there`);
  }
  // Once the run has ended, gc may delete what no kept run needs, and never what the last run uses.
  const after = await cli(root, ['gc', '--keep', '1', '--json']);
  assert.is(after.status, 0, after.stderr);
  assert.ok(JSON.parse(after.stdout).deleted.blobs > 0);
  for (const s of Object.values(record.stages) as { outputs?: Record<string, { hash: string }> }[]) {
    for (const o of Object.values(s.outputs ?? {})) assert.ok(existsSync(join(root, 'data/store/objects', o.hash)));
  }
  rmSync(`${flag}.go`);
});

test('an unknown request is a usage error; status, runs and graph answer in JSON', async () => {
  const root = makeToyProject();
  const r = await cli(root, ['--request', '999']);
  assert.is(r.status, 1, 'the toy DAG lists no requests: its missing input file is the error');
  assert.is((await cli(root, ['--request', '123'])).status, 0);
  const status = JSON.parse((await cli(root, ['status', '--request', '123', '--json'])).stdout);
  assert.is(status.request, '123');
  const runs = JSON.parse((await cli(root, ['runs', '--request', '123', '--json'])).stdout);
  assert.is(runs.runs.length, 1);
  assert.is(runs.runs[0].ran.find((s: { stage: string }) => s.stage === 'clean').reason.kind, 'new');
  const graph = JSON.parse((await cli(root, ['graph', '--json'])).stdout);
  assert.equal(graph.stages.map((s: { name: string }) => s.name).sort(), ['clean', 'other', 'report', 'summary']);
});

test.after(removeToyProjects);
test.run();
