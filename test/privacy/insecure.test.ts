// Deleted on receipt (DPIA): a request sent over an insecure channel, after one run, leaves none of
// its identifiers in any file under data/, its deletions are in the register, and the provider
// notice exists. Then schedule says it is purged and runs the quarterly audit, which passes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeJusticeProject, pipeline, removeJusticeProjects } from '../helpers/justice-project.ts';
import { demoWorld } from '../helpers/demo-world.ts';
import { dataFiles, filesHolding, identifyingStrings, readCohort } from './helpers.ts';
import { testTempDir } from '../helpers/temp-dir.ts';

let root = '';

test('an emailed request is deleted on receipt: nothing of it under data/, register entries, a notice for the provider', async () => {
  root = await makeJusticeProject([]);
  const dir = join(root, 'data/requests/124');
  cpSync(join(await demoWorld(), 'requests/123'), dir, { recursive: true });
  const form = JSON.parse(readFileSync(join(dir, 'request.json'), 'utf8'));
  writeFileSync(join(dir, 'request.json'), JSON.stringify({ ...form, id: '124', transfer_channel: 'email', dates: { ...form.dates, received: '2025-04-01' } }, null, 2));
  const people = readCohort(join(dir, 'cohort.csv'));
  assert.ok(people.length > 500);
  const env = { PIPELINE_TODAY: '2025-04-02' };

  const run = pipeline(root, ['--request', '124'], env);
  assert.is(run.status, 3, run.stdout + run.stderr);
  assert.match(run.stdout + run.stderr, /insecure channel/);
  assert.not.ok(existsSync(dir), 'the upload and the form are gone');

  // No identifier of any of its people anywhere under data/ (the national register aside).
  const files = dataFiles(join(root, 'data'));
  assert.ok(files.length > 5, files.join(', '));
  const strings = people.flatMap(identifyingStrings);
  assert.equal(await filesHolding(join(root, 'data'), files, strings), []);
  // Nor a name beside a date of birth, in either spelling.
  for (const f of files) {
    const text = readFileSync(join(root, 'data', f), 'latin1').toUpperCase();
    for (const p of people) {
      if (!p.surname || !text.includes(p.surname.toUpperCase())) continue;
      const [y, m, d] = p.dob.split('-');
      assert.not.ok(text.includes(p.dob) || text.includes(`${d}/${m}/${y}`), `${f}: a surname beside its date of birth`);
    }
  }
  assert.not.ok(files.some((f) => /rejections/.test(f)), 'no rejection file quoting values');

  // The register: one entry per deleted file, with the reason, no value.
  const register = readFileSync(join(root, 'data/register/deletions.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const mine = register.filter((e) => e.request === '124');
  assert.equal(mine.map((e) => e.dataset).sort(), ['input:data/requests/124/cohort.csv', 'input:data/requests/124/request.json']);
  for (const e of mine) {
    assert.match(e.reason, /insecure channel: deleted on receipt/);
    assert.match(e.rule, /deleted on receipt/);
    assert.match(e.mac, /^[0-9a-f]{64}$/);
  }

  // The notice: why, what, how to resend.
  const notice = readFileSync(join(root, 'data/notices/124/deleted-on-receipt.html'), 'utf8');
  assert.match(notice, /deleted on receipt/);
  assert.match(notice, /<strong>email<\/strong>, which is not/);
  assert.match(notice, /cohort\.csv/);
  assert.match(notice, new RegExp(mine.find((e) => e.dataset.endsWith('cohort.csv')).blob));
  assert.match(notice, /How to resend/);
  assert.match(notice, /cjsm/);

  // The run record says purged; a re-run says so; schedule knows, and runs the quarterly audit.
  const again = pipeline(root, ['--request', '124'], env);
  assert.is(again.status, 1);
  assert.match(again.stderr, /request 124 was purged on/);
  const first = JSON.parse(pipeline(root, ['schedule', '--json'], env).stdout);
  assert.equal(first.lines.find((l: { request: string }) => l.request === '124').action, 'already purged');
  const auditLine = first.lines.find((l: { action: string }) => l.action === 'audited');
  assert.ok(auditLine, JSON.stringify(first));
  assert.match(auditLine.detail, /^passed/);
  assert.match(auditLine.detail, /digest \d+:[0-9a-f]{64}/);
  const second = JSON.parse(pipeline(root, ['schedule', '--json'], env).stdout);
  assert.not.ok(second.lines.some((l: { action: string }) => l.action === 'audited'), 'not again within the quarter');
  const later = JSON.parse(pipeline(root, ['schedule', '--json'], { PIPELINE_TODAY: '2025-07-03' }).stdout);
  assert.ok(later.lines.some((l: { action: string }) => l.action === 'audited'), 'again a quarter later');
});

test('a request refused for another reason is purged by schedule 30 days after receipt, with the reason recorded', async () => {
  const dir = join(root, 'data/requests/125');
  cpSync(join(await demoWorld(), 'requests/123'), dir, { recursive: true });
  const form = JSON.parse(readFileSync(join(dir, 'request.json'), 'utf8'));
  writeFileSync(join(dir, 'request.json'), JSON.stringify({ ...form, id: '125', dates: { ...form.dates, received: '2025-05-01' } }, null, 2));
  // Too few people: refused at intake, with a rejection file that may quote values.
  const lines = readFileSync(join(dir, 'cohort.csv'), 'utf8').split(/\r?\n/);
  // and one impossible date of birth, so there is a rejection file quoting it.
  const bad = lines[1]!.split(',');
  bad[3] = '31/02/1990';
  writeFileSync(join(dir, 'cohort.csv'), [lines[0], bad.join(','), ...lines.slice(2, 21)].join('\n') + '\n');
  const run = pipeline(root, ['--request', '125'], { PIPELINE_TODAY: '2025-05-02' });
  assert.is(run.status, 3, run.stderr);
  assert.ok(existsSync(dir), 'kept for the provider to query until due');
  const early = JSON.parse(pipeline(root, ['schedule', '--json'], { PIPELINE_TODAY: '2025-05-30' }).stdout);
  const line = early.lines.find((l: { request: string }) => l.request === '125');
  assert.is(line.action, 'stopped');
  assert.match(line.detail, /purge due 2025-05-31/);
  assert.ok(existsSync(dir));
  const due = JSON.parse(pipeline(root, ['schedule', '--json'], { PIPELINE_TODAY: '2025-05-31' }).stdout);
  assert.equal(due.lines.find((l: { request: string }) => l.request === '125').action, 'purged');
  assert.not.ok(existsSync(dir));
  const entries = readFileSync(join(root, 'data/register/deletions.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.request === '125');
  assert.ok(entries.some((e) => e.dataset === 'intake.rejections'), 'the rejection file quoting values went too');
  assert.ok(entries.some((e) => e.dataset === 'input:data/requests/125/cohort.csv'));
  for (const e of entries) {
    assert.is(e.reason, 'request refused');
    assert.match(e.rule, /refused: 30 days after receipt on 2025-05-01/);
  }
});

test('intake: a named insecure channel is deleted unread; a form that names no channel is refused, not deleted', async () => {
  const { default: intake } = await import('../../stages/intake/stage.ts');
  const { runStageDirect } = await import('../helpers/run-stage.ts');
  const url = new URL('../../stages/intake/stage.ts', import.meta.url).href;
  const scratch = testTempDir('insecure-');
  try {
    for (const [channel, deleted] of [['email', true], ['dropbox', true], [undefined, false]] as const) {
      const dir = join(scratch, String(channel));
      cpSync(join(await demoWorld(), 'requests/123'), dir, { recursive: true });
      const form = JSON.parse(readFileSync(join(dir, 'request.json'), 'utf8'));
      if (channel) form.transfer_channel = channel;
      else delete form.transfer_channel;
      writeFileSync(join(dir, 'request.json'), JSON.stringify(form));
      const r = await runStageDirect(intake, url, { inputs: { request: dir }, request: '123' });
      const result = r.result as { stop?: string; purge?: { classifications: string[] } };
      assert.ok(result.stop, `${channel}: refused`);
      assert.is(!!result.purge, deleted, `${channel}: deleted on receipt`);
      assert.is(existsSync(r.outputs.notice!), deleted);
      assert.not.ok(existsSync(r.outputs.cohort!), 'no cohort');
      if (deleted) {
        assert.not.ok(existsSync(r.outputs.rejections!), 'no rejection file quoting values');
        assert.equal(result.purge!.classifications, ['personal', 'pseudonymised']);
      }
      rmSync(r.workDir, { recursive: true, force: true });
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});

test.after(removeJusticeProjects);
test.run();
