// A purge on a store that was damaged: a run record set aside by a later run, another damaged in
// place, a person-level blob a run quarantined, and a request file that no longer parses. The
// purge must still delete (and record) every person-level blob any run of the request made, and
// leave no quarantined copy behind; the audit must then find nothing of the cohort.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeJusticeProject, pipeline, removeJusticeProjects } from '../helpers/justice-project.ts';
import { listFiles } from '../../src/hash.ts';

const env = { PIPELINE_TODAY: '2026-11-29' };

test('purge deletes every person-level blob of the request despite damaged and set-aside run records, quarantined copies and an unreadable request file', async () => {
  const root = await makeJusticeProject(['123']);
  const data = join(root, 'data');
  const ok = (args: string[]) => {
    const r = pipeline(root, args, env);
    assert.is(r.status, 0, `${args.join(' ')}: ${r.stdout}\n${r.stderr}`);
    return r;
  };
  const runFiles = () => readdirSync(join(data, 'runs/123')).filter((f) => /^\d{8}T.*\.json$/.test(f)).sort();
  ok(['--request', '123']);
  // A correction: the second run makes other person-level blobs; the first run's stay named only by its record.
  const cohort = join(data, 'requests/123/cohort.csv');
  const lines = readFileSync(cohort, 'utf8').split('\n');
  lines[1] = lines[1]!.replace(/^([^,]*),([^,]*),/, (_, ref, surname) => `${ref},${surname}x,`);
  writeFileSync(cohort, lines.join('\n'));
  ok(['--request', '123']);
  // Every person-level blob any run made, before anything is damaged.
  const personLevel = new Map<string, string>();
  for (const f of runFiles()) {
    const r = JSON.parse(readFileSync(join(data, 'runs/123', f), 'utf8'));
    for (const [stage, s] of Object.entries(r.stages) as [string, { outputs?: Record<string, { hash: string; classification: string }> }][]) {
      if (stage === 'register' || stage === 'linkage-model') continue; // built from the register alone, shared
      for (const [name, o] of Object.entries(s.outputs ?? {})) if (o.classification !== 'aggregate') personLevel.set(o.hash, `${stage}.${name}`);
    }
  }
  const [first, second] = runFiles();
  const latest = JSON.parse(readFileSync(join(data, 'runs/123', second!), 'utf8'));
  // The first run's record cut short after its first stage's outputs: the next run sets it aside.
  const firstPath = join(data, 'runs/123', first!);
  const text = readFileSync(firstPath, 'utf8');
  writeFileSync(firstPath, text.slice(0, text.indexOf('"outputs"') + 1200));
  // The second run's cohort blob damaged: the next run quarantines it and rebuilds it.
  const cohortBlob = join(data, 'store/objects', latest.stages.intake.outputs.cohort.hash);
  chmodSync(cohortBlob, 0o600);
  writeFileSync(cohortBlob, Buffer.concat([readFileSync(cohortBlob), Buffer.from('x')]));
  ok(['--request', '123']);
  assert.ok(existsSync(join(data, 'runs/123/set-aside', first!)), 'the first record was set aside');
  assert.ok(listFiles(join(data, 'store/quarantine')).some((f) => f.endsWith(latest.stages.intake.outputs.cohort.hash)), 'the damaged blob was quarantined');
  // The second run's record damaged in place, and the request file unreadable (its retention rules with it).
  const secondPath = join(data, 'runs/123', second!);
  writeFileSync(secondPath, readFileSync(secondPath, 'utf8').replace('"status"', '"stat'));
  writeFileSync(join(data, 'requests/123/request.json'), '{ "id": "123", ');

  const purged = ok(['purge', '--request', '123', '--reason', 'end of retention']);
  assert.not.match(purged.stderr, /\n\s+at /);
  const deleted = new Set(readFileSync(join(data, 'register/deletions.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).blob));
  for (const [hash, dataset] of personLevel) {
    assert.not.ok(existsSync(join(data, 'store/objects', hash)), `${dataset} ${hash.slice(0, 8)} survived the purge`);
    assert.ok(deleted.has(hash), `${dataset} ${hash.slice(0, 8)} deleted without a register entry`);
  }
  const quarantined = existsSync(join(data, 'store/quarantine')) ? listFiles(join(data, 'store/quarantine')) : [];
  assert.equal(quarantined.filter((f) => personLevel.has(f.split('/').at(-1)!)), [], 'no quarantined copy of a person-level blob');
  const audit = pipeline(root, ['audit', '--json'], env);
  const report = JSON.parse(audit.stdout);
  assert.equal(report.findings, [], 'the audit finds nothing of the cohort');
});

test('without the stage records, the audit after a purge still tells the register-derived tables (every register person) from leftovers', async () => {
  const root = await makeJusticeProject(['123']);
  assert.is(pipeline(root, ['--request', '123'], env).status, 0);
  rmSync(join(root, 'data/store/stages'), { recursive: true });
  assert.is(pipeline(root, ['purge', '--request', '123', '--reason', 'end of retention'], env).status, 0);
  const audit = pipeline(root, ['audit', '--json'], env);
  const report = JSON.parse(audit.stdout);
  assert.equal(report.findings.length, 0, 'no finding');
  assert.ok(report.skipped.some((s: { why: string }) => /made from reference alone/.test(s.why)), audit.stdout.slice(0, 500));
  assert.is(audit.status, 0);
});

test.after(removeJusticeProjects);
test.run();
