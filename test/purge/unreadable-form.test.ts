// A request whose form (request.json) is damaged after it ran: schedule must still purge it when
// its time comes. Before, its retention rule threw ("cannot be read") on every pass, so the
// request was never run again, never refused, and its person-level data was kept for ever.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeJusticeProject, removeJusticeProjects } from '../helpers/justice-project.ts';
import { cli } from '../helpers/cli.ts';
import { unreadableFormDecision } from '../../stages/purge/retention.ts';

test.after(removeJusticeProjects);

type Line = { request: string; action: string; detail: string };
const lineOf = (stdout: string, request: string) => (JSON.parse(stdout) as { lines: Line[] }).lines.find((l) => l.request === request);

function addDays(iso: string, days: number): string {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

test('an unreadable form gets the longest retention from the first run, and none when never run', () => {
  assert.is(unreadableFormDecision({ firstRun: '2026-01-31' }).due, '2027-01-31');
  assert.is(unreadableFormDecision({ firstRun: '2026-01-31' }, { refusedDays: 30, unsharedMonths: 1 }).due, '2026-02-28');
  assert.is(unreadableFormDecision({}).due, null);
});

test('a request whose form is damaged after a run is refused on the next pass of schedule, then purged 30 days after its first run', async () => {
  const root = await makeJusticeProject(['123']);
  const first = await cli(root, ['--request', '123']);
  assert.is(first.status, 0, first.stdout + first.stderr);
  const runs = join(root, 'data/runs/123');
  const firstRun = (JSON.parse(readFileSync(join(runs, readdirSync(runs).filter((f) => /^\d{8}T.*\.json$/.test(f)).sort()[0]!), 'utf8')) as { started: string }).started.slice(0, 10);
  writeFileSync(join(root, 'data/requests/123/request.json'), '{ "id": "123", ');

  const next = await cli(root, ['schedule', '--json'], { PIPELINE_TODAY: addDays(firstRun, 1) });
  const line = lineOf(next.stdout, '123');
  assert.ok(line, next.stdout + next.stderr);
  assert.is.not(line!.action, 'failed', line!.detail);
  assert.is(line!.action, 'stopped', 'intake refuses the request: its form cannot be read');

  const later = await cli(root, ['schedule', '--json'], { PIPELINE_TODAY: addDays(firstRun, 31) });
  assert.is(lineOf(later.stdout, '123')?.action, 'purged', later.stdout + later.stderr);
  assert.not.ok(existsSync(join(root, 'data/requests/123/cohort.csv')), 'the upload is gone');
});

test.run();
