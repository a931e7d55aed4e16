// The metrics stage end to end on hand-built inputs with a known effect, checked against a plain
// independent computation of the same rows.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import stage from '../../stages/metrics/stage.ts';
import type { AnalysisResult } from '../../stages/metrics/analyse.ts';
import { runStageDirect } from '../helpers/run-stage.ts';
import { buildInputs, stageInputs, writeMatched, type Person } from './build-inputs.ts';
import { testTempDir } from '../helpers/temp-dir.ts';

const stageUrl = new URL('../../stages/metrics/stage.ts', import.meta.url).href;
const close = (a: number | null, e: number, tol: number, what: string) => assert.ok(a !== null && Math.abs(a - e) <= tol, `${what}: ${a} vs ${e}`);

async function run(o: Parameters<typeof buildInputs>[1], params: Record<string, unknown> = {}) {
  const dir = testTempDir('metrics-test-');
  const built = await buildInputs(dir, o);
  const r = await runStageDirect(stage, stageUrl, { inputs: stageInputs(built), params: params as never });
  const text = readFileSync(r.outputs.metrics!, 'utf8');
  return { built, text, out: JSON.parse(text) as { analyses: AnalysisResult[]; profile: any; not_included: any; significant_results: any[] } };
}

function plainWeightedMean(people: Person[], value: (p: Person) => number | null): number {
  let num = 0;
  let den = 0;
  for (const p of people) {
    const v = value(p);
    if (v === null || p.weight === 0) continue;
    num += p.weight * v;
    den += p.weight;
  }
  return num / den;
}

test('headline measures match an independent computation and find the effect', async () => {
  const { built, out } = await run({ treated: 300, comparison: 3000, unmatched: 500, treatRate: 0.3, compRate: 0.45, zeroWeight: 20 });
  const h = out.analyses[0]!;
  const treated = built.people.filter((p) => p.treated === 1);
  const comp = built.people.filter((p) => p.treated === 0 && p.weight > 0);
  assert.is(h.group_sizes.treatment, 300);
  assert.is(h.group_sizes.comparison, 3000 - 20);
  assert.is(h.group_sizes.treatment_reoffenders, treated.filter((p) => p.reoff).length);
  const nEff = comp.reduce((s, p) => s + p.weight, 0) ** 2 / comp.reduce((s, p) => s + p.weight ** 2, 0);
  close(h.group_sizes.comparison_effective, nEff, 1e-6, 'effective n');

  const byId = Object.fromEntries(h.measures.map((m) => [m.measure, m]));
  for (const id of ['reoff', 'reoff_freq', 'days_to_first', 'first_summary', 'freq_either_way', 'custody_freq'] as const) {
    const m = byId[id]!;
    const pop = (p: Person) => (m.population === 'reoffenders' ? p.reoff === 1 : true);
    const tMean = plainWeightedMean(treated.filter(pop), (p) => p[id] as number);
    const cMean = plainWeightedMean(comp.filter(pop), (p) => p[id] as number);
    close(m.treatment.mean, tMean, 1e-12, `${id} treatment mean`);
    close(m.comparison.mean, cMean, 1e-12, `${id} comparison mean`);
    close(m.difference.estimate, tMean - cMean, 1e-12, `${id} difference`);
    assert.ok(m.difference.lower! < m.difference.estimate! && m.difference.estimate! < m.difference.upper!, `${id} interval brackets the estimate`);
    assert.is(m.treatment.n, treated.filter(pop).length);
  }
  const rate = byId.reoff!;
  assert.ok(rate.difference.estimate! < 0, 'lower reoffending in the treatment group');
  assert.ok(rate.difference.upper! < 0, 'interval below zero');
  assert.ok(rate.difference.p! <= 0.05 && rate.significant === true);
  close(rate.np_treat, treated.filter((p) => p.reoff).length, 1e-9, 'np_treat = number of reoffenders');
  assert.ok(rate.gates.shown && rate.gates.significant_list);
  assert.ok(out.significant_results.some((s) => s.measure === 'reoff' && s.direction === 'lower'));
  // Welch: the comparison group counts with its effective size, so df < nT + nEff - 2.
  assert.ok(rate.difference.df! < 300 + nEff - 2);
  assert.ok(rate.number_needed! > 0);
});

test('profile counts add up, small cells are suppressed with a partner', async () => {
  const { built, out } = await run({ treated: 120, comparison: 600, treatRate: 0.3, compRate: 0.35 });
  const treated = built.people.filter((p) => p.treated === 1);
  assert.is(out.profile.n, 120);
  const eth = out.profile.sections.find((s: any) => s.section === 'ethnicity');
  assert.is(eth.total, 120);
  for (const c of eth.cells) {
    const truth = treated.filter((p) => ({ White: 'White', Black: 'Black', Asian: 'Asian', Mixed: 'Mixed', Other: 'Other' } as Record<string, string>)[p.ethnicity] === c.category).length;
    if (c.suppressed) assert.is(c.count, null);
    else assert.is(c.count, truth, c.category);
    if (truth > 0 && truth < 5) assert.ok(c.suppressed, `${c.category} (small) suppressed`);
  }
  const hidden = eth.cells.filter((c: any) => c.suppressed).length;
  assert.ok(hidden === 0 || hidden >= 2);
  const ages = treated.map((p) => p.age_index);
  assert.is(out.profile.age.min, null, 'no minimum age is published (disclosure.ts)');
  assert.is(out.profile.age.max, null, 'no maximum age is published');
  assert.is(out.profile.age.mean, Math.round(ages.reduce((s, a) => s + a, 0) / ages.length));
});

test('the people not included: the cohort outside the treatment group, duplicates left out, register details only for people it holds', async () => {
  const { built, out } = await run({ treated: 80, comparison: 400, treatRate: 0.3, compRate: 0.4, notIncluded: { noMatch: 14, noEligibleSentence: 23, duplicates: 4 } });
  const outside = built.notIncluded;
  const ni = out.not_included;
  assert.is(ni.n, 37, '14 not found + 23 without an eligible sentence; the 4 duplicates are nobody new');
  assert.is(ni.in_register, 23);
  const section = (name: string) => Object.fromEntries(ni.sections.find((x: any) => x.section === name).cells.map((c: any) => [c.category, c.count]));
  const count = (f: (o: (typeof outside)[number]) => boolean) => outside.filter(f).length;
  const sex = section('sex');
  const [men, women] = [count((o) => o.gender === 'M'), count((o) => o.gender === 'F')];
  if (men >= 5 && women >= 5) assert.equal(sex, { Male: men, Female: women });
  else assert.ok(Object.values(sex).includes(null), 'a small sex cell is suppressed');
  const ethnicity = section('ethnicity');
  assert.is(ethnicity.Unknown, 14, 'people the register does not hold have no ethnicity');
  assert.is(ethnicity.White + ethnicity.Black, 23);
  const ages = outside.map((o) => o.age);
  assert.is(ni.age.min, null);
  assert.is(ni.age.max, null);
  assert.is(ni.age.mean, Math.round(ages.reduce((a, b) => a + b, 0) / ages.length));
  const bands = section('age_band');
  const under18 = count((o) => o.age < 18);
  if (under18 >= 5) assert.is(bands['Under 18'], under18);
  assert.is(Object.keys(bands)[0] === 'Under 18', under18 > 0, 'Under 18 is listed first, and only when someone is');
  // The treatment group's own profile is unchanged by them.
  assert.is(out.profile.n, 80);
  // Without outsiders the box is empty.
  const none = await run({ treated: 80, comparison: 400, treatRate: 0.3, compRate: 0.4 });
  assert.is(none.out.not_included.n, 0);
  assert.is(none.out.not_included.age.mean, null);
});

test('gates: fewer than 60 treated and fewer than 30 reoffenders', async () => {
  const { out } = await run({ treated: 59, comparison: 400, treatRate: 0.3, compRate: 0.4, floatIds: true });
  const h = out.analyses[0]!;
  assert.is(h.publishable, false);
  assert.ok(h.measures.every((m) => !m.gates.shown && m.gates.withheld_reason === 'treatment_group_below_60'));
  assert.is(out.significant_results.length, 0);

  const few = (await run({ treated: 80, comparison: 400, treatRate: 0.2, compRate: 0.4 })).out.analyses[0]!;
  assert.ok(few.group_sizes.treatment_reoffenders < 30, `${few.group_sizes.treatment_reoffenders} reoffenders`);
  assert.is(few.reoffender_measures_shown, false);
  for (const m of few.measures) assert.is(m.gates.shown, m.population === 'all', m.measure);
});

test('sub-analyses by region, and same inputs give the same bytes', async () => {
  const o = { treated: 200, comparison: 900, treatRate: 0.3, compRate: 0.4, regions: ['London', 'Wales'] };
  const a = await run(o, { subAnalyses: ['region'] });
  const b = await run(o, { subAnalyses: ['region'] });
  assert.is(a.text, b.text);
  assert.equal(a.out.analyses.map((x) => x.id), ['headline', 'region:London', 'region:Wales']);
  const london = a.out.analyses[1]!;
  const treatedLondon = a.built.people.filter((p) => p.treated === 1 && p.region === 'London').length;
  assert.is(london.group_sizes.treatment, treatedLondon);
  assert.is(london.publishable, treatedLondon >= 60);
});

async function message(f: () => Promise<unknown>): Promise<string> {
  try {
    await f();
  } catch (e) {
    return (e as Error).message;
  }
  return '';
}

test('contract errors name the row or param, never a value', async () => {
  const dir = testTempDir('metrics-test-');
  const built = await buildInputs(dir, { treated: 70, comparison: 100, treatRate: 0.3, compRate: 0.4 });
  const inputs = stageInputs(built);
  assert.match(await message(() => runStageDirect(stage, stageUrl, { inputs, params: { subAnalyses: ['surname'] } as never })), /subAnalyses: surname is not one of/);
  // A matched event the register does not hold.
  const bad = built.people.slice();
  bad[0] = { ...bad[0]!, event_id: 999_999_999 };
  writeMatched(join(dir, 'bad.arrow'), bad);
  assert.match(await message(() => runStageDirect(stage, stageUrl, { inputs: { ...inputs, matched: join(dir, 'bad.arrow') } })), /1 matched events are not in register.events/);
  // A duplicated event id.
  writeMatched(join(dir, 'dup.arrow'), [...built.people, built.people[5]!]);
  const dup = await message(() => runStageDirect(stage, stageUrl, { inputs: { ...inputs, matched: join(dir, 'dup.arrow') } }));
  assert.match(dup, /^matched row \d+: event_id repeats an earlier row$/);
});

test.run();
