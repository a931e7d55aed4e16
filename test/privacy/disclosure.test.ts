// The disclosure rules (stages/metrics/disclosure.ts), checked on what a provider receives: every
// count in results.json and every number in report.html, for reports rendered by the real metrics
// and report stages from fixtures with small groups, small losses and few people left out.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import report from '../../stages/report/stage.ts';
import { runStageDirect } from '../helpers/run-stage.ts';
import { buildReportFixture } from '../report/build-report-inputs.ts';
import { countsByPath, differencingProblems, suppressCounts, DISCLOSURE_THRESHOLD } from '../../stages/metrics/disclosure.ts';
import type { Json } from '../../src/stage.ts';

const T = DISCLOSURE_THRESHOLD;
const reportUrl = new URL('../../stages/report/stage.ts', import.meta.url).href;

/** Problems with a results file and its page: each names where, never a value beyond the count. */
export function disclosureProblems(results: Record<string, Json>, html: string): string[] {
  const problems: string[] = [];
  // results.json: every count of people in the profiles and the attrition is 0, at least T, or withheld.
  for (const [path, n] of countsByPath(results as Json)) {
    if (/^\$\.(profile|not_included|attrition|linkage_model)\b/.test(path) && !/\.total$|attrition\.(submitted|treatment|comparison)$|\.n$/.test(path) && n > 0 && n < T) problems.push(`${path} = ${n}`);
  }
  for (const p of ['profile', 'not_included'] as const) {
    const age = (results[p] as { age?: { min: unknown; max: unknown } | null } | null)?.age;
    if (age && (age.min !== null || age.max !== null)) problems.push(`${p}.age has a minimum or maximum`);
    for (const s of ((results[p] as { sections?: { section: string; cells: { suppressed: boolean; count: number | null; percent: number | null }[] }[] } | null)?.sections ?? [])) {
      const hidden = s.cells.filter((c) => c.suppressed);
      if (hidden.length === 1) problems.push(`${p}.${s.section}: one suppressed cell alone (its total gives it back)`);
      if (hidden.some((c) => c.count !== null || c.percent !== null)) problems.push(`${p}.${s.section}: a suppressed cell with a figure`);
    }
  }
  // The histogram of match weights (the annex): per column, never one hidden cell alone, and a hidden cell has no figure.
  const bins = ((results.linkage_model as { histogram?: { bins: { category: string; cells: { category: string; count: number | null; suppressed: boolean }[] }[] } | null } | null)?.histogram?.bins ?? []);
  for (const side of ['found', 'discarded']) {
    const cells = bins.map((b) => b.cells.find((c) => c.category === side)!);
    if (cells.filter((c) => c.suppressed).length === 1) problems.push(`linkage_model.histogram ${side}: one suppressed cell alone (its total gives it back)`);
    if (cells.some((c) => c.suppressed && c.count !== null)) problems.push(`linkage_model.histogram ${side}: a suppressed cell with a figure`);
  }
  const losses = ((results.attrition as { losses?: { count: number | null; suppressed?: boolean }[] } | null)?.losses ?? []);
  if (losses.filter((l) => l.count === null).length === 1) problems.push('attrition: one suppressed loss alone');
  // report.html: the visible text, and the count cells of its tables.
  const visible = (h: string) => h.replace(/<style[\s\S]*?<\/style>/g, '').replace(/<[^>]+>/g, ' ').replace(/&[a-z]+;|&#\d+;/g, ' ').replace(/\s+/g, ' ');
  for (const m of visible(html).matchAll(/Aged \d+ to \d+/g)) problems.push(`report: "${m[0]}"`);
  // Counts of people are in the profile (with the box of those not included) and the attrition;
  // elsewhere "N offenders" is a rate per 100 or an interval, not a count of anyone.
  const text = ['profile', 'attrition'].map((id) => {
    const start = html.indexOf(`<section id="${id}"`);
    return start < 0 ? '' : visible(html.slice(start, html.indexOf('</section>', start)));
  }).join(' ');
  for (const m of text.matchAll(/(?<![\d.,])(\d[\d,]*) (people|person|offenders|participants)\b/g)) {
    const n = Number(m[1]!.replace(/,/g, ''));
    if (n > 0 && n < T && !/fewer than \d+ $/.test(text.slice(Math.max(0, m.index! - 15), m.index!))) problems.push(`report: "${m[0]}"`);
  }
  // Every count cell of the histogram of match weights, both columns.
  for (const table of html.matchAll(/<table id="table-match-weights"[\s\S]*?<\/table>/g)) {
    for (const cell of table[0].matchAll(/<td class="num">([^<]*)<\/td>/g)) {
      const c = cell[1]!.trim();
      const n = Number(c.replace(/,/g, ''));
      if (c !== '~' && !(Number.isFinite(n) && (n === 0 || n >= T))) problems.push(`report table table-match-weights: "${c}"`);
    }
  }
  // The histogram's drawing: its texts are the axis (bits), the scale's top (a count shown in the
  // table) and marks; a bar's height is never a hidden count's.
  for (const svg of html.matchAll(/<figure class="chart weights"[\s\S]*?<\/figure>/g)) {
    for (const scale of svg[0].matchAll(/<text class="tick scale"[^>]*>([^<]*)<\/text>/g)) {
      const n = Number(scale[1]!.replace(/,/g, ''));
      if (scale[1]!.trim() !== '' && !(n >= T)) problems.push(`chart-match-weights: scale "${scale[1]}"`);
    }
  }
  for (const table of html.matchAll(/<table id="(profile-[^"]+|not-included-[^"]+|table-linkage)"[\s\S]*?<\/table>/g)) {
    for (const row of table[0].matchAll(/<tr><td>[^<]*<\/td><td class="num">([^<]*)<\/td>/g)) {
      const c = row[1]!.trim();
      const n = Number(c.replace(/,/g, ''));
      if (c !== '~' && !/^(fewer than \d+|some)$/.test(c) && !(Number.isFinite(n) && (n === 0 || n >= T))) problems.push(`report table ${table[1]}: "${c}"`);
    }
  }
  return problems;
}

async function render(o: Parameters<typeof buildReportFixture>[0]) {
  const fx = await buildReportFixture(o);
  const r = await runStageDirect(report, reportUrl, { inputs: fx.inputs });
  return { html: readFileSync(r.outputs.report!, 'utf8'), results: JSON.parse(readFileSync(r.outputs.results!, 'utf8')) };
}

test('the rule checker itself finds each kind of breach', () => {
  const bad = {
    profile: { sections: [{ section: 'sex', total: 70, cells: [{ category: 'Male', count: 67, percent: 96, suppressed: false }, { category: 'Female', count: null, percent: null, suppressed: true }] }], age: { min: 17, max: 55, mean: 30 } },
    not_included: null,
    attrition: { submitted: 90, losses: [{ reason: 'suspect', count: 1, text: 'x' }], treatment: 70, comparison: 300 },
    linkage_model: { histogram: { bins: [
      { category: '0 to 2', cells: [{ category: 'found', count: 2, suppressed: false }, { category: 'discarded', count: null, suppressed: true }] },
      { category: '2 to 4', cells: [{ category: 'found', count: 40, suppressed: false }, { category: 'discarded', count: 0, suppressed: false }] },
    ] } },
  } as unknown as Record<string, Json>;
  const html = '<p>Aged 17 to 55</p><section id="attrition"><ol><li>2 people had no match</li></ol></section><table id="profile-sex"><tr><td>Female</td><td class="num">3</td></tr></table>' +
    '<table id="table-match-weights"><tr><td>0 to 2</td><td class="num">40</td><td class="num">4</td></tr></table><figure class="chart weights"><svg><text class="tick scale">3</text></svg></figure>';
  const found = disclosureProblems(bad, html).join('\n');
  for (const kind of [/attrition\.losses\[reason=suspect\]\.count = 1/, /minimum or maximum/, /one suppressed cell alone/, /"Aged 17 to 55"/, /"2 people"/, /profile-sex: "3"/,
    /linkage_model\.histogram\.bins\[category=0 to 2\]\.cells\[category=found\]\.count = 2/, /histogram discarded: one suppressed cell alone/, /table-match-weights: "4"/, /chart-match-weights: scale "3"/]) assert.match(found, kind);
});

for (const [name, o] of [
  ['a group of 70 with one uncertain match and 5 people left out', { treated: 70, comparison: 350, treatRate: 0.3, compRate: 0.4, submitted: 84, seed: 3, notIncluded: { noMatch: 2, noEligibleSentence: 3 } }],
  ['a group of 150 with small breakdowns', { treated: 150, comparison: 700, treatRate: 0.35, compRate: 0.4, submitted: 190, seed: 11, notIncluded: { noMatch: 4, noEligibleSentence: 1, duplicates: 2 } }],
  ['a group of 300', { treated: 300, comparison: 1500, treatRate: 0.3, compRate: 0.4, submitted: 420, seed: 5, notIncluded: { noMatch: 14, noEligibleSentence: 23 } }],
] as const) {
  test(`every number of results.json and report.html follows the rules: ${name}`, async () => {
    const { html, results } = await render(o as never);
    assert.equal(disclosureProblems(results, html), []);
    // The page does show the figures, so the walk had something to check.
    assert.match(html, /id="attrition"/);
    assert.ok(countsByPath(results).size > 10);
  });
}

test('suppressed counts: a lone small one takes the next smallest with it; the hidden cells hold at least the threshold', () => {
  const out = suppressCounts([{ key: 'a', count: 40 }, { key: 'b', count: 2 }, { key: 'c', count: 9 }, { key: 'd', count: 0 }]);
  assert.equal(out.map((c) => [c.key, c.count, c.reason]), [['a', 40, null], ['b', null, 'primary'], ['c', null, 'secondary'], ['d', 0, null]]);
  const two = suppressCounts([{ key: 'a', count: 1 }, { key: 'b', count: 1 }, { key: 'c', count: 50 }, { key: 'd', count: 30 }]);
  assert.ok(two.filter((c) => c.suppressed).reduce((s, c) => s + (c.key === 'a' || c.key === 'b' ? 1 : c.key === 'd' ? 30 : 50), 0) >= T);
});

test('the differencing check: a change of 1 to 4 people against any earlier version fails, 0 or 5 and more passes', () => {
  const v = (treatment: number, other: number) => ({ analyses: [{ id: 'headline', group_sizes: { treatment, comparison: 1000 } }], profile: { sections: [{ section: 'ethnicity', cells: [{ category: 'Other', count: other }] }] } }) as unknown as Json;
  assert.equal(differencingProblems([{ version: 1, results: v(594, 21) }], v(594, 21)), []);
  assert.equal(differencingProblems([{ version: 1, results: v(594, 21) }], v(584, 16)), []);
  const one = differencingProblems([{ version: 1, results: v(594, 21) }], v(593, 20));
  assert.equal(one.map((p) => p.path).sort(), ['$.analyses[id=headline].group_sizes.treatment', '$.profile.sections[section=ethnicity].cells[category=Other].count']);
  // Against every earlier version, not only the last.
  assert.is(differencingProblems([{ version: 1, results: v(595, 22) }, { version: 2, results: v(600, 30) }], v(594, 21)).length, 2);
});

test.run();
