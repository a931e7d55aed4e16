// Two live requests share people (the 123 and 124). Purging 124 must not make the audit
// fail on 123's own, legitimate, copies of the same people; a stray copy of someone only 124 held
// is still found.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeJusticeProject, pipeline, removeJusticeProjects } from '../helpers/justice-project.ts';

test('purging a request that shares people with a live one: the audit passes, and still finds a stray copy', async () => {
  const root = await makeJusticeProject(['123']);
  const env = { PIPELINE_TODAY: '2026-11-11' };
  const dir = join(root, 'data/requests/124');
  cpSync(join(root, 'data/requests/123'), dir, { recursive: true });
  const form = JSON.parse(readFileSync(join(dir, 'request.json'), 'utf8'));
  writeFileSync(join(dir, 'request.json'), JSON.stringify({ ...form, id: '124' }, null, 2));
  // 124: the same people, plus one only 124 sent.
  const lines = readFileSync(join(dir, 'cohort.csv'), 'utf8').trimEnd().split(/\r?\n/);
  const extra = lines[1]!.split(',');
  extra[0] = 'ONLY-124';
  extra[1] = 'Quorrowby';
  extra[2] = 'Brindleton';
  extra[3] = '14/07/1988';
  extra[5] = '';
  extra[6] = '';
  writeFileSync(join(dir, 'cohort.csv'), [...lines, extra.join(',')].join('\n') + '\n');

  for (const r of ['123', '124']) {
    const run = pipeline(root, ['--request', r], env);
    assert.is(run.status, 0, run.stdout + run.stderr);
  }
  const purge = pipeline(root, ['purge', '--request', '124', '--reason', 'test', '--yes'], env);
  assert.is(purge.status, 0, purge.stdout + purge.stderr);

  const audit = pipeline(root, ['audit', '--json'], env);
  const report = JSON.parse(audit.stdout);
  assert.equal(report.findings, [], JSON.stringify(report.findings.slice(0, 5)));
  assert.ok(report.excused > 100, `${report.excused} matches in 123's own data excused`);
  assert.is(audit.status, 0);

  mkdirSync(join(root, 'data/exports'), { recursive: true });
  writeFileSync(join(root, 'data/exports/list.csv'), 'name,dob\nBrindleton Quorrowby,1988-07-14\n');
  // And a copy among 123's published files of the person 123 never sent: belonging to a live
  // request is not enough, the request must hold that person itself.
  writeFileSync(join(root, 'data/reports/123/notes.txt'), 'call Quorrowby Brindleton\n');
  const again = JSON.parse(pipeline(root, ['audit', '--json'], env).stdout);
  assert.equal(again.findings.map((f: { file: string; request: string }) => [f.file, f.request]).sort(), [['exports/list.csv', '124'], ['reports/123/notes.txt', '124']]);
});

test.after(removeJusticeProjects);
test.run();
