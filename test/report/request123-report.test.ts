// The request 123 report, built by the real pipeline in a scratch project, checked against its own
// inputs: every number it publishes is in results.json as data (not merely inside a sentence), the
// counts reconcile (entries, people, tiers, group sizes), the method text names exactly what the
// propensity stage used, every measure has a difference chart whose text alternative carries its
// values, headings never skip a level, and the colours of the marks have 3:1 contrast.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeJusticeProject, pipeline, removeJusticeProjects } from '../helpers/justice-project.ts';

let root = '';
let html = '';
let results: any;
const blob = (stage: string, output: string) => {
  const dir = join(root, 'data/runs/123');
  const last = readdirSync(dir).filter((f) => /^\d{8}T.*\.json$/.test(f)).sort().at(-1)!;
  const rec = JSON.parse(readFileSync(join(dir, last), 'utf8'));
  return JSON.parse(readFileSync(join(root, 'data/store/objects', rec.stages[stage].outputs[output].hash), 'utf8'));
};

test.before(async () => {
  root = await makeJusticeProject(['123']);
  const r = pipeline(root, ['--request', '123']);
  assert.is(r.status, 0, r.stderr);
  html = readFileSync(join(root, 'data/reports/123/report.html'), 'utf8');
  results = JSON.parse(readFileSync(join(root, 'data/reports/123/results.json'), 'utf8'));
});
test.after(() => removeJusticeProjects());

/** Numbers in a piece of text, as magnitudes ("-0.4", "12,545", "<1%", "38%" -> 0.4, 12545, 1, 38). */
function numbersIn(text: string): number[] {
  return [...text.matchAll(/\d[\d,]*(?:\.\d+)?/g)].map((m) => Number(m[0].replace(/,/g, '')));
}

/** Every number results.json holds as data: JSON numbers, and strings that are formatted figures (not sentences). */
function resultNumbers(x: unknown, key = '', out = new Set<number>()): Set<number> {
  const FIGURE_STRINGS = new Set(['printed', 'p_display', 'percent', 'treatment_percent', 'smd_before', 'smd_after', 'variance_ratio', 'lower', 'upper', 'from', 'to', 'report_date', 'category']);
  if (typeof x === 'number') out.add(Math.abs(x));
  else if (typeof x === 'string' && FIGURE_STRINGS.has(key)) for (const n of numbersIn(x)) out.add(n);
  else if (Array.isArray(x)) for (const v of x) resultNumbers(v, key, out);
  else if (x && typeof x === 'object') for (const [k, v] of Object.entries(x)) if (!['text', 'erratum', 'provenance'].includes(k)) resultNumbers(v, k, out);
  return out;
}

/** The report's visible text (chart labels included, axis ticks and the provenance footer not). */
function visibleText(page: string): string {
  return page
    .replace(/<style[\s\S]*?<\/style>/g, ' ')
    .replace(/<head[\s\S]*?<\/head>/g, ' ')
    .replace(/<footer[\s\S]*?<\/footer>/g, ' ')
    .replace(/<nav[\s\S]*?<\/nav>/g, ' ')
    .replace(/<text class="tick"[^>]*>[^<]*<\/text>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#(\d+);/g, (_m, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&[a-z]+;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}

// Numbers that are part of the standard wording, not results: each phrase is removed before the check.
const STATIC = [
  /Tables? \d( (to|and) \d)?(-\d)?/g, /95% (CI|confidence interval|interval)/g, /For 100 typical/g, /these 100 /g, /of the 100 /g, /every 100 /g, /\b100 (similar|people in each group|in 100)\b/g,
  /n × p below 10/g, /p-value of 0\.05 or less/g, /fewer than (60|30)/g, /an 80% chance/g, /close to 0\.05/g, /in 100\b/g,
  /A variable is well matched when[^.]*\.[^.]*\.[^.]*\./g, /standardised differences? (below|above) \d+%( and variance ratios between 0\.8 and 1\.25)?/g,
  /\(5% to 10%, or a variance ratio between 0\.5 and 2\)/g, /\(above 10%, or a variance ratio outside 0\.5 to 2\)/g, /a standardised difference above 10%, or a variance ratio outside 0\.5 to 2/g,
  /~ Numbers below 5/g, /(sum of weights)²/g, /\(sum of squared weights\)/g, /weight of 1\b/g,
  // The names of the linkage model's comparison levels (the annex): their thresholds are part of the name.
  /Jaro-Winkler ≥ \d\.\d+/g,
  // the unit of a bound in a fragility note: "(-0.5 offenders per 100)"
  / per 100( people)?\)/g,
]

test('every number the report publishes is in results.json as data', () => {
  let text = visibleText(html);
  for (const re of STATIC) text = text.replace(re, ' ');
  const pool = resultNumbers(results);
  const missing = [...new Set(numbersIn(text))].filter((n) => !pool.has(n));
  // Show each missing number in context, so a failure says where it is printed.
  const where = missing.map((n) => {
    const i = text.search(new RegExp(`(^|[^\\d.])${String(n).replace('.', '\\.')}(?![\\d])`));
    return `${n}: …${text.slice(Math.max(0, i - 60), i + 40)}…`;
  });
  assert.equal(where, [], `numbers printed in the report but not in results.json:\n${where.join('\n')}`);
  // The check can fail: without the linkage block (the "matched by" table the old results lacked),
  // its tier counts are reported missing.
  const { linkage: _l, ...withoutLinkage } = results;
  const poorer = resultNumbers(withoutLinkage);
  const tier = results.linkage.tiers.map((t: { count: number }) => t.count).find((n: number) => !poorer.has(n));
  assert.ok(tier !== undefined && numbersIn(text).includes(tier), 'a tier count is found only through the linkage block');
});

test('counts reconcile: entries, people, tiers and group sizes', () => {
  const a = results.attrition;
  // Small losses are published as null ("fewer than 5", or "some" when hidden to protect one), so
  // the steps reconcile through the stages' own unsuppressed counts: each published count must be
  // the stage's, each withheld one must be one the disclosure rule withholds, and together with the
  // treatment group they must account for every submitted entry.
  const intakeCounts = blob('intake', 'summary').counts;
  const matchReport = blob('linkage', 'matchReport');
  const model = blob('propensity', 'model');
  const internal = new Map<string, number>([
    ['unusable', intakeCounts.unusable],
    ['duplicates', intakeCounts.duplicates],
    ...matchReport.attrition.filter((s: { step: string }) => s.step !== 'submitted').map((s: { step: string; lost: number }): [string, number] => [s.step, s.lost]),
    ['missing_covariate', model.model.exclusions?.missing?.treated ?? 0],
    ['off_support', model.matching.counts.treated_off_support],
  ]);
  type Loss = { reason: string; count: number | null; suppressed: boolean; unit: string };
  const counted = a.losses.map((l: Loss) => {
    const n = internal.get(l.reason);
    assert.ok(n !== undefined && n > 0, `${l.reason}: a loss the stages counted`);
    if (l.suppressed) assert.is(l.count, null, `${l.reason}: withheld`);
    else assert.is(l.count, n, `${l.reason}: as the stage counted it`);
    return { ...l, n: n! };
  });
  const withheld = counted.filter((l: Loss) => l.suppressed);
  if (withheld.length) assert.ok(withheld.some((l: { n: number }) => l.n < 5), 'something is withheld only to protect a count under 5');
  assert.ok(counted.filter((l: Loss) => !l.suppressed).every((l: { n: number }) => l.n >= 5), 'no count under 5 is published');
  const losses = counted.reduce((s: number, l: { n: number }) => s + l.n, 0);
  assert.is(a.submitted, losses + a.treatment, 'every submitted entry is lost at one step or in the treatment group');
  for (const [reason, n] of internal) if (n > 0 && reason !== 'duplicates' && reason !== 'unusable') assert.ok(counted.some((l: Loss) => l.reason === reason), `${reason}: a loss the report shows`);
  const duplicates = counted.filter((l: Loss) => l.unit === 'entries').reduce((s: number, l: { n: number }) => s + l.n, 0);
  assert.is(results.not_included.total, a.submitted - duplicates - a.treatment, 'the box counts people, not duplicate entries');
  assert.ok(visibleText(html).includes(`a different impact on ${results.not_included.total} other participants`), 'the intro counts the same people as the box');
  const tiers = results.linkage.tiers.reduce((s: number, t: { count: number }) => s + t.count, 0);
  assert.is(results.linkage.total, tiers, 'the tiers add up to the total found');
  assert.is(results.linkage.total, results.analyses[0].group_sizes.treatment + results.method.missing_treated + results.method.off_support, 'found = treated + lost in matching');
  const intake = blob('intake', 'summary').counts;
  assert.is(a.submitted, intake.submitted);
  const match = blob('linkage', 'matchReport');
  assert.is(results.linkage.total, match.linked);
  const g = results.analyses[0].group_sizes;
  assert.is(g.treatment, a.treatment);
  assert.is(g.comparison, a.comparison);
  const rate = results.analyses[0].measures.find((m: { measure: string }) => m.measure === 'reoff');
  // The weighted reoffenders over the weighted size give the comparison rate the report prints.
  assert.is(Math.round((100 * g.comparison_weighted_reoffenders) / g.comparison_weighted), rate.comparison.mean);
  assert.is(Math.round((100 * g.treatment_reoffenders) / g.treatment), rate.treatment.mean);
  assert.ok(g.comparison_effective < g.comparison, 'the effective size is below the number of people');
});

test('the method text names what the propensity stage did, and nothing else', () => {
  const model = blob('propensity', 'model');
  const text = visibleText(html);
  assert.not.match(text, /risks and needs/i);
  assert.not.match(text, /OASys/);
  assert.equal(results.method.covariates, model.model.terms.map((t: { name: string }) => t.name));
  assert.equal(results.method.exact, model.matching.exact);
  assert.match(text, new RegExp(`from ${model.model.terms.length} characteristics recorded in the national offender register`));
  assert.match(text, /People were also matched exactly on sex and sentence type \(custody or community\)/);
  assert.match(text, new RegExp(`within 0\\.2 standard deviations of their own \\(a caliper of ${model.matching.caliper_width.toFixed(3)}\\)`));
  assert.match(text, /Matching is one-to-many/);
  assert.match(text, new RegExp(`its effective size, \\(sum of weights\\)² ÷ \\(sum of squared weights\\), is ${results.analyses[0].group_sizes.comparison_effective.toLocaleString('en-GB')} of`));
  // The register holds risk scores and needs the model did not use: none of them is named.
  for (const unused of ['ogrs', 'need_accommodation', 'need_drugs']) assert.not.ok(results.method.covariates.includes(unused), unused);
});

test('a difference chart for every shown measure, its text alternative with the values', () => {
  const shown = results.analyses[0].measures.filter((m: { shown: boolean }) => m.shown);
  const charts = [...html.matchAll(/<figure class="chart difference" id="([^"]+)">[\s\S]*?aria-label="([^"]*)"[\s\S]*?<\/figure>/g)];
  assert.is(charts.length, 3);
  const rows = charts.reduce((s, c) => s + (c[0].match(/<circle /g) ?? []).length, 0);
  assert.is(rows, shown.length, 'one dot per shown measure');
  const alts = charts.map((c) => c[2]!.replace(/&#39;/g, "'")).join(' ');
  for (const m of shown) assert.ok(alts.includes(`(95% CI ${m.difference.printed})`), `${m.measure}: ${m.difference.printed}`);
  // The group charts' text alternatives carry values too.
  for (const id of ['chart-frequency', 'chart-time']) {
    const fig = html.slice(html.indexOf(`id="${id}"`));
    assert.match(/aria-label="([^"]*)"/.exec(fig)![1]!, /Treatment group [\d.]+( days)? \(95% CI [\d.]+( days)? to [\d.]+( days)?\); Comparison group/);
  }
  assert.ok(html.includes('id="chart-overlap"'));
});

test('in every table row, "Significant difference?" agrees with the printed interval, and no bound is printed as 0', () => {
  let rows = 0;
  for (const m of html.matchAll(/<tr(?: class="significant")?>((?:\s*<td[^>]*>[^<]*<\/td>)+)\s*<\/tr>/g)) {
    const cells = [...m[1]!.matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map((c) => c[1]!);
    const i = cells.findIndex((c) => /^-?&?l?t?;?<?[\d.,]+ to -?&?l?t?;?<?[\d.,]+$/.test(c.replace(/&lt;/g, '<')));
    if (i < 0 || !['Yes', 'No'].includes(cells[i + 1] ?? '')) continue;
    rows++;
    const [lo, hi] = cells[i]!.replace(/&lt;/g, '<').split(' to ').map((b) => Number(b.replace(/[<,]/g, '')));
    assert.not.ok(lo === 0 || hi === 0, `a bound printed as 0: ${cells[i]}`);
    assert.is(cells[i + 1] === 'Yes', lo! > 0 || hi! < 0, `${cells.join(' | ')}`);
  }
  assert.ok(rows >= 9, `${rows} table rows checked`);
});

test('headings never skip a level', () => {
  const levels = [...html.matchAll(/<h([1-6])\b/g)].map((m) => Number(m[1]));
  assert.is(levels[0], 1);
  for (let i = 1; i < levels.length; i++) assert.ok(levels[i]! <= levels[i - 1]! + 1, `h${levels[i - 1]} followed by h${levels[i]}`);
});

/** WCAG relative luminance and contrast ratio of two #rrggbb colours. */
function contrast(a: string, b: string): number {
  const lum = (hex: string) => {
    const [r, g, bl] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
  };
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
  return (x! + 0.05) / (y! + 0.05);
}

test('the colours of chart marks have at least 3:1 contrast against the white page', () => {
  const css = html.slice(html.indexOf('<style>'), html.indexOf('</style>'));
  const vars = Object.fromEntries([...css.matchAll(/--([a-z]+): (#[0-9a-f]{6})/g)].map((m) => [m[1]!, m[2]!]));
  for (const name of ['treat', 'comp', 'good', 'bad', 'neutral', 'ink', 'muted']) {
    assert.ok(vars[name], name);
    assert.ok(contrast(vars[name]!, '#ffffff') >= 3, `--${name} ${vars[name]}: ${contrast(vars[name]!, '#ffffff').toFixed(2)}:1`);
  }
  assert.ok(contrast('#a7a9ac', '#ffffff') < 3, 'the old comparison grey fails the check (negative control)');
});

test.run();
