// The life of request 123 through the real CLI, in a scratch project: a first run and a no-op
// re-run; verify; a correction that changes nothing downstream (early cutoff) and one that does
// (diff names the row and the metric deltas); schedule twice; a withdrawn person; and finally the
// purge, after which no identifier is left anywhere and the aggregates still diff.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeJusticeProject, pipeline, removeJusticeProjects } from '../helpers/justice-project.ts';
import { Duck } from '../../src/duck.ts';
import type { RunRecord } from '../../src/records.ts';

let root = '';
const runsDir = () => join(root, 'data/runs/123');
const records = (): RunRecord[] => readdirSync(runsDir()).filter((f) => /^\d{8}T.*\.json$/.test(f)).sort().map((f) => JSON.parse(readFileSync(join(runsDir(), f), 'utf8')));
const latest = () => records().at(-1)!;
const ran = (r: RunRecord) => Object.entries(r.stages).filter(([, s]) => s.status === 'ran').map(([n]) => n).sort();
const blob = (hash: string) => join(root, 'data/store/objects', hash);

// Results are shared on 2026-11-10 below; the review period then ends on 2026-12-08. The runs in
// between happen "on" 2026-11-11, so the retention check does not purge in the middle of the story.
function ok(args: string[], env: Record<string, string> = {}) {
  const r = pipeline(root, args, { PIPELINE_TODAY: '2026-11-11', ...env });
  assert.is(r.status, 0, `${args.join(' ')} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

async function rowsOf(parquet: string, sql: string): Promise<Record<string, unknown>[]> {
  const db = await Duck.open({ threads: 1 });
  try {
    return await db.json(sql.replace('$T', 'read_parquet($p)'), { p: parquet });
  } finally {
    db.close();
  }
}

/** The cohort CSV as lines, and a writer for a correction of it. */
const cohortLines = () => readFileSync(join(root, 'data/requests/123/cohort.csv'), 'utf8').split(/\r?\n/);
function writeCorrection(day: string, lines: string[]) {
  mkdirSync(join(root, 'data/requests/123/corrections'), { recursive: true });
  writeFileSync(join(root, 'data/requests/123/corrections', `${day}-cohort.csv`), lines.join('\n'));
}

test('first run, then a re-run that runs only the retention check', async () => {
  root = await makeJusticeProject(['123']);
  const first = ok(['--request', '123']);
  assert.match(first, /run .*: ok: 8 ran/);
  assert.ok(existsSync(join(root, 'data/reports/123/report.html')));
  const again = ok(['--request', '123']);
  assert.match(again, /ok: 7 cached, 1 ran/);
  assert.equal(ran(latest()), ['purge']);
});

test('verify re-executes every stage of request 123 and finds the same bytes', () => {
  const out = ok(['verify', '--request', '123']);
  assert.not.match(out, /NOT-REPRODUCIBLE/);
});

test('a correction that leaves the normalised cohort unchanged stops at intake (early cutoff)', () => {
  // Notes are not carried into the cohort: intake re-runs on the new file, its cohort bytes do not change.
  const lines = cohortLines();
  const header = lines[0]!.split(',');
  const notes = header.indexOf('notes');
  assert.ok(notes >= 0, 'the upload has a notes column');
  const cells = lines[1]!.split(',');
  cells[notes] = 'corrected note';
  writeCorrection('2026-11-10', [lines[0]!, cells.join(','), ...lines.slice(2)]);
  ok(['--request', '123']);
  const r = latest();
  assert.is(r.stages.intake!.status, 'ran');
  assert.match(JSON.stringify(r.stages.intake!.reason), /inputs/);
  for (const s of ['register', 'linkage-model', 'linkage', 'propensity', 'metrics']) assert.is(r.stages[s]!.status, 'hit', `${s} stays cached`);
  // The intake summary names the file it read, and the report's footer carries its input hashes:
  // the report is rebuilt, the analysis is not.
  assert.is(r.stages.report!.status, 'ran');
  assert.match(JSON.stringify(r.stages.report!.reason), /intakeSummary/);
});

test('sharing the results freezes them as version 1 and starts the review period', () => {
  // A second analyst approves the exact results first (issue 20); share refuses them otherwise.
  ok(['approve', '--request', '123', '--by', 'Second Analyst'], { PIPELINE_TODAY: '2026-11-10' });
  const out = ok(['share', '--request', '123'], { PIPELINE_TODAY: '2026-11-10' });
  assert.match(out, /version 1 \(results [0-9a-f]{12}\) shared on 2026-11-10, approved by Second Analyst/);
  assert.ok(existsSync(join(root, 'data/requests/123/shared/v1-results.json')));
  assert.is(JSON.parse(readFileSync(join(root, 'data/requests/123/request.json'), 'utf8')).dates.results_shared, '2026-11-10');
  ok(['--request', '123'], { PIPELINE_TODAY: '2026-11-10' });
  const results = JSON.parse(readFileSync(join(root, 'data/reports/123/results.json'), 'utf8'));
  assert.is(results.report_version, 1, 'the same figures stay version 1');
  assert.is(results.erratum, null);
});

test('a one-row correction re-runs only what its bytes touch, and diff names the row and the metric deltas', async () => {
  // Blank one linked person's row: every later row keeps its number.
  const before = latest();
  const links = await rowsOf(blob(before.stages.linkage!.outputs!.links!.hash), "SELECT row FROM $T WHERE status = 'linked' ORDER BY row LIMIT 1");
  const row = Number(links[0]!.row);
  const lines = readFileSync(join(root, 'data/requests/123/corrections/2026-11-10-cohort.csv'), 'utf8').split('\n');
  lines[row - 1] = '';
  writeCorrection('2026-11-11', lines);
  ok(['--request', '123']);
  const r = latest();
  assert.is(r.stages.register!.status, 'hit', 'the register is request-independent and stays cached');
  for (const s of ['intake', 'linkage', 'propensity', 'metrics', 'report']) assert.is(r.stages[s]!.status, 'ran', `${s} re-ran`);
  const diff = pipeline(root, ['diff', '--request', '123', '--exit-code'], { PIPELINE_TODAY: '2026-11-11' });
  assert.is(diff.status, 1, diff.stderr);
  assert.match(diff.stdout, new RegExp(`removed row=${row}\\b`));
  assert.match(diff.stdout, /group_sizes|treatment/);
  assert.match(diff.stdout, /->/);
  // Results were shared, and a one-person change would let the provider difference the two
  // versions (stages/metrics/disclosure.ts): version 1 stands, with a note, figures unchanged.
  const results = JSON.parse(readFileSync(join(root, 'data/reports/123/results.json'), 'utf8'));
  const shared = JSON.parse(readFileSync(join(root, 'data/requests/123/shared/v1-results.json'), 'utf8'));
  assert.is(results.report_version, 1);
  assert.equal(results, shared.results);
  const html = readFileSync(join(root, 'data/reports/123/report.html'), 'utf8');
  assert.match(html, /Not re-issued/);
  assert.match(html, /version 1, shared on 2026-11-10, stand/);
});

test('schedule run twice in a row does nothing the second time', () => {
  ok(['schedule']);
  const second = ok(['schedule', '--json']);
  const summary = JSON.parse(second) as { lines: { request: string; action: string }[] };
  assert.equal(summary.lines.map((l) => [l.request, l.action]), [['123', 'up to date']]);
});

test('a withdrawn person is absent from every later output, the numbers change, older copies are purged', async () => {
  const before = latest();
  const linked = await rowsOf(blob(before.stages.linkage!.outputs!.links!.hash), "SELECT row FROM $T WHERE status = 'linked' ORDER BY row DESC LIMIT 1");
  const row = Number(linked[0]!.row);
  const metricsOf = (r: RunRecord) => JSON.parse(readFileSync(blob(r.stages.metrics!.outputs!.metrics!.hash), 'utf8'));
  const treatedBefore = metricsOf(before).analyses[0].group_sizes.treatment as number;
  // A mistyped flag is a usage error (exit 2) that changes nothing; --help prints the usage.
  const runsBefore = records().length;
  const typo = pipeline(root, ['withdraw', '--request', '123', '--rows', String(row)], { PIPELINE_TODAY: '2026-11-11' });
  assert.is(typo.status, 2);
  assert.match(typo.stderr, /Unknown option "--rows"[\s\S]*usage: pipeline withdraw/);
  assert.is(records().length, runsBefore, 'no run was started');
  assert.match(ok(['withdraw', '--help']), /usage: pipeline withdraw --request ID/);
  const out = ok(['withdraw', '--request', '123', '--row', String(row)]);
  assert.match(out, new RegExp(`row ${row} withdrawn; [1-9]\\d* older item\\(s\\)`));
  const after = latest();
  const cohort = await rowsOf(blob(after.stages.intake!.outputs!.cohort!.hash), `SELECT count(*)::INTEGER AS n FROM $T WHERE row = ${row}`);
  assert.is(cohort[0]!.n, 0);
  const links = await rowsOf(blob(after.stages.linkage!.outputs!.links!.hash), `SELECT count(*)::INTEGER AS n FROM $T WHERE row = ${row}`);
  assert.is(links[0]!.n, 0);
  const treatedAfter = metricsOf(after).analyses[0].group_sizes.treatment as number;
  // One person fewer, and the propensity model is refitted without them, so another treated
  // person may fall off common support (outside every caliper): the group shrinks by at least one.
  assert.ok(treatedAfter <= treatedBefore - 1 && treatedAfter >= treatedBefore - 3, `${treatedBefore} -> ${treatedAfter}`);
  assert.not.ok(existsSync(blob(before.stages.intake!.outputs!.cohort!.hash)), 'the older cohort blob is purged');
  const register = readFileSync(join(root, 'data/register/deletions.jsonl'), 'utf8');
  assert.match(register, /withdrawal of one person/);
  assert.not.match(register, new RegExp(`row ${row}\\b`), 'the register does not say which row');
  const audit = ok(['audit']);
  assert.match(audit, /audit passed/);
});

test('a forced purge leaves no identifier anywhere under data/, keeps the aggregates, and diffs still work', () => {
  const out = ok(['purge', '--request', '123', '--reason', 'end-to-end test']);
  assert.match(out, /purged \d+ item/);
  assert.not.ok(existsSync(join(root, 'data/requests/123')), 'the upload, corrections and request form are gone');
  const audit = ok(['audit', '--deep', '--json']);
  const report = JSON.parse(audit);
  assert.ok(report.ok, audit);
  assert.ok(report.scanned > 10);
  assert.ok(existsSync(join(root, 'data/reports/123/report.html')), 'the published report stays');
  const diff = pipeline(root, ['diff', '--request', '123', '--stage', 'metrics']);
  assert.is(diff.status, 0, diff.stderr);
  const status = ok(['status', '--request', '123']);
  assert.match(status, /request 123 was purged on/);
  const rerun = pipeline(root, ['--request', '123']);
  assert.is(rerun.status, 1);
  assert.match(rerun.stderr, /request 123 was purged on \d{4}-\d{2}-\d{2}/);
});

test.after(removeJusticeProjects);
test.run();
