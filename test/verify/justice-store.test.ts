// Acceptance of store integrity on the real justice DAG (a scratch project with the real stages,
// a real DuckDB and the real CLI; never the working copy's data/): a flipped byte, a truncation
// and a stage record pointing at another blob, each in a personal, a pseudonymised and an
// aggregate blob. `verify --store` finds each and exits 1; the next run names it, sets it aside,
// rebuilds it, and the published report is byte-identical to the original. A broken run record
// and an empty lock do not wedge the request. A linked upload never escapes the cache key.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, existsSync, readFileSync, readdirSync, renameSync, rmSync, symlinkSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeJusticeProject, pipeline, removeJusticeProjects } from '../helpers/justice-project.ts';
import type { RunRecord } from '../../src/records.ts';

test.after(removeJusticeProjects);

let root = '';
let original: { report: Buffer; results: Buffer; record: RunRecord };

const latest = (): RunRecord => {
  const dir = join(root, 'data/runs/123');
  const id = readdirSync(dir).filter((f) => /^\d{8}T.*\.json$/.test(f)).sort().pop()!;
  return JSON.parse(readFileSync(join(dir, id), 'utf8')) as RunRecord;
};
const out = (stage: string, output: string) => (original.record.stages[stage]!.outputs as Record<string, { hash: string }>)[output]!.hash;
const blob = (hash: string) => join(root, 'data/store/objects', hash);
const stageRecord = (stage: string) => join(root, 'data/store/stages', stage, `${original.record.stages[stage]!.keyHash}.json`);

test.before(async () => {
  root = await makeJusticeProject(['123']);
  const first = pipeline(root, ['--request', '123']);
  assert.is(first.status, 0, first.stdout + first.stderr);
  original = {
    report: readFileSync(join(root, 'data/reports/123/report.html')),
    results: readFileSync(join(root, 'data/reports/123/results.json')),
    record: latest(),
  };
});

const faults = {
  'a flipped byte': (stage: string, output: string) => {
    const file = blob(out(stage, output));
    chmodSync(file, 0o600);
    const bytes = readFileSync(file);
    bytes[Math.floor(bytes.length / 3)] ^= 0x04;
    writeFileSync(file, bytes);
  },
  'truncation to 0 bytes': (stage: string, output: string) => {
    chmodSync(blob(out(stage, output)), 0o600);
    truncateSync(blob(out(stage, output)), 0);
  },
  // The record of the stage now names another stage's intact blob (the seal removed, as someone
  // who knew about it would): caught by the blob's size and format not being what it records.
  'a record pointing at another blob': (stage: string, output: string, other: [string, string]) => {
    const r = JSON.parse(readFileSync(stageRecord(stage), 'utf8'));
    r.outputs[output].hash = out(...other);
    delete r.seal;
    writeFileSync(stageRecord(stage), JSON.stringify(r, null, 2));
  },
} as const;

// [stage, output, classification, another blob (for the swapped record): of the same format where there is one]
const targets = [
  ['intake', 'cohort', 'personal', ['linkage', 'links']],
  ['propensity', 'matched', 'pseudonymised', ['register', 'events']],
  ['metrics', 'metrics', 'aggregate', ['propensity', 'model']],
] as const;

for (const [fault, damage] of Object.entries(faults)) {
  for (const [stage, output, classification, other] of targets) {
    test(`${fault} in the ${classification} blob ${stage}.${output}: verify --store exits 1 naming it; the next run sets it aside and rebuilds it; the report is byte-identical`, () => {
      assert.is(original.record.stages[stage]!.outputs![output]!.classification, classification);
      damage(stage, output, other as unknown as [string, string]);
      const swapped = fault === 'a record pointing at another blob';

      const check = pipeline(root, ['verify', '--store']);
      assert.is(check.status, 1, check.stdout + check.stderr);
      if (swapped) assert.match(check.stdout, new RegExp(`record-mismatch\\s+stage record store/stages/${stage}/\\w+\\.json, output ${output}: blob \\w{12} has \\d+ bytes, not the \\d+ recorded`));
      else assert.match(check.stdout, new RegExp(`blob-damaged\\s+blob ${out(stage, output).slice(0, 12)} does not match its name`));
      assert.match(check.stdout, /store DAMAGED: 1 problem\(s\)/);

      const run = pipeline(root, ['--request', '123']);
      assert.is(run.status, 0, run.stdout + run.stderr);
      // One line says what was found, where it was set aside, and what is rebuilt.
      const lines = run.stdout.split('\n').filter((l) => l.startsWith('  ! '));
      assert.is(lines.length, 1, run.stdout);
      assert.match(lines[0]!, swapped ? new RegExp(`stage record store/stages/${stage}/\\w+\\.json names blob \\w{12}, which has \\d+ bytes`) : new RegExp(`${stage}\\.${output}: blob ${out(stage, output).slice(0, 12)} does not match its name`));
      assert.match(lines[0]!, new RegExp(`set aside in store/quarantine/\\S+; ${stage} is rebuilt`));
      const record = latest();
      assert.is(record.integrity?.length, 1);
      const moved = join(root, 'data', record.integrity![0]!.movedTo!);
      assert.ok(existsSync(moved), 'set aside, not deleted');
      assert.equal(Object.entries(record.stages).filter(([, s]) => s.status === 'ran').map(([n]) => n).sort(), [stage, 'purge'].sort(), 'only the damaged stage (and the uncached purge) ran');
      assert.ok(existsSync(blob(out(stage, output))), 'rebuilt under the same hash');
      assert.equal(readFileSync(join(root, 'data/reports/123/report.html')), original.report);
      assert.equal(readFileSync(join(root, 'data/reports/123/results.json')), original.results);
    });
  }
}

test('after the repairs verify --store passes (exit 0), and says where the set-aside files are kept', () => {
  const clean = pipeline(root, ['verify', '--store']);
  assert.is(clean.status, 0, clean.stdout);
  assert.match(clean.stdout, /9 file\(s\) set aside by earlier runs are kept in store\/quarantine\/\nstore intact/);
});

test('the metrics blob edited (treatment 594 -> 994): verify --request blames metrics, not report; --force report rebuilds metrics first and publishes the original report', () => {
  const file = blob(out('metrics', 'metrics'));
  const text = readFileSync(file, 'utf8');
  const edited = text.replace(/"treatment": (\d+)/, (_, n) => `"treatment": ${String(Number(n) + 400)}`);
  assert.ok(edited !== text && edited.length === text.length, 'an edit of the same length');
  chmodSync(file, 0o600);
  writeFileSync(file, edited);

  const verify = pipeline(root, ['verify', '--request', '123']);
  assert.is(verify.status, 1, verify.stdout + verify.stderr);
  assert.match(verify.stdout, /metrics\s+DAMAGED \(output metrics\): stored output metrics \(blob \w+\) is damaged: its \d+ bytes hash to \w+; re-executed, it reproduces the recorded bytes/);
  assert.match(verify.stdout, /report\s+reproducible/);
  assert.match(verify.stdout, /stored bytes DAMAGED: metrics$/m);

  const run = pipeline(root, ['--request', '123', '--force', 'report']);
  assert.is(run.status, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /! metrics\.metrics: blob \w+ does not match its name .*; metrics is rebuilt/);
  assert.equal(readFileSync(join(root, 'data/reports/123/report.html')), original.report);
  assert.equal(readFileSync(join(root, 'data/reports/123/results.json')), original.results);
});

test('a broken run record and an empty lock: the next run succeeds and names what it set aside; status works before and after', () => {
  const dir = join(root, 'data/runs/123');
  const last = latest();
  writeFileSync(join(dir, `${last.run}.json`), '{"v":1, broken');
  const lock = join(dir, '.lock');
  writeFileSync(lock, '');
  const old = new Date(Date.now() - 60_000);
  utimesSync(lock, old, old);
  const status = pipeline(root, ['status', '--request', '123']);
  assert.is(status.status, 0, status.stdout + status.stderr);
  assert.match(status.stdout, new RegExp(`run record runs/123/${last.run}\\.json is damaged \\(not valid JSON \\(at position 8\\)\\); skipped, and set aside by the next run`));

  const run = pipeline(root, ['--request', '123']);
  assert.is(run.status, 0, run.stdout + run.stderr);
  assert.match(run.stdout, new RegExp(`! run record runs/123/${last.run}\\.json is damaged: not valid JSON \\(.*\\); set aside in runs/123/set-aside/${last.run}\\.json`));
  assert.match(run.stdout, /! lock runs\/123\/\.lock was unreadable \(0 bytes, 6\ds old\) and was cleared as stale/);
  assert.is(readFileSync(join(dir, 'set-aside', `${last.run}.json`), 'utf8'), '{"v":1, broken');
  assert.equal(latest().integrity!.map((f) => f.kind).sort(), ['lock-unreadable', 'run-record-damaged']);
  assert.equal(readFileSync(join(root, 'data/reports/123/report.html')), original.report);
  const after = pipeline(root, ['status', '--request', '123']);
  assert.is(after.status, 0, after.stdout + after.stderr);
  assert.not.match(after.stdout, /damaged/);
});

test('a symlinked cohort.csv never escapes the cache key: when the file it points at changes, intake runs again', () => {
  // Intake refuses links itself (refusesSpecialFiles: the provider is told why); the framework
  // keys the link by its text and by the content of what it points at, so it is never served stale.
  const folder = join(root, 'data/requests/123');
  const outside = join(root, 'outside-cohort.csv');
  renameSync(join(folder, 'cohort.csv'), outside);
  symlinkSync(outside, join(folder, 'cohort.csv'));
  const first = pipeline(root, ['--request', '123']);
  assert.match(first.stdout, /intake\s+(ran|FAILED)/, first.stdout + first.stderr);
  const lines = readFileSync(outside, 'utf8').split('\n');
  writeFileSync(outside, lines.slice(0, -6).join('\n') + '\n'); // five people fewer
  const second = pipeline(root, ['--request', '123']);
  assert.not.match(second.stdout, /intake\s+cached/, second.stdout);
  assert.match(second.stdout, /intake\s+(ran|FAILED)/, second.stdout + second.stderr);
  rmSync(join(folder, 'cohort.csv'));
  writeFileSync(join(folder, 'cohort.csv'), lines.join('\n'));
  const back = pipeline(root, ['--request', '123']);
  assert.is(back.status, 0, back.stdout + back.stderr);
  assert.equal(readFileSync(join(root, 'data/reports/123/report.html')), original.report);
});

test.run();
