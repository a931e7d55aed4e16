// The command layer on the real justice DAG (request 123 of the generated demo world), through the
// real CLI: a run prints where the report is; purge, gc and withdraw under --dry-run (and withdraw
// with no target) change no file under data/; after a one-row correction and after an edit to one
// metrics SQL file, --explain exits 0 with the first stage to run, the stages below it pending,
// and the correction file or SQL file named; an unknown request is a usage error that leaves no
// run record and does not wedge the schedule.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { makeJusticeProject, removeJusticeProjects } from '../helpers/justice-project.ts';
import { cli } from '../helpers/cli.ts';
import { listFiles, sha256 } from '../../src/hash.ts';

let root = '';
const TODAY = { PIPELINE_TODAY: '2026-11-29' };
const run = (args: string[]) => cli(root, args, TODAY);

function snapshot(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of listFiles(join(root, 'data'))) if (!f.includes(`${join('data', 'reference')}`)) out[relative(root, f)] = `${sha256(readFileSync(f))} ${statSync(f).mode.toString(8)}`;
  return out;
}

type StageEvent = { type: 'stage'; stage: string; state: string; reason?: { kind: string; upstream?: string[]; changes?: { field: string; name: string; file?: string }[] } };

async function explain(): Promise<Record<string, StageEvent>> {
  const r = await run(['--request', '123', '--explain', '--json']);
  assert.is(r.status, 0, r.stdout + r.stderr);
  const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as StageEvent);
  return Object.fromEntries(events.filter((e) => e.type === 'stage').map((e) => [e.stage, e]));
}

test('a run ends by printing the record and the report path', async () => {
  root = await makeJusticeProject(['123'], { ownStages: ['metrics'] });
  const r = await run(['--request', '123']);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /published: .*data\/reports\/123\/report\.html/);
  assert.match(r.stdout, /record: .*data\/runs\/123\//);
});

test('purge, gc and withdraw under --dry-run, and withdraw with no target, change no file under data/', async () => {
  const before = snapshot();
  const runs = readdirSync(join(root, 'data/runs/123')).length;
  const purge = await run(['purge', '--request', '123', '--reason', 'provider asked', '--dry-run']);
  assert.is(purge.status, 0, purge.stderr);
  assert.match(purge.stdout, /delete requests\/123\/cohort\.csv \(input:data\/requests\/123\/cohort\.csv, personal/);
  assert.match(purge.stdout, /\(intake\.cohort, personal, \d+ rows/);
  assert.is((await run(['gc', '--keep', '1', '--dry-run'])).status, 0);
  const none = await run(['withdraw', '--request', '123']);
  assert.is(none.status, 2);
  assert.match(none.stderr, /say whom to withdraw: --row N, --reference REF, or --all/);
  const row = await run(['withdraw', '--request', '123', '--row', '5', '--dry-run']);
  assert.is(row.status, 0, row.stderr);
  assert.match(row.stdout, /would withdraw row 5 of request 123[\s\S]*delete data\/requests\/123\/cohort\.csv/);
  const all = await run(['withdraw', '--request', '123', '--all', '--dry-run', '--json']);
  assert.is(all.status, 0, all.stderr);
  assert.ok(JSON.parse(all.stdout).deletions.length > 3);
  assert.equal(snapshot(), before);
  assert.is(readdirSync(join(root, 'data/runs/123')).length, runs, 'no run record either');
});

test('after a one-row correction --explain exits 0: intake would run, naming the correction file; the stages below are pending', async () => {
  const lines = readFileSync(join(root, 'data/requests/123/cohort.csv'), 'utf8').split(/\r?\n/);
  const cells = lines[1]!.split(',');
  cells[0] = `${cells[0]}X`; // one value of one row
  mkdirSync(join(root, 'data/requests/123/corrections'), { recursive: true });
  writeFileSync(join(root, 'data/requests/123/corrections/2026-11-29-cohort.csv'), [lines[0], cells.join(','), ...lines.slice(2)].join('\n'));
  const s = await explain();
  assert.is(s.intake!.state, 'would-run');
  assert.equal(s.intake!.reason!.changes!.map((c) => [c.field, c.name, c.file]), [['inputs', 'request', 'corrections/2026-11-29-cohort.csv']]);
  assert.is(s.register!.state, 'would-hit');
  for (const below of ['linkage', 'propensity', 'metrics', 'report']) assert.is(s[below]!.state, 'pending', below);
  assert.equal(s.linkage!.reason!.upstream, ['intake']);
  const text = await run(['--request', '123', '--explain']);
  assert.is(text.status, 0);
  assert.match(text.stdout, /input request, file corrections\/2026-11-29-cohort\.csv, added/);
  assert.not.match(text.stdout, /FAILED|not available/);
  const dry = await run(['--request', '123', '--dry-run']);
  assert.is(dry.status, 0, dry.stdout);
  rmSync(join(root, 'data/requests/123/corrections'), { recursive: true });
});

test('after an edit to one metrics SQL file --explain exits 0: metrics would run, naming the file; report and purge are pending', async () => {
  appendFileSync(join(root, 'stages/metrics/age.sql'), '\n-- x\n');
  const s = await explain();
  for (const cached of ['intake', 'register', 'linkage', 'propensity']) assert.is(s[cached]!.state, 'would-hit', cached);
  assert.is(s.metrics!.state, 'would-run');
  assert.equal(s.metrics!.reason!.changes!.map((c) => [c.field, c.name]), [['code', 'stages/metrics/age.sql']]);
  assert.is(s.report!.state, 'pending');
  assert.is(s.purge!.state, 'pending');
});

test('status says what is outdated and why: metrics would run because of its SQL file, report is pending', async () => {
  const one = await run(['status', '--request', '123', '--json']);
  assert.is(one.status, 0, one.stderr);
  const s = JSON.parse(one.stdout);
  assert.is(s.upToDate, false);
  const metrics = s.outdated.find((o: { stage: string }) => o.stage === 'metrics');
  assert.is(metrics.state, 'would-run');
  assert.equal(metrics.reason.changes.map((c: { name: string }) => c.name), ['stages/metrics/age.sql']);
  assert.ok(s.outdated.some((o: { stage: string; state: string }) => o.stage === 'report' && o.state === 'pending'));
  assert.not.ok(s.outdated.some((o: { stage: string }) => o.stage === 'purge'), 'the never-cached retention check is not "outdated"');
  assert.is(s.facts.shared, 'not shared yet');
  assert.is(s.retention.due, '2027-11-02', 'never shared: at most 12 months after receipt (docs/privacy.md)');
  const all = await run(['status']);
  assert.is(all.status, 0, all.stderr);
  assert.match(all.stdout, /request 123: last run \S+ ok; outdated: metrics would run, report pending; shared: not shared yet; approved: not yet \(results [0-9a-f]{12}, version 1\); purge due 2027-11-02/);
});

test('show prints an aggregate output; a personal one only with --personal and a reason, and the access is recorded', async () => {
  const metrics = await run(['show', '--request', '123', 'metrics.metrics']);
  assert.is(metrics.status, 0, metrics.stderr);
  assert.ok(Array.isArray(JSON.parse(metrics.stdout).analyses));
  const refused = await run(['show', '--request', '123', 'intake.cohort']);
  assert.is(refused.status, 2);
  assert.match(refused.stderr, /intake\.cohort is personal data: pass --personal --reason TEXT/);
  assert.not.ok(existsSync(join(root, 'data/register/access.jsonl')));
  const shown = await run(['show', '--request', '123', 'intake.cohort', '--personal', '--reason', 'checking a reported typo', '--format', 'csv']);
  assert.is(shown.status, 0, shown.stderr);
  assert.match(shown.stdout.split('\n')[0]!, /^row,/);
  const access = readFileSync(join(root, 'data/register/access.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.is(access.length, 1);
  assert.equal([access[0].request, access[0].dataset, access[0].classification, access[0].reason, access[0].to], ['123', 'intake.cohort', 'personal', 'checking a reported typo', 'stdout']);
  const out = join(root, 'matched.csv');
  const matched = await run(['show', '--request', '123', 'propensity.matched', '--personal', '--reason', 'review', '--out', out]);
  assert.is(matched.status, 0, matched.stderr);
  assert.match(readFileSync(out, 'utf8'), /^event_id,/);
  assert.is(statSync(out).mode & 0o777, 0o600);
  assert.is((await run(['show', '--request', '123', 'nope.output'])).status, 2);
});

test('init makes a schema-valid request folder with the upload template; requests lists it; init never overwrites', async () => {
  const r = await run(['init', '--request', '456']);
  assert.is(r.status, 0, r.stderr);
  const form = JSON.parse(readFileSync(join(root, 'data/requests/456/request.json'), 'utf8')) as { id: string; data_protection_assurance: boolean };
  const { Ajv2020 } = await import('ajv/dist/2020.js');
  const addFormats = (await import('ajv-formats')).default.default;
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats(ajv);
  const valid = ajv.compile(JSON.parse(readFileSync(new URL('../../schemas/request.schema.json', import.meta.url), 'utf8')));
  assert.ok(valid(form), JSON.stringify(valid.errors));
  assert.is(form.id, '456');
  assert.is(form.data_protection_assurance, false, 'no assurance until the provider gives it');
  assert.ok(existsSync(join(root, 'data/requests/456/cohort.xlsx')));
  const again = await run(['init', '--request', '456']);
  assert.is(again.status, 2);
  const list = JSON.parse((await run(['requests', '--json'])).stdout);
  assert.equal(list.requests.map((q: { request: string }) => q.request), ['123', '456']);
});

test('the package has a bin entry that prints its version', async () => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  const { $ } = await import('zx');
  const r = await $({ nothrow: true, quiet: true })`${new URL('../../' + pkg.bin.pipeline, import.meta.url).pathname} --version`;
  assert.is(r.exitCode, 0, r.stderr);
  assert.is(r.stdout.trim(), pkg.version);
});

test('--request 999 (unknown) exits 2 and writes no run record; schedule is not wedged by it', async () => {
  const r = await run(['--request', '999']);
  assert.is(r.status, 2, r.stderr);
  assert.match(r.stderr, /unknown request 999/);
  assert.not.ok(existsSync(join(root, 'data/runs/999')));
  const schedule = await run(['schedule', '--json']);
  assert.is(schedule.status, 0, schedule.stdout + schedule.stderr);
  assert.equal((JSON.parse(schedule.stdout).lines as { request: string }[]).map((l) => l.request).filter((r) => r !== '*'), ['123', '456'], 'the quarterly audit line aside');
});

test.after(removeJusticeProjects);
test.run();
