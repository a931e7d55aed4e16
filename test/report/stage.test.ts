// The report stage on hand-built inputs: the known effect is found and said in the service's
// words, every gate shows in the HTML and the results file, provider text is escaped, and the
// same inputs give the same bytes.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { stageCodeFiles } from '../../src/code.ts';
import metricsStage from '../../stages/metrics/stage.ts';
import stage from '../../stages/report/stage.ts';
import { NOT_PUBLISHABLE, NOT_SIGNIFICANT_SUMMARY, TIME_WITHHELD } from '../../stages/report/wording.ts';
import { buildReportFixture, renderReport, REPORT_STAGE_URL, validateResults } from './build-report-inputs.ts';

const stageUrl = REPORT_STAGE_URL;
const render = renderReport;
const validate = validateResults;

const text = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

test('a known reduction is found and reported as significantly better', async () => {
  const fx = await buildReportFixture({ treated: 300, comparison: 2500, treatRate: 0.28, compRate: 0.45, submitted: 400 });
  const { html, results } = await render(fx);
  validate(results);
  const metrics = JSON.parse(readFileSync(fx.inputs.metrics, 'utf8'));
  const rate = metrics.analyses[0].measures[0];
  assert.ok(rate.difference.upper < 0, 'fixture effect is a clear reduction');
  const t = text(html);
  assert.ok(t.includes('The overall results show that those who took part in the programme were less likely to reoffend'), 'summary');
  assert.match(t, /committed a proven reoffence within a one-year period \(a rate of \d+%\), \d+ offenders fewer than in the comparison group\./);
  assert.match(t, /could be lower by between \d+ and \d+ offenders\. This is a statistically significant result\./);
  assert.ok(t.includes('decreases the number of proven reoffenders during a one-year period by between'));
  // The rate table's row is highlighted and says Yes.
  const table1 = html.slice(html.indexOf('id="table-1"'), html.indexOf('</table>', html.indexOf('id="table-1"')));
  assert.match(table1, /<tr class="significant">/);
  for (let n = 1; n <= 7; n++) assert.ok(html.includes(`id="table-${n}"`), `table ${n}`);
  for (const id of ['chart-rate', 'chart-frequency', 'chart-time', 'table-balance', 'table-group-sizes', 'profile-sex', 'attrition', 'provenance']) assert.ok(html.includes(`id="${id}"`), id);
  // Three group charts, three difference charts (rates, frequencies, time) and the overlap plot.
  for (const id of ['chart-difference-rate', 'chart-difference-frequency', 'chart-difference-time', 'chart-overlap']) assert.ok(html.includes(`id="${id}"`), id);
  // ... and the histogram of match weights in the annex.
  assert.is((html.match(/<svg /g) ?? []).length, 8);
  // Results: the published figures, matching the metrics at published precision.
  const r = results.analyses[0].measures[0];
  assert.is(r.treatment.mean, Math.round(rate.treatment.mean * 100));
  assert.is(r.difference.upper, Math.round(rate.difference.upper * 100));
  assert.is(r.significant, true);
  assert.is(results.publishable, true);
  assert.is(results.provenance.key, '0'.repeat(64));
});

test('provider text is escaped, nothing is fetched, no timestamps: same inputs, same bytes', async () => {
  const fx = await buildReportFixture({ treated: 120, comparison: 800, treatRate: 0.35, compRate: 0.4, submitted: 200 });
  writeFileSync(fx.inputs.request, JSON.stringify({
    ...JSON.parse(readFileSync(fx.inputs.request, 'utf8')),
    organisation: { name: 'Org <script>alert(1)</script> & "Co"', description: '<img src=x onerror=alert(1)>' },
    provider_text: { own_words: 'We mentor people.\n\n<img src=y onerror=alert(2)> Second paragraph.', response: 'We welcome the findings.' },
  }));
  const a = await render(fx);
  const b = await render(fx);
  assert.is(a.html, b.html);
  assert.is(a.resultsText, b.resultsText);
  assert.not.ok(a.html.includes('<script'), 'no script element at all');
  assert.not.ok(a.html.includes('<img'), 'provider markup escaped');
  assert.ok(a.html.includes('Org &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Co&quot;'));
  // The provider's own words and response: their own sections, one paragraph per blank line, escaped.
  const own = a.html.slice(a.html.indexOf('id="own-words"'), a.html.indexOf('</section>', a.html.indexOf('id="own-words"')));
  assert.equal([...own.matchAll(/<p>([^<]*)<\/p>/g)].map((m) => m[1]), ['We mentor people.', '&lt;img src=y onerror=alert(2)&gt; Second paragraph.']);
  assert.ok(a.html.includes('id="response"') && a.html.includes('We welcome the findings.'));
  assert.ok(a.html.includes('href="#own-words"') && a.html.includes('href="#response"'), 'listed in the contents');
  // No element that fetches anything: look at the tags themselves (escaped text is harmless).
  const tags = a.html.match(/<[a-zA-Z][^>]*>/g) ?? [];
  for (const tag of tags) assert.not.match(tag, /^<(link|img|script|iframe|object|embed)|\s(src|srcset)=|href="(?!#)/, tag);
  const css = a.html.slice(a.html.indexOf('<style>'), a.html.indexOf('</style>'));
  assert.not.match(css, /url\(|@import/);
  assert.not.match(a.html, /20\d\d-\d\d-\d\dT\d\d:/, 'no timestamp');
});

test('the rate is drawn as 100 people per group, as many coloured as the rate in the measurements table', async () => {
  const fx = await buildReportFixture({ treated: 300, comparison: 1500, treatRate: 0.3, compRate: 0.45, submitted: 420 });
  const { html, results } = await render(fx);
  const start = html.indexOf('id="chart-rate"');
  const chart = html.slice(start, html.indexOf('</figure>', start));
  const uses = [...chart.matchAll(/<use href="#chart-rate-person"[^>]*class="person (\w+)"/g)].map((m) => m[1]!);
  assert.is(uses.length, 200);
  const rate = (results as { analyses: { measures: { measure: string; treatment: { mean: number }; comparison: { mean: number } }[] }[] }).analyses[0]!.measures.find((m) => m.measure === 'reoff')!;
  assert.is(uses.slice(0, 100).filter((c) => c === 'treatment').length, Math.round(rate.treatment.mean));
  assert.is(uses.slice(100).filter((c) => c === 'comparison').length, Math.round(rate.comparison.mean));
  assert.ok(uses.slice(0, 100).every((c, i, a) => i === 0 || !(a[i - 1] === 'empty' && c === 'treatment')), 'coloured people come first');
  assert.match(text(chart), /Treatment group \d+ in 100 95% CI \d+% to \d+%/);
});

test('without provider text the own-words and response sections say so (a placeholder, methodology §10.1 item 8)', async () => {
  const fx = await buildReportFixture({ treated: 120, comparison: 800, treatRate: 0.35, compRate: 0.4, submitted: 200 });
  const { html } = await render(fx);
  assert.ok(html.includes('id="own-words-placeholder"') && html.includes('id="response-placeholder"'));
  assert.match(text(html), /has not provided a description of its work in its own words for this report\./);
  assert.match(text(html), /has not provided a response to this analysis\./);
});

test('not significant: the 2024 summary, the "as many as" phrase and number needed', async () => {
  const fx = await buildReportFixture({ treated: 90, comparison: 900, treatRate: 0.4, compRate: 0.4, submitted: 140, seed: 11 });
  const { html, results } = await render(fx);
  validate(results);
  const metrics = JSON.parse(readFileSync(fx.inputs.metrics, 'utf8'));
  const h = metrics.analyses[0].measures;
  assert.ok(h.slice(0, 3).every((m: any) => m.significant === false || !m.gates.shown), 'fixture has no significant headline');
  const t = text(html);
  assert.ok(t.includes(NOT_SIGNIFICANT_SUMMARY));
  assert.match(t, /lower by as many as \d+ offenders?, or higher by as many as \d+ offenders?\. More offenders would need to be available for analysis/);
  if (h[0].number_needed !== null) assert.ok(t.includes('Based on the current measurements, it is estimated that'));
});

test('gate: fewer than 30 reoffenders withholds time and Tables 3-7', async () => {
  const fx = await buildReportFixture({ treated: 80, comparison: 600, treatRate: 0.2, compRate: 0.4, submitted: 120 });
  const metrics = JSON.parse(readFileSync(fx.inputs.metrics, 'utf8'));
  assert.ok(metrics.analyses[0].group_sizes.treatment_reoffenders < 30);
  const { html, results } = await render(fx);
  validate(results);
  assert.ok(text(html).includes(TIME_WITHHELD));
  assert.not.ok(html.includes('id="chart-time"'));
  assert.not.ok(html.includes('id="measurement-time"'));
  for (let n = 3; n <= 7; n++) {
    const start = html.indexOf(`id="table-${n}"`);
    const table = html.slice(start, html.indexOf('</table>', start));
    assert.ok(table.includes('Not shown: fewer than 30 reoffenders in the treatment group.'), `table ${n}`);
    assert.not.match(table, /<td class="num">/, `table ${n} has no figures`);
  }
  assert.ok(results.analyses[0].measures.filter((m: any) => m.table >= 3).every((m: any) => !m.shown && m.treatment === null && m.withheld_reason === 'fewer_than_30_reoffenders'));
});

test('gate: fewer than 60 in the treatment group publishes no figures', async () => {
  const fx = await buildReportFixture({ treated: 59, comparison: 500, treatRate: 0.3, compRate: 0.4, submitted: 90 });
  const { html, results } = await render(fx);
  validate(results);
  assert.ok(text(html).includes(NOT_PUBLISHABLE));
  assert.not.ok(html.includes('id="table-1"'));
  assert.not.ok(html.includes('<svg'), 'no chart at all, not even the score overlap of so few people');
  assert.not.ok(html.includes('id="profile"'));
  assert.is(results.publishable, false);
  assert.is(results.summary, null);
  assert.is(results.profile, null);
  assert.ok(results.analyses[0].measures.every((m: any) => m.treatment === null && m.p === null));
});

test('gate: court-outcome rows with n·p below 10 are not printed, and not listed as significant', async () => {
  const fx = await buildReportFixture({ treated: 200, comparison: 1500, treatRate: 0.4, compRate: 0.45, submitted: 260 });
  // Simulate the metrics gate for one row (the gate itself is unit-tested in test/metrics).
  const metrics = JSON.parse(readFileSync(fx.inputs.metrics, 'utf8'));
  const row = metrics.analyses[0].measures.find((m: any) => m.measure === 'first_indictable');
  row.np_treat = 8;
  row.significant = true;
  row.gates = { shown: false, withheld_reason: 'np_below_10', significant_list: false };
  writeFileSync(fx.inputs.metrics, JSON.stringify(metrics));
  const { html, results } = await render(fx);
  validate(results);
  const start = html.indexOf('id="table-4"');
  const table4 = html.slice(start, html.indexOf('</table>', start));
  assert.not.ok(table4.includes('Indictable'));
  assert.ok(table4.includes('Either way') && table4.includes('Summary'));
  assert.ok(html.includes('1 court outcome row is not shown because too few reoffences of that kind were recorded'));
  const r = results.analyses[0].measures.find((m: any) => m.measure === 'first_indictable');
  assert.equal([r.shown, r.treatment, r.withheld_reason], [false, null, 'np_below_10']);
  assert.not.ok(results.significant_results.some((s: any) => s.measure === 'first_indictable'));
});

test('profile suppression reaches the report: no count below 5 is printed', async () => {
  const fx = await buildReportFixture({ treated: 150, comparison: 700, treatRate: 0.35, compRate: 0.4, submitted: 190 });
  const { html, results } = await render(fx);
  validate(results);
  for (const id of ['profile-sex', 'profile-ethnicity', 'profile-nationality', 'profile-age-band']) {
    const start = html.indexOf(`id="${id}"`);
    const table = html.slice(start, html.indexOf('</table>', start));
    const counts = [...table.matchAll(/<td>[^<]*<\/td><td class="num">([^<]*)<\/td>/g)].map((m) => m[1]!);
    assert.ok(counts.length > 0, id);
    for (const c of counts) assert.ok(c === '~' || c === '0' || Number(c.replace(/,/g, '')) >= 5, `${id}: ${c}`);
    assert.not.ok(counts.filter((c) => c === '~').length === 1, `${id}: a lone suppressed cell could be recovered`);
  }
});

test('the box of participants not included: their breakdowns, suppressed like the profile, and why some details are unknown', async () => {
  const fx = await buildReportFixture({ treated: 150, comparison: 700, treatRate: 0.35, compRate: 0.4, submitted: 190, notIncluded: { noMatch: 17, noEligibleSentence: 21, duplicates: 2 } });
  const { html, results } = await render(fx);
  validate(results);
  const start = html.indexOf('id="not-included"');
  assert.ok(start > 0, 'the box is on the page');
  const box = html.slice(start, html.indexOf('</aside>', start));
  // The count is of people: the 8 entries with invalid details are people too, the 2 duplicate entries are not.
  assert.ok(text(box).includes('46 offenders sent to the Justice Data Lab were not included in the analysis (entries that repeated another person are not counted). 8 of them had missing or invalid details and cannot be described; the tables describe the other 38.'), text(box).slice(0, 300));
  assert.ok(text(html).includes('The support may have had a different impact on 46 other participants'), 'the intro counts the same people as the box');
  assert.ok(text(box).includes('17 of them could not be found in the reoffending database'), text(box));
  assert.ok(text(box).includes('Information about the index offence is not available for these offenders.'));
  for (const id of ['not-included-sex', 'not-included-ethnicity', 'not-included-nationality', 'not-included-age-band']) {
    const t = box.indexOf(`id="${id}"`);
    assert.ok(t > 0, id);
    const table = box.slice(t, box.indexOf('</table>', t));
    const counts = [...table.matchAll(/<td>[^<]*<\/td><td class="num">([^<]*)<\/td>/g)].map((m) => m[1]!);
    for (const c of counts) assert.ok(c === '~' || c === '0' || Number(c) >= 5, `${id}: ${c}`);
  }
  const ni = (results as { not_included: { n: number; in_register: number } }).not_included;
  assert.equal([ni.n, ni.in_register], [38, 21]);
  // Nobody left out: one sentence, no tables.
  const all = await render(await buildReportFixture({ treated: 150, comparison: 700, treatRate: 0.35, compRate: 0.4, submitted: 190 }));
  const empty = all.html.slice(all.html.indexOf('id="not-included"'), all.html.indexOf('</aside>', all.html.indexOf('id="not-included"')));
  // The fixture's 8 entries with invalid details are the only people left out: named, not described.
  assert.ok(text(empty).includes('8 offenders sent to the Justice Data Lab were not included in the analysis (entries that repeated another person are not counted). They had missing or invalid details, so nothing about them can be described.'), text(empty));
  assert.not.ok(empty.includes('<table'));
});

test('attrition from the intake summary and match report, with small losses shown as "fewer than 5" (disclosure.ts)', async () => {
  const fx = await buildReportFixture({ treated: 300, comparison: 1500, treatRate: 0.3, compRate: 0.4, submitted: 420 });
  const { html } = await render(fx);
  const start = html.indexOf('id="attrition"');
  const section = text(html.slice(start, html.indexOf('</section>', start)));
  assert.ok(section.includes('420 entries were submitted for analysis.'));
  assert.ok(section.includes('fewer than 5 people (percentage not shown) had only an uncertain match to the register.'), section);
  assert.not.ok(/\b[1-4] (person|people)\b/.test(section), 'no attrition count under 5');
  assert.ok(section.includes('300 people (71% of those submitted) formed the treatment group.'));
});

test('templates, schema and SQL are part of the stages\' code (so they are in the cache keys)', () => {
  for (const [s, url] of [[stage, stageUrl], [metricsStage, new URL('../../stages/metrics/stage.ts', import.meta.url).href]] as const) {
    const file = new URL(url).pathname;
    const code = stageCodeFiles(file, s.code);
    assert.equal(code.missing, [], `${s.name}: declared code files missing`);
    for (const name of s.code ?? []) assert.ok(code.files.some((f) => f.endsWith(name.replace(/^(\.\.\/)+|^\.\//, ''))), `${s.name}: ${name}`);
  }
  const reportCode = stageCodeFiles(new URL(stageUrl).pathname, stage.code).files;
  for (const f of ['templates/report.njk', 'templates/macros.njk', 'templates/report.css', 'schemas/results.schema.json', 'stages/report/wording.ts', 'stages/metrics/rounding.ts']) {
    assert.ok(reportCode.some((x) => x.endsWith(f)), f);
  }
});

test.run();
