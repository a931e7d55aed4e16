// The stage end to end on a small hand-built register and linkage (Parquet written by DuckDB
// here, since those stages are built separately), run twice to check the bytes are identical.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { Duck } from '../../src/duck.ts';
import { runStageDirect } from '../helpers/run-stage.ts';
import stage from '../../stages/propensity/stage.ts';
import { rng } from './random.ts';
import { testTempDir } from '../helpers/temp-dir.ts';

const dir = testTempDir('propensity-stage-');
const stageUrl = new URL('../../stages/propensity/stage.ts', import.meta.url).href;

interface Event {
  event_id: number;
  register_id: number;
  index_date: string;
  cohort: boolean;
}

const events: Event[] = [];
const linked = new Set<number>();

async function buildInputs() {
  const u = rng(2024);
  const pick = <T>(xs: T[]) => xs[Math.floor(u() * xs.length)]!;
  const lines = ['event_id,register_id,index_date,event_type,sentence_type,sentence_months,age_index,gender,ethnicity,nationality,region,prev_offences,prev_convictions,prev_cautions,prev_custody,age_first_offence,offending_rate,index_offence_type,employed_days_1y,benefit_days_1y,index_year'];
  let eventId = 5000;
  const add = (registerId: number, cohort: boolean, date: string) => {
    const id = eventId--; // ids not in insertion order, so ORDER BY event_id matters
    const sentence = pick(['custody', 'community', 'community', 'caution']);
    const prev = Math.floor(u() * 15) + (cohort ? 3 : 0);
    const months = sentence === 'custody' ? 1 + Math.floor(u() * 30) : sentence === 'community' ? Math.floor(u() * 24) : 0;
    lines.push([
      id, registerId, date, sentence === 'custody' ? 'custody_release' : sentence === 'caution' ? 'caution' : 'community_start', sentence,
      u() < 0.01 ? '' : months, 18 + Math.floor(u() * 45) - (cohort ? 3 : 0), u() < 0.8 ? 'M' : 'F',
      pick(['White', 'White', 'Black', 'Asian', 'Mixed']), pick(['UK', 'UK', 'Non-UK']), pick(['London', 'Wales', 'North East']),
      prev, Math.floor(prev * u()), Math.floor(u() * 4), Math.floor(u() * 3), 12 + Math.floor(u() * 20), (u() * 2).toFixed(3),
      pick(['theft', 'violence', 'drugs', 'burglary']), Math.floor(u() * 365 * (cohort ? 0.6 : 1)), Math.floor(u() * 365), date.slice(0, 4),
    ].join(','));
    events.push({ event_id: id, register_id: registerId, index_date: date, cohort });
    return id;
  };
  const date = () => `${pick(['2019', '2020'])}-${String(1 + Math.floor(u() * 12)).padStart(2, '0')}-15`;
  const linkLines = ['row,status,tier,score,register_id,event_id'];
  let row = 2;
  for (let r = 1; r <= 60; r++) {
    const id = add(r, true, date());
    linked.add(id);
    linkLines.push(`${row++},linked,pnc,1.0,${r},${id}`);
    if (r % 10 === 0) add(r, true, date()); // another event of a cohort member in the period: not a comparator
  }
  linkLines.push(`${row++},no_match,,,,`);
  linkLines.push(`${row++},suspect,fuzzy,0.7,61,`);
  linkLines.push(`${row++},outside_period,pnc,1.0,62,`);
  for (let r = 61; r <= 1500; r++) {
    add(r, false, r % 25 === 0 ? '2018-06-01' : date());
    if (r % 7 === 0) add(r, false, date()); // a second event in the period: only the first is a comparator
  }
  writeFileSync(join(dir, 'events.csv'), lines.join('\n') + '\n');
  writeFileSync(join(dir, 'links.csv'), linkLines.join('\n') + '\n');
  writeFileSync(join(dir, 'request.json'), JSON.stringify({ id: 't1', analysis_period: { from: '2019-01-01', to: '2020-12-31' } }));
  const db = await Duck.open({ threads: 1 });
  try {
    await db.run(`COPY (SELECT * REPLACE (CAST(index_date AS DATE) AS index_date) FROM read_csv($p) ORDER BY event_id) TO '${join(dir, 'events.parquet')}' (FORMAT parquet)`, { p: join(dir, 'events.csv') });
    await db.run(`COPY (SELECT * FROM read_csv($p, types = {'register_id': 'BIGINT', 'event_id': 'BIGINT', 'tier': 'VARCHAR', 'score': 'DOUBLE'}) ORDER BY "row") TO '${join(dir, 'links.parquet')}' (FORMAT parquet)`, { p: join(dir, 'links.csv') });
  } finally {
    db.close();
  }
}

async function runOnce() {
  return runStageDirect(stage, stageUrl, {
    inputs: { links: join(dir, 'links.parquet'), events: join(dir, 'events.parquet'), request: join(dir, 'request.json') },
  });
}

test('the stage matches linked events against the pool and writes matched, model and balance', async () => {
  await buildInputs();
  const run = await runOnce();
  const model = JSON.parse(readFileSync(run.outputs.model!, 'utf8'));
  const balance = JSON.parse(readFileSync(run.outputs.balance!, 'utf8'));
  const matched = tableFromIPC(readFileSync(run.outputs.matched!));

  // Independently: the pool is each person's first in-period event, of people never associated
  // with the cohort.
  const cohortPeople = new Set([...Array.from({ length: 62 }, (_, i) => i + 1)]);
  const inPeriod = events.filter((e) => !e.cohort && !cohortPeople.has(e.register_id) && e.index_date >= '2019-01-01' && e.index_date <= '2020-12-31');
  const firstOf = new Map<number, Event>();
  for (const e of inPeriod) {
    const f = firstOf.get(e.register_id);
    if (!f || e.index_date < f.index_date || (e.index_date === f.index_date && e.event_id < f.event_id)) firstOf.set(e.register_id, e);
  }
  const pool = [...firstOf.values()];
  const excluded = model.model.exclusions;
  assert.is(model.model.treated + excluded.missing.treated + excluded.pruned.treated, 60);
  assert.is(model.model.comparison + excluded.missing.comparison + excluded.pruned.comparison + excluded.outside_range.comparison, pool.length);
  assert.is(model.cohort.linked_events, 60);
  assert.is(model.model.converged, true);
  assert.equal(model.matching.exact, ['gender', 'sentence_type']);
  assert.is(model.matching.method, 'caliper');

  const ids = Array.from(matched.getChild('event_id')!.toArray() as BigInt64Array, Number);
  const treated = Array.from(matched.getChild('treated')!.toArray() as Int32Array);
  const weight = Array.from(matched.getChild('weight')!.toArray() as Float64Array);
  const score = Array.from(matched.getChild('score')!.toArray() as Float64Array);
  assert.equal(matched.schema.fields.map((f) => f.name), ['event_id', 'treated', 'weight', 'score']);
  assert.equal(ids, [...ids].sort((a, b) => a - b), 'ordered by event_id');
  const poolIds = new Set(pool.map((e) => e.event_id));
  let treatedCount = 0, comparisonWeight = 0;
  ids.forEach((id, k) => {
    assert.ok(Number.isFinite(score[k]!));
    assert.ok(weight[k]! > 0);
    if (treated[k]) {
      assert.ok(linked.has(id), 'a treated row is a linked event');
      assert.is(weight[k], 1);
      treatedCount++;
    } else {
      assert.ok(poolIds.has(id), 'a comparator comes from the pool');
      comparisonWeight += weight[k]!;
    }
  });
  assert.is(treatedCount, model.matching.counts.treated_matched);
  assert.ok(Math.abs(comparisonWeight - treatedCount) < 1e-9, 'comparison weights sum to the matched treated');
  assert.is(run.result && run.result.rows!.matched, ids.length);

  assert.ok(balance.covariates.length > 11);
  assert.ok(balance.max_abs_smd_after < balance.max_abs_smd_before, 'balance improves');
  const prev = balance.covariates.find((c: { covariate: string }) => c.covariate === 'prev_offences');
  assert.ok(Math.abs(prev.after.smd) < Math.abs(prev.before.smd));
  assert.is((statSync(run.outputs.matched!).mode & 0o777).toString(8), '600');

  // Same inputs, same bytes.
  const again = await runOnce();
  for (const name of ['matched', 'model', 'balance']) {
    assert.ok(readFileSync(run.outputs[name]!).equals(readFileSync(again.outputs[name]!)), `${name} differs between runs`);
  }
  if (process.env.PSM_KEEP) console.log(run.workDir); else rmSync(run.workDir, { recursive: true, force: true });
  rmSync(again.workDir, { recursive: true, force: true });
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
