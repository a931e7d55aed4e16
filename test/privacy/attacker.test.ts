// The attacker holds everything under data/ except the uploads, plus the national register
// (data/reference). Request 123 runs, its results are shared, one linked person is withdrawn, it
// runs again, and finally it is purged. At each point the attacker tries what the audit
// tried and more: raw and decoded text of every file, every table's register and event ids, the
// fingerprint files under every key-like string found under data/, file names. They must recover
// neither the withdrawn person nor, after the purge, anyone of the cohort. The same story checks
// that the withdrawn person left both groups, and that the provider sees no difference of fewer
// than 5 people between the shared version and what is published after the withdrawal.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHmac, createHash } from 'node:crypto';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { makeJusticeProject, pipeline, removeJusticeProjects } from '../helpers/justice-project.ts';
import { Duck } from '../../src/duck.ts';
import { identifierTexts } from '../../src/identifiers.ts';
import { countsByPath, DISCLOSURE_THRESHOLD } from '../../stages/metrics/disclosure.ts';
import type { RunRecord } from '../../src/records.ts';
import { dataFiles, exists, filesHolding, identifyingStrings, readCohort, readableText, readdirSync, type Person } from './helpers.ts';

let root = '';
let people: Person[] = [];
const data = () => join(root, 'data');
const blob = (hash: string) => join(data(), 'store/objects', hash);
const env = { PIPELINE_TODAY: '2026-11-11' };
function ok(args: string[], extra: Record<string, string> = {}) {
  const r = pipeline(root, args, { ...env, ...extra });
  assert.is(r.status, 0, `${args.join(' ')} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}
const records = (): RunRecord[] => readdirSync(join(data(), 'runs/123')).filter((f) => /^\d{8}T.*\.json$/.test(f)).sort().map((f) => JSON.parse(readFileSync(join(data(), 'runs/123', f), 'utf8')));
const latest = () => records().at(-1)!;

async function query<T>(sql: string, params: Record<string, unknown> = {}): Promise<T[]> {
  const db = await Duck.open({ threads: 1 });
  try {
    return await db.json(sql, params as never) as T[];
  } finally {
    db.close();
  }
}

/** The register ids behind a run's matched events, by treated flag. */
async function matchedPeople(record: RunRecord): Promise<{ treated: Set<string>; comparison: Set<string> }> {
  const matched = tableFromIPC(readFileSync(blob(record.stages.propensity!.outputs!.matched!.hash)));
  const byEvent = new Map<string, boolean>();
  for (const row of matched) byEvent.set(String(row!.event_id), Number(row!.treated) === 1);
  const rows = await query<{ event_id: string; register_id: string }>('SELECT CAST(event_id AS VARCHAR) AS event_id, CAST(register_id AS VARCHAR) AS register_id FROM read_parquet($p)', { p: blob(record.stages.register!.outputs!.events!.hash) });
  const out = { treated: new Set<string>(), comparison: new Set<string>() };
  for (const r of rows) if (byEvent.has(r.event_id)) (byEvent.get(r.event_id) ? out.treated : out.comparison).add(r.register_id);
  return out;
}

/** The files the attacker holds: all of data/ but the uploads and what the register alone gives. */
const attackerFiles = () => dataFiles(data()).filter((f) => !/^requests\/[^/]+\/(cohort\.(csv|xlsx)|corrections\/)/.test(f));

/** Every 64-hex string and hex-like field in the attacker's text files: candidate HMAC keys. */
async function candidateKeys(files: string[]): Promise<string[]> {
  const keys = new Set<string>();
  for (const f of files) {
    const text = readFileSync(join(data(), f), 'latin1');
    if (text.includes('\0')) continue;
    for (const m of text.matchAll(/[0-9a-f]{32,128}/g)) keys.add(m[0]);
  }
  return [...keys];
}

/** Whether any fingerprint under data/ matches a person's identifier texts under any candidate key (or none). */
async function fingerprintsCrack(files: string[], targets: Person[]): Promise<number> {
  const fps = new Set<string>();
  for (const f of files.filter((x) => x.startsWith('register/fingerprints/'))) for (const h of JSON.parse(readFileSync(join(data(), f), 'utf8')).fingerprints ?? []) fps.add(h);
  const texts = targets.flatMap((p) => identifierTexts({ names: [p.forename, p.surname], dates: [p.dob], ids: [p.pnc, p.prison] }));
  let hits = 0;
  for (const t of texts) if (fps.has(createHash('sha256').update(t).digest('hex'))) hits++;
  for (const key of await candidateKeys(files)) {
    for (const k of [key, Buffer.from(key, 'hex')]) for (const t of texts) if (fps.has(createHmac('sha256', k).update(t).digest('hex'))) hits++;
  }
  return hits;
}

/** Tables (Parquet, Arrow) among the files whose id columns hold any of the given register or event ids. */
async function tablesHoldingIds(files: string[], ids: Set<string>): Promise<string[]> {
  const found: string[] = [];
  for (const f of files) {
    const path = join(data(), f);
    const head = readFileSync(path).subarray(0, 6).toString('latin1');
    let values: string[] = [];
    if (head.startsWith('PAR1')) {
      const cols = (await query<{ column_name: string }>('SELECT column_name FROM (DESCRIBE SELECT * FROM read_parquet($p))', { p: path })).map((c) => c.column_name).filter((c) => /register_id|event_id/.test(c));
      for (const c of cols) values.push(...(await query<{ v: string }>(`SELECT CAST("${c}" AS VARCHAR) AS v FROM read_parquet($p)`, { p: path })).map((r) => r.v));
    } else if (head === 'ARROW1') {
      const t = tableFromIPC(readFileSync(path));
      for (const field of t.schema.fields.filter((x) => /register_id|event_id/.test(x.name))) values = values.concat([...t.getChild(field.name)!].map(String));
    }
    if (values.some((v) => ids.has(v))) found.push(f);
  }
  return found;
}

let withdrawn: Person;
let withdrawnIds = new Set<string>();
/** Register ids of every cohort row the linkage associated with someone, before anything was deleted. */
let cohortIds = new Set<string>();
let poolBefore = 0;

test('run, share, withdraw one linked person, run', async () => {
  root = await makeJusticeProject(['123']);
  people = readCohort(join(data(), 'requests/123/cohort.csv'));
  ok(['--request', '123']);
  ok(['approve', '--request', '123', '--by', 'Second Analyst'], { PIPELINE_TODAY: '2026-11-10' });
  ok(['share', '--request', '123'], { PIPELINE_TODAY: '2026-11-10' });
  const before = latest();
  // The withdrawn person: linked, with a PNC id, so every kind of identifier is tested.
  const linked = await query<{ row: number; register_id: string; event_id: string }>(
    "SELECT row::INTEGER AS row, CAST(register_id AS VARCHAR) AS register_id, CAST(event_id AS VARCHAR) AS event_id FROM read_parquet($p) WHERE status = 'linked' ORDER BY row DESC",
    { p: blob(before.stages.linkage!.outputs!.links!.hash) },
  );
  cohortIds = new Set(linked.map((l) => l.register_id));
  assert.ok(cohortIds.size > 500);
  const pick = linked.find((l) => people.find((p) => p.row === l.row)?.pnc)!;
  withdrawn = people.find((p) => p.row === pick.row)!;
  withdrawnIds = new Set([pick.register_id]);
  const groups = await matchedPeople(before);
  assert.ok(groups.treated.has(pick.register_id), 'before: in the treatment group');
  poolBefore = JSON.parse(readFileSync(blob(before.stages.propensity!.outputs!.model!.hash), 'utf8')).matching.counts.comparison;
  const out = ok(['withdraw', '--request', '123', '--row', String(pick.row)]);
  assert.match(out, /withdrawn/);
});

test('the withdrawn person is in neither group, and the comparison pool did not take them back', async () => {
  const after = latest();
  const groups = await matchedPeople(after);
  for (const id of withdrawnIds) {
    assert.not.ok(groups.treated.has(id), 'not treated');
    assert.not.ok(groups.comparison.has(id), 'not a comparator');
  }
  const pool = JSON.parse(readFileSync(blob(after.stages.propensity!.outputs!.model!.hash), 'utf8')).matching.counts.comparison;
  assert.ok(pool <= poolBefore, `the pool grew from ${poolBefore} to ${pool}: the withdrawn person came back as a comparator`);
});

test('the provider sees no difference of fewer than 5 people between the shared version and what is published now', () => {
  const shared = JSON.parse(readFileSync(join(data(), 'requests/123/shared/v1-results.json'), 'utf8'));
  const now = JSON.parse(readFileSync(join(data(), 'reports/123/results.json'), 'utf8'));
  const a = countsByPath(shared.results);
  const b = countsByPath(now);
  assert.ok(a.size > 20, `${a.size} counts compared`);
  for (const [path, v] of b) {
    const d = Math.abs(v - (a.get(path) ?? v));
    assert.ok(d === 0 || d >= DISCLOSURE_THRESHOLD, `${path}: ${a.get(path)} -> ${v}`);
  }
  const html = readFileSync(join(data(), 'reports/123/report.html'), 'utf8');
  const sharedHtml = readFileSync(join(data(), 'requests/123/shared/v1-report.html'), 'utf8');
  assert.match(html, /Not re-issued/);
  assert.is(html.replace(/\n?<aside id="not-reissued"[\s\S]*?<\/aside>/, ''), sharedHtml, 'the shared page, with only the note added');
  // The internal figures did change: the gate is what kept them from the provider.
  const metrics = JSON.parse(readFileSync(blob(latest().stages.metrics!.outputs!.metrics!.hash), 'utf8'));
  assert.is(metrics.analyses[0].group_sizes.treatment, shared.results.analyses[0].group_sizes.treatment - 1);
});

test('the attacker cannot recover the withdrawn person from data/ (uploads aside) and the register', async () => {
  const files = attackerFiles();
  assert.ok(files.length > 20, `${files.length} files`);
  assert.equal(files.filter((f) => /withdraw|row-?\d/i.test(f)), [], 'no file name marks a person');
  assert.equal(await filesHolding(data(), files, identifyingStrings(withdrawn)), []);
  assert.equal(await tablesHoldingIds(files, withdrawnIds), [], 'no table holds their register id');
  assert.is(await fingerprintsCrack(files, [withdrawn]), 0, 'no key under data/ opens the fingerprints');
  // The fingerprints are real: with the key from the private folder they do find the person.
  const key = createHmac('sha256', Buffer.from(readFileSync(join(root, 'private/key'), 'utf8').trim(), 'hex')).update('justice-data-lab/fingerprint').digest();
  const fps = new Set(JSON.parse(readFileSync(join(data(), 'register/fingerprints/123.json'), 'utf8')).fingerprints);
  const texts = identifierTexts({ names: [withdrawn.forename, withdrawn.surname], dates: [withdrawn.dob], ids: [withdrawn.pnc, withdrawn.prison] });
  assert.ok(texts.some((t) => fps.has(createHmac('sha256', key).update(t).digest('hex'))), 'the key holder can audit');
  assert.not.ok(files.some((f) => readFileSync(join(data(), f), 'latin1').includes(readFileSync(join(root, 'private/key'), 'utf8').trim())), 'the key is nowhere under data/');
});

test("differencing the aggregates kept under data/ does not give the withdrawn person's covariates", () => {
  // The balance tables hold the treated group's means to full precision: two of them whose groups
  // differ by one person give that person's age, history and categories, which single them out
  // in the register. Every pair the attacker holds must differ by no one or by 5 and more.
  const tables = new Map<string, { treated: number; means: Map<string, number> }>();
  for (const r of records()) {
    const hash = r.stages.propensity?.outputs?.balance?.hash;
    if (!hash || !exists(blob(hash))) continue;
    const b = JSON.parse(readFileSync(blob(hash), 'utf8'));
    tables.set(hash, { treated: b.sample_sizes.before.treated, means: new Map(b.covariates.map((c: { term: string; before: { mean_treated: number } }) => [c.term, c.before.mean_treated])) });
  }
  assert.ok(tables.size >= 1);
  for (const [ha, a] of tables) {
    for (const [hb, b] of tables) {
      const d = a.treated - b.treated;
      if (d < 1 || d > 4) continue;
      const age = (a.means.get('age_index')! * a.treated - b.means.get('age_index')! * b.treated) / d;
      assert.unreachable(`balance ${ha.slice(0, 8)} (${a.treated} treated) and ${hb.slice(0, 8)} (${b.treated}) differ by ${d}: their mean age gives ${age.toFixed(2)}`);
    }
  }
});

test('after the purge the attacker recovers nobody of the cohort', async () => {
  // Before it: a person-level blob damaged and set aside by a run (quarantine/), and the
  // provider's rejection file opened and saved again (its bytes are no longer the blob's).
  const cohortBlob = blob(latest().stages.intake!.outputs!.cohort!.hash);
  chmodSync(cohortBlob, 0o600);
  writeFileSync(cohortBlob, Buffer.concat([readFileSync(cohortBlob), Buffer.from('\n')]));
  ok(['--request', '123']);
  assert.ok(exists(join(data(), 'store/quarantine')), 'the damaged blob was set aside');
  const rejections = join(data(), 'rejections/123/rejections.csv');
  writeFileSync(rejections, readFileSync(rejections, 'utf8').replace(/\n/g, '\r\n'));
  ok(['purge', '--request', '123', '--reason', 'end of retention (test)']);
  assert.not.ok(exists(rejections), 'the published rejection file is gone, whatever its bytes');
  assert.not.ok(exists(join(data(), 'requests/123')));
  assert.not.ok(exists(join(root, 'private/withdrawn/123.json')), 'the withdrawal list went with the request');
  const files = attackerFiles();
  assert.equal(await filesHolding(data(), files, people.flatMap(identifyingStrings)), []);
  // Dates of birth beside a surname, in any decoded file.
  for (const f of files) {
    const text = (await readableText(join(data(), f))).toUpperCase();
    for (const p of people) {
      if (p.surname.length < 3 || !text.includes(p.surname.toUpperCase())) continue;
      const [y, m, d] = p.dob.split('-');
      assert.not.ok(text.includes(p.dob) || text.includes(`${d}/${m}/${y}`), `${f}: a surname beside its date of birth`);
    }
  }
  // The linked people's register ids: in no table the register alone does not give. The links are
  // gone, and so are the matched sets, whose event ids led back to the register.
  const first = records()[0]!;
  for (const r of records()) for (const s of ['linkage', 'propensity', 'intake']) for (const o of Object.values(r.stages[s]?.outputs ?? {})) if (o.classification !== 'aggregate') assert.not.ok(exists(blob(o.hash)), `${s} ${o.hash.slice(0, 8)} still held`);
  assert.ok(first.stages.propensity!.outputs!.matched!.purged, 'the matched set is recorded as purged');
  assert.equal(await tablesHoldingIds(files, cohortIds), []);
  // Fingerprints: no key under data/ opens them, for any of 60 people.
  assert.is(await fingerprintsCrack(files, people.slice(0, 60)), 0);
  // The private folder keeps the key and the register's head, nothing of anyone.
  const kept = readdirSync(join(root, 'private'), { recursive: true }).map(String).filter((f) => !f.endsWith('/') && !statSync(join(root, 'private', f)).isDirectory()).sort();
  assert.equal(kept, ['key', 'register-head.json']);
  const audit = JSON.parse(ok(['audit', '--deep', '--json']));
  assert.ok(audit.ok, JSON.stringify({ findings: audit.findings, chain: audit.chain, markers: audit.markers }));
});

test.after(removeJusticeProjects);
test.run();
