// Commands used by mistake, on the real justice DAG (request 123 of the generated demo world),
// through the real CLI: a dry run that must not touch the private folder either, an option given
// twice, counts that are not plain digits, an empty --reference, an id one leading zero away from
// an existing request, a reason that names a person, a withdrawal of a person the cohort holds
// twice, a purge interrupted half way and then re-run, and a purge run twice.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from 'csv-parse/sync';
import { makeJusticeProject, removeJusticeProjects } from '../helpers/justice-project.ts';
import { cli } from '../helpers/cli.ts';
import { listFiles, sha256 } from '../../src/hash.ts';

let root = '';
const TODAY = { PIPELINE_TODAY: '2026-11-29' };
const run = (args: string[]) => cli(root, args, TODAY);
const data = () => join(root, 'data');

/** Every file and folder under data/ (the register's link aside) and the private folder: bytes and mode. */
function snapshot(): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    out[relative(root, dir)] = `dir ${statSync(dir).mode.toString(8)}`;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (p === join(data(), 'reference')) continue;
      if (e.isDirectory()) walk(p);
      else out[relative(root, p)] = `${sha256(readFileSync(p))} ${statSync(p).mode.toString(8)}`;
    }
  };
  walk(data());
  walk(join(root, 'private'));
  return out;
}

/** A usage error: exit 2, the thing named, no stack trace. */
function refused(r: { status: number; stdout: string; stderr: string }, named: RegExp) {
  assert.is(r.status, 2, r.stdout + r.stderr);
  assert.match(r.stderr, named);
  assert.not.match(r.stderr, /\n\s+at /, 'no stack trace');
}

const register = () => (existsSync(join(data(), 'register/deletions.jsonl')) ? readFileSync(join(data(), 'register/deletions.jsonl'), 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);
const latestRecord = () => JSON.parse(readFileSync(join(data(), 'runs/123', readdirSync(join(data(), 'runs/123')).filter((f) => /^\d{8}T.*\.json$/.test(f)).sort().at(-1)!), 'utf8'));
const cohort = () => parse(readFileSync(join(data(), 'requests/123/cohort.csv'), 'utf8'), { columns: true }) as Record<string, string>[];

test('set up: request 123 runs', async () => {
  root = await makeJusticeProject(['123']);
  const r = await run(['--request', '123']);
  assert.is(r.status, 0, r.stderr);
});

test('purge, withdraw, gc and schedule under --dry-run change nothing under data/ (not even a dead run\'s work folder) and create nothing in the private folder', async () => {
  // What a killed run leaves: its work folder (a real command clears it; a dry run must not).
  const dead = join(data(), 'store/tmp/20260101T000000000Z-p999999-dead/intake/tmp');
  mkdirSync(dead, { recursive: true });
  writeFileSync(join(dead, 'spill'), 'x');
  const before = snapshot();
  assert.not.ok(existsSync(join(root, 'private')), 'a run alone makes no private folder');
  const runId = readdirSync(join(data(), 'runs/123')).find((f) => /^\d{8}T/.test(f))!.slice(0, -5);
  const due = await cli(root, ['schedule', '--dry-run'], { PIPELINE_TODAY: '2028-01-01' });
  assert.is(due.status, 0, due.stderr);
  assert.match(due.stdout, /dry run: nothing is purged, run or audited\n123: would purge \([1-9]\d* item\(s\)/);
  const notDue = await run(['schedule', '--dry-run']);
  assert.match(notDue.stdout, /123: up to date \(nothing changed; purge due \d{4}-\d{2}-\d{2}\)/);
  assert.equal(snapshot(), before, 'schedule --dry-run changed something');
  for (const args of [
    ['purge', '--request', '123', '--reason', 'test', '--dry-run'],
    ['withdraw', '--request', '123', '--all', '--dry-run'],
    ['withdraw', '--request', '123', '--row', '5', '--dry-run'],
    ['gc', '--keep', '1', '--dry-run'],
    ['gc', '--pin', runId, '--request', '123', '--dry-run'],
  ]) {
    const r = await run(args);
    assert.is(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(snapshot(), before, `${args.join(' ')} changed something`);
  }
  rmSync(join(data(), 'store/tmp/20260101T000000000Z-p999999-dead'), { recursive: true });
});

test('gc --pin: an empty, malformed or unknown run id is refused by name, and --keep does not go with it', async () => {
  const before = snapshot();
  refused(await run(['gc', '--pin', '', '--request', '123']), /invalid run id ""/);
  refused(await run(['gc', '--pin', '../../runs/123/x', '--request', '123']), /invalid run id/);
  refused(await run(['gc', '--pin', '20260101T000000000Z-p1-abcd', '--request', '123']), /request 123 has no run 20260101T000000000Z-p1-abcd/);
  refused(await run(['gc', '--pin', '20260101T000000000Z-p1-abcd', '--request', '123', '--keep', '1']), /--pin only pins a run/);
  assert.equal(snapshot(), before);
});

test('an option given twice is refused, not the last one taken', async () => {
  const before = snapshot();
  refused(await run(['purge', '--request', '0123', '--request', '123', '--reason', 'test']), /--request given more than once/);
  refused(await run(['withdraw', '--request', '123', '--row', '5', '--row', '6', '--yes']), /--row given more than once/);
  assert.equal(snapshot(), before);
});

test('counts take digits only: 1e3, 0x10 and blanks are refused', async () => {
  refused(await run(['gc', '--keep', '1e3', '--dry-run']), /--keep takes a whole number/);
  refused(await run(['gc', '--keep', '0x10', '--dry-run']), /--keep takes a whole number/);
  refused(await run(['purge', '--request', '123', '--reason', 'test', '--wait', ' 1', '--dry-run']), /--wait takes a whole number/);
});

test('withdraw --reference with an empty or blank value is refused (it would match a row without a reference)', async () => {
  assert.ok(cohort().some((r) => !r.reference?.trim()), 'the cohort has rows without a reference');
  const before = snapshot();
  for (const ref of ['', ' ']) refused(await run(['withdraw', '--request', '123', '--reference', ref, '--dry-run']), /--reference needs/);
  refused(await run(['withdraw', '--request', '123', '--reference', '', '--yes']), /--reference needs/);
  assert.equal(snapshot(), before);
});

test('init refuses an id that differs from an existing request only by leading zeros or case', async () => {
  const before = snapshot();
  refused(await run(['init', '--request', '0123']), /would be confused with the existing request 123/);
  assert.not.ok(existsSync(join(data(), 'requests/0123')));
  assert.equal(snapshot(), before);
  const ok = await run(['init', '--request', '1234']);
  assert.is(ok.status, 0, ok.stderr);
  rmSync(join(data(), 'requests/1234'), { recursive: true });
});

test('a --reason that names a person of the cohort (kept in the deletion register or access log) is refused before anything is deleted or shown, and the name is not echoed', async () => {
  const person = cohort().find((r) => r.forename && r.surname && r.pnc_id)!;
  const before = snapshot();
  for (const reason of [`asked by ${person.forename} ${person.surname}`, `pnc ${person.pnc_id}`]) {
    for (const args of [['purge', '--request', '123', '--reason', reason], ['purge', '--request', '123', '--reason', reason, '--dry-run'], ['withdraw', '--request', '123', '--all', '--yes', '--reason', reason], ['withdraw', '--request', '123', '--row', '5', '--yes', '--reason', reason], ['show', '--request', '123', 'intake.cohort', '--personal', '--reason', reason]]) {
      const r = await run(args);
      refused(r, /--reason names a person of the request/);
      assert.not.ok((r.stdout + r.stderr).toUpperCase().includes(person.surname.toUpperCase()), 'the name is not echoed');
    }
  }
  assert.equal(snapshot(), before);
});

test('approve and share: an empty --hash is refused; a damaged results or request file is named, and share writes nothing', async () => {
  const before = snapshot();
  refused(await run(['approve', '--request', '123', '--by', 'Second Analyst', '--hash', '']), /--hash takes a prefix of the results' sha256, 4 to 64 hex digits/);
  assert.equal(snapshot(), before);
  const results = join(data(), 'reports/123/results.json');
  const good = readFileSync(results);
  writeFileSync(results, '{');
  const approve = await run(['approve', '--request', '123', '--by', 'Second Analyst']);
  assert.is(approve.status, 1, approve.stdout + approve.stderr);
  assert.match(approve.stderr, /reports\/123\/results\.json is damaged \(not valid JSON\)/);
  assert.not.match(approve.stderr, /\n\s+at /);
  writeFileSync(results, good);
  assert.is((await run(['approve', '--request', '123', '--by', 'Second Analyst'])).status, 0);
  const form = join(data(), 'requests/123/request.json');
  const goodForm = readFileSync(form);
  writeFileSync(form, '{ "id": ');
  const damaged = snapshot();
  const share = await run(['share', '--request', '123']);
  assert.is(share.status, 1, share.stdout + share.stderr);
  assert.match(share.stderr, /requests\/123\/request\.json is damaged/);
  assert.equal(snapshot(), damaged, 'share wrote nothing (no frozen version without its log entry)');
  writeFileSync(form, goodForm);
});

test('withdrawing a person the cohort holds twice blanks both rows: the later copy does not take their place', async () => {
  const rows = cohort();
  // A person sent twice (the same reference, names and date of birth on two rows).
  const seen = new Map<string, number>();
  let pair: [number, number] | undefined;
  rows.forEach((r, i) => {
    const k = `${r.reference}|${r.surname}|${r.forename}|${r.dob}`;
    if (r.reference && seen.has(k) && !pair) pair = [seen.get(k)! + 2, i + 2];
    seen.set(k, i);
  });
  assert.ok(pair, 'the demo cohort has a person sent twice');
  const [first, second] = pair!;
  const person = rows[first - 2]!;
  const r = await run(['withdraw', '--request', '123', '--row', String(first), '--yes']);
  assert.is(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`row ${first} withdrawn \\(with row ${second}: the same person\\)`));
  const correction = readdirSync(join(data(), 'requests/123/corrections'))[0]!;
  const lines = readFileSync(join(data(), 'requests/123/corrections', correction), 'utf8').split(/\r?\n/);
  assert.is(lines[first - 1], '', `row ${first} blanked`);
  assert.is(lines[second - 1], '', `row ${second} blanked`);
  assert.not.ok(lines.some((l) => l.includes(person.reference!)), 'no row keeps their reference');
  // Withdrawn twice: it says so, and finds nothing more to delete.
  const registered = register().length;
  const twice = await run(['withdraw', '--request', '123', '--row', String(first), '--yes']);
  assert.is(twice.status, 0, twice.stdout + twice.stderr);
  assert.match(twice.stdout, new RegExp(`row ${first} was already blank: its withdrawal finished; 0 older item`));
  assert.is(register().length, registered, 'nothing more recorded');
  // The corrected run's cohort no longer holds them.
  const latest = readdirSync(join(data(), 'runs/123')).filter((f) => /^\d{8}T.*\.json$/.test(f)).sort().at(-1)!;
  const record = JSON.parse(readFileSync(join(data(), 'runs/123', latest), 'utf8'));
  const { Duck } = await import('../../src/duck.ts');
  const db = await Duck.open({ threads: 1 });
  try {
    const hit = await db.all('SELECT row FROM read_parquet($p) WHERE reference = $ref', { p: join(data(), 'store/objects', record.stages.intake.outputs.cohort.hash), ref: person.reference! });
    assert.is(hit.length, 0, 'the later copy of the person is not in the corrected cohort');
  } finally {
    db.close();
  }
});

test('a withdrawal interrupted after its correction was written is finished by running it again', async () => {
  const corrections = join(data(), 'requests/123/corrections');
  const current = join(corrections, readdirSync(corrections).sort().at(-1)!);
  const lines = readFileSync(current, 'utf8').split('\r\n');
  const row = lines.findIndex((l, i) => i > 10 && l.trim() !== '') + 1;
  const person = parse(lines[0] + '\n' + lines[row - 1] + '\n', { columns: true })[0] as Record<string, string>;
  const before = latestRecord();
  // What the killed withdrawal left: its correction (the row blanked), the older upload still there, no re-run.
  lines[row - 1] = '';
  writeFileSync(join(corrections, '2026-11-30-cohort.csv'), lines.join('\r\n'));
  const r = await cli(root, ['withdraw', '--request', '123', '--row', String(row), '--yes'], { PIPELINE_TODAY: '2026-11-30' });
  assert.is(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`row ${row} was already blank: its withdrawal finished; [1-9]\\d* older item`));
  assert.not.ok(existsSync(current), 'the older upload holding them is gone');
  assert.not.ok(existsSync(join(data(), 'store/objects', before.stages.intake.outputs.cohort.hash)), 'the older cohort holding them is purged');
  const { Duck } = await import('../../src/duck.ts');
  const db = await Duck.open({ threads: 1 });
  try {
    const hit = await db.all('SELECT row FROM read_parquet($p) WHERE surname = $s AND forename = $f', { p: join(data(), 'store/objects', latestRecord().stages.intake.outputs.cohort.hash), s: person.surname!, f: person.forename! });
    assert.is(hit.length, 0, 'not in the current cohort');
  } finally {
    db.close();
  }
});

test('a purge interrupted half way records, when re-run, every deletion the interrupted one made', async () => {
  const plan = JSON.parse((await run(['purge', '--request', '123', '--reason', 'end of retention', '--dry-run', '--json'])).stdout) as { deletions: { blob: string; location: string }[] };
  assert.ok(plan.deletions.length > 4, `${plan.deletions.length} planned`);
  const registered = register().length;
  // The last blob of the plan cannot be removed (a folder stands in its place): the purge stops after deleting the others.
  const blobs = plan.deletions.filter((d) => d.location.startsWith('store/objects/'));
  const stuck = join(data(), blobs.at(-1)!.location);
  renameSync(stuck, `${stuck}.aside`);
  mkdirSync(join(stuck, 'x'), { recursive: true });
  const broken = await run(['purge', '--request', '123', '--reason', 'end of retention']);
  assert.is(broken.status, 1, broken.stdout + broken.stderr);
  assert.match(broken.stderr, new RegExp(blobs.at(-1)!.blob));
  assert.not.match(broken.stderr, /\n\s+at /, 'no stack trace');
  assert.not.ok(existsSync(join(data(), blobs[0]!.location)), 'the interrupted purge deleted the first blobs');
  rmSync(stuck, { recursive: true });
  renameSync(`${stuck}.aside`, stuck);
  const again = await run(['purge', '--request', '123', '--reason', 'end of retention']);
  assert.is(again.status, 0, again.stdout + again.stderr);
  const entries = register().slice(registered);
  for (const d of plan.deletions) assert.ok(entries.some((e) => e.blob === d.blob && e.location === d.location), `${d.location} deleted but not recorded`);
  for (const d of plan.deletions) assert.not.ok(existsSync(join(data(), d.location)), `${d.location} still there`);
  assert.not.ok(existsSync(join(data(), 'runs/123/purge-pending.json')), 'the plan is gone once recorded');
  const audit = await run(['audit', '--json']);
  assert.is(audit.status, 0, audit.stdout);
});

test('purge run twice: the second says the request was already purged and records nothing', async () => {
  const before = snapshot();
  const r = await run(['purge', '--request', '123', '--reason', 'end of retention']);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /request 123 was already purged on \d{4}-\d{2}-\d{2}: nothing left to delete/);
  const dry = await run(['purge', '--request', '123', '--reason', 'end of retention', '--dry-run']);
  assert.is(dry.status, 0, dry.stderr);
  assert.match(dry.stdout, /already purged on/);
  const after = snapshot();
  assert.equal(Object.keys(after).filter((f) => !f.endsWith('dag-manifest.json')), Object.keys(before).filter((f) => !f.endsWith('dag-manifest.json')));
  assert.is(after['data/register/deletions.jsonl'], before['data/register/deletions.jsonl'], 'nothing recorded');
});

test.after(removeJusticeProjects);
test.run();
