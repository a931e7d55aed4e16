// The differencing check (stages/metrics/disclosure.ts differencingProblems, with
// derived-counts.ts) on results files rendered by the real report stage: when two versions'
// histogram bins differ (a tail merged differently, a range that moved), the counts a reader can
// work out in both (runs of bins between common boundaries, counts from either end, the total)
// are compared, as are the groups of categories whose suppressed cells a total gives back. And the
// whole report stage: after sharing, a version whose histogram alone would leak is not re-issued.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import report from '../../stages/report/stage.ts';
import { runStageDirect } from '../helpers/run-stage.ts';
import { testTempDir } from '../helpers/temp-dir.ts';
import { buildReportFixture, REPORT_STAGE_URL, type ReportFixture } from '../report/build-report-inputs.ts';
import { countsByPath, differencingProblems, DISCLOSURE_THRESHOLD, type DifferencingProblem } from '../../stages/metrics/disclosure.ts';
import type { WeightBin } from '../../stages/linkage/match-report.ts';
import type { Json } from '../../src/stage.ts';

const T = DISCLOSURE_THRESHOLD;

// One fixture (a group of 150; the attrition hides a count, so each histogram column hides two
// cells at least); each version differs only in the match report's histogram.
let fx: ReportFixture;
let base: WeightBin[] = [];

async function render(histogram: WeightBin[], shared?: string) {
  const dir = testTempDir('differencing-');
  const matchReport = join(dir, 'match-report.json');
  writeFileSync(matchReport, JSON.stringify({ ...JSON.parse(readFileSync(fx.inputs.matchReport, 'utf8')), weight_histogram: histogram }));
  const r = await runStageDirect(report, REPORT_STAGE_URL, { inputs: { ...fx.inputs, matchReport, ...(shared ? { shared } : {}) } });
  return { results: JSON.parse(readFileSync(r.outputs.results!, 'utf8')) as Record<string, Json>, html: readFileSync(r.outputs.report!, 'utf8'), notes: r.notes };
}

/** The histogram with the found counts of some 2-bit bins (by their lower edge) set. */
function withFound(bins: WeightBin[], found: Record<number, number>): WeightBin[] {
  const out = bins.map((b) => ({ ...b, linked: found[b.from_bits] ?? b.linked }));
  for (const [from, n] of Object.entries(found)) if (!out.some((b) => b.from_bits === Number(from))) out.push({ from_bits: Number(from), to_bits: Number(from) + 2, linked: n, discarded: 0 });
  return out.filter((b) => b.linked + b.discarded > 0).sort((a, b) => a.from_bits - b.from_bits);
}

/** The shown rows of a results file's histogram: [label, found, discarded]. */
const rows = (r: Record<string, Json>) => ((r.linkage_model as any).histogram.bins as any[]).map((b) => [b.category, b.cells[0].count, b.cells[1].count]);
const found = (r: Record<string, Json>) => rows(r).filter((x) => x[1] !== 0).map((x) => [x[0], x[1]]);

/** What the comparison at the same path alone finds (the check before derived counts), written out again here. */
function samePath(before: Json, after: Json): string[] {
  const now = countsByPath(after);
  return [...countsByPath(before)].filter(([p, n]) => now.has(p) && Math.abs(now.get(p)! - n) > 0 && Math.abs(now.get(p)! - n) < T).map(([p]) => p).sort();
}

const paths = (ps: DifferencingProblem[]) => ps.map((p) => p.path).sort();

test.before(async () => {
  fx = await buildReportFixture({ treated: 150, comparison: 700, treatRate: 0.35, compRate: 0.4, submitted: 190, seed: 11, suspect: 0, notIncluded: { noMatch: 14, noEligibleSentence: 6, duplicates: 2 } });
  base = JSON.parse(readFileSync(fx.inputs.matchReport, 'utf8')).weight_histogram;
});

test('the fixture: the found column as the report stage shows it (tails merged, two cells hidden)', async () => {
  const { results } = await render(base);
  assert.equal(found(results), [['6 to 10', null], ['10 to 12', 7], ['12 to 14', null], ['14 to 16', 15], ['16 to 18', 19], ['18 to 20', 26], ['20 to 22', 30], ['22 to 24', 19], ['24 to 26', 15], ['26 to 28', 11], ['28 to 30', 7], ['30 to 34', 6]]);
});

test('bins that moved: 2 entries of the top tail moved into a hidden cell; no count at the same path differs, the interval over the moved bins does: refused, naming it', async () => {
  const v1 = (await render(base)).results;
  // 30-32: 4 -> 3, 32-34: 2 -> 1, 12-14: 2 -> 4 (still hidden): the top tail now merges from 28.
  const v2 = (await render(withFound(base, { 30: 3, 32: 1, 12: 4 }))).results;
  assert.equal(found(v2).slice(-2), [['26 to 28', 11], ['28 to 34', 11]]);
  assert.equal(samePath(v1, v2), [], 'the comparison at the same path sees nothing');
  const problems = differencingProblems([{ version: 1, results: v1 }], v2);
  // The top tail from 28 bits (nobody is above 34 in either version, so it is the count from the top end).
  const top = problems.find((p) => p.path === '$.linkage_model.histogram[found][28,+inf)');
  assert.equal(top, { path: '$.linkage_model.histogram[found][28,+inf)', kind: 'interval', version: 1, before: 13, after: 11 });
  // Counted from the top end, and from the bottom through the found total (the attrition gives it
  // back: 190 submitted less 8 unusable and 19 unmatched) over the hidden cells.
  for (const p of ['$.linkage_model.histogram[found][14,+inf)', '$.linkage_model.histogram[found](-inf,14)', '$.linkage_model.histogram[found][26,+inf)']) assert.ok(paths(problems).includes(p), `${p} in ${paths(problems).join(', ')}`);
  // The hidden cells of both versions together (6 to 10 and 12 to 14), known through the total.
  assert.ok(problems.some((p) => p.path === '$.linkage_model.histogram[found](-inf,10)+[12,14)' && p.kind === 'group'), paths(problems).join(', '));
  assert.ok(problems.every((p) => Math.abs(p.after - p.before) === 2), JSON.stringify(problems));
  // Each set of people once: no two problems with the same counts over intervals that differ only by empty stretches.
  assert.not.ok(paths(problems).includes('$.linkage_model.histogram[found][28,34)'));
  // The names carry bits, nothing about anyone.
  for (const p of problems) assert.match(p.path, /^\$\.linkage_model\.histogram\[found\]((\(-inf|\[-?[\d.]+),(-?[\d.]+\)|\+inf\))\+?)+$/);
});

test('bins that moved with every derivable count unchanged, or changed by 5 or more: allowed', async () => {
  const v1 = (await render(base)).results;
  // 5 entries of the top tail move down to 28-30; the tail merges from 28 and holds the same 13.
  const zero = (await render(withFound(base, { 28: 12, 30: 0, 32: 1 }))).results;
  assert.equal(found(zero).at(-1), ['28 to 34', 13]);
  assert.not.equal(rows(zero).map((r) => r[0]), rows(v1).map((r) => r[0]), 'the bins moved');
  assert.equal(differencingProblems([{ version: 1, results: v1 }], zero), []);
  // And 5 more entries move from 20-22 to 24-26: every derivable count differs by 0 or 5.
  const five = (await render(withFound(base, { 28: 12, 30: 0, 32: 1, 20: 25, 24: 20 }))).results;
  assert.equal(differencingProblems([{ version: 1, results: v1 }], five), []);
});

test('the same boundaries: the same problems at the same paths as before, and sums of adjacent bins that differ by 1 to 4 too', async () => {
  const v1 = (await render(base)).results;
  // 5 entries from 20-22 to 24-26: allowed, as before.
  const five = (await render(withFound(base, { 20: 25, 24: 20 }))).results;
  assert.equal(rows(five).map((r) => r[0]), rows(v1).map((r) => r[0]), 'the same bins');
  assert.equal(differencingProblems([{ version: 1, results: v1 }], five), []);
  // 2 entries from 20-22 to 24-26: the two bins' own paths, as the comparison at the same path
  // alone finds them, and the runs they do not both cover.
  const two = (await render(withFound(base, { 20: 28, 24: 17 }))).results;
  const problems = differencingProblems([{ version: 1, results: v1 }], two);
  assert.equal(paths(problems.filter((p) => p.kind === 'count')), samePath(v1, two));
  assert.equal(samePath(v1, two), ['$.linkage_model.histogram.bins[category=20 to 22].cells[category=found].count', '$.linkage_model.histogram.bins[category=24 to 26].cells[category=found].count']);
  assert.ok(paths(problems).includes('$.linkage_model.histogram[found][20,24)'));
  assert.not.ok(paths(problems).includes('$.linkage_model.histogram[found][20,26)'), 'a run holding both moves is unchanged');
  assert.not.ok(paths(problems).some((p) => /\[found\]\[(20,22|24,26)\)$/.test(p)), 'a bin at its own path is not reported twice');
  // Nor beside a stretch empty in both versions: 24-26 empty, 22-24 2 apart; the empty bin joins
  // it, and it is still the bin at its own path.
  const gap = (n: number) => render(withFound(base, { 22: n, 24: 0, 26: 26 }));
  const [g1, g2] = [(await gap(19)).results, (await gap(21)).results];
  assert.equal(rows(g1).filter((r) => /^2[24] /.test(r[0])), [['22 to 24', 19, 0], ['24 to 26', 0, 0]]);
  const gp = differencingProblems([{ version: 1, results: g1 }], g2);
  assert.ok(paths(gp).includes('$.linkage_model.histogram.bins[category=22 to 24].cells[category=found].count'), paths(gp).join(', '));
  assert.not.ok(paths(gp).includes('$.linkage_model.histogram[found][22,26)'), paths(gp).join(', '));
  // +7, -5, +5, -7 on four adjacent bins: no bin differs by fewer than 5; two of them together by 2.
  const mixed = (await render(withFound(base, { 16: 26, 18: 21, 20: 35, 22: 12 }))).results;
  const m = differencingProblems([{ version: 1, results: v1 }], mixed);
  assert.equal(samePath(v1, mixed), []);
  assert.ok(paths(m).includes('$.linkage_model.histogram[found][16,20)'), paths(m).join(', '));
});

test('only the counts from either end differ: the range moved at both ends and 2 entries went from the bottom tail to the top', async () => {
  // A histogram of found entries alone (none discarded had a candidate), so its range is the found
  // range. Two cells of 4 and 3 in the middle are hidden in both versions.
  const middle = { 12: 10, 14: 15, 16: 20, 18: 4, 20: 3, 22: 30, 24: 25, 26: 17, 28: 12, 30: 8 };
  const only = (f: Record<number, number>): WeightBin[] => Object.entries(f).map(([b, n]) => ({ from_bits: Number(b), to_bits: Number(b) + 2, linked: n, discarded: 0 })).filter((b) => b.linked > 0).sort((a, b) => a.from_bits - b.from_bits);
  // 163 found in both (the attrition's figure): 6 to 10 merged, 10-12, ..., 32-34 | 8 to 12 merged, ..., 32 to 36 merged.
  const v1 = (await render(only({ 6: 1, 8: 5, 10: 8, ...middle, 32: 5 }))).results;
  const v2 = (await render(only({ 8: 4, 10: 8, ...middle, 32: 5, 34: 2 }))).results;
  assert.equal(found(v1).map((r) => r[0]).filter((l) => /^(6 |8 |10 |32 )/.test(l as string)), ['6 to 10', '10 to 12', '32 to 34']);
  assert.equal(found(v2).map((r) => r[0]).filter((l) => /^(6 |8 |10 |32 )/.test(l as string)), ['8 to 12', '32 to 36']);
  assert.equal(samePath(v1, v2), []);
  const problems = differencingProblems([{ version: 1, results: v1 }], v2);
  // Every interval between the common boundaries 12..32 is the same; from either end, 2 apart.
  assert.ok(problems.length > 0, 'refused');
  assert.ok(paths(problems).includes('$.linkage_model.histogram[found](-inf,12)'));
  assert.ok(paths(problems).includes('$.linkage_model.histogram[found][32,+inf)'));
  assert.ok(problems.every((p) => /\(-inf,|,\+inf\)$/.test(p.path)), paths(problems).join(', '));
});

/** A rendered results file, edited as a provider's change would change it (the shape is the report stage's). */
const clone = (r: Record<string, Json>) => JSON.parse(JSON.stringify(r)) as any;

test('categories: the attrition steps hidden in both versions are worked out from the total less the shown steps', async () => {
  const v1 = (await render(base)).results;
  assert.equal((v1.attrition as any).losses.map((l: any) => [l.reason, l.count]), [['unusable', 8], ['no_match', 19], ['no_eligible_sentence', null], ['missing_covariate', null], ['not_analysed', 6]]);
  // 7 entries withdrawn: 5 of the treatment group, 2 among the hidden steps.
  const v2 = clone(v1);
  v2.attrition.submitted -= 7;
  v2.attrition.treatment -= 5;
  assert.equal(samePath(v1, v2), []);
  const problems = differencingProblems([{ version: 1, results: v1 }], v2);
  assert.equal(problems, [{ path: '$.attrition{no_eligible_sentence+missing_covariate}', kind: 'group', version: 1, before: 7, after: 5 }]);
  // 5 among the hidden steps instead: allowed.
  const ok = clone(v1);
  ok.attrition.submitted -= 10;
  ok.attrition.treatment -= 5;
  assert.equal(differencingProblems([{ version: 1, results: v1 }], ok), []);
});

test('categories hidden in one version and shown in the other: the hidden ones are compared together', async () => {
  const v1 = (await render(base)).results;
  const eth = (r: any) => r.profile.sections.find((s: any) => s.section === 'ethnicity');
  // Version 1 hides Black, Mixed and Other (150 - 116 - 15 = 19 together); version 2 shows Black 5,
  // Mixed 6, Other 6 (17), White 111 and a total of 143: no shown count at the same path differs by 1 to 4.
  assert.equal(eth(v1).cells.map((c: any) => [c.category, c.count]), [['White', 116], ['Black', null], ['Asian', 15], ['Mixed', null], ['Other', null]]);
  const v2 = clone(v1);
  eth(v2).total = 143;
  const counts: Record<string, number> = { White: 111, Black: 5, Asian: 15, Mixed: 6, Other: 6 };
  for (const c of eth(v2).cells) Object.assign(c, { count: counts[c.category], suppressed: false });
  assert.equal(samePath(v1, v2), []);
  assert.equal(differencingProblems([{ version: 1, results: v1 }], v2), [{ path: '$.profile.sections[section=ethnicity]{Black+Mixed+Other}', kind: 'group', version: 1, before: 19, after: 17 }]);
  // The people not included: those the register holds are published, the rest only as n less them.
  const ni = clone(v1);
  assert.equal([ni.not_included.n, ni.not_included.in_register], [20, 6]);
  ni.not_included.n += 7;
  ni.not_included.in_register += 5;
  ni.not_included.outside_register += 2;
  assert.equal(differencingProblems([{ version: 1, results: v1 }], ni).filter((p) => !p.path.includes('.sections')), [{ path: '$.not_included{outside_register}', kind: 'group', version: 1, before: 14, after: 16 }]);
});

test('sub-analyses: one too small to publish is the headline less the others, in both versions', async () => {
  const sub = await buildReportFixture({ treated: 200, comparison: 900, treatRate: 0.35, compRate: 0.4, submitted: 250, seed: 7, suspect: 0, subAnalyses: ['region'], regions: ['London', 'London', 'London', 'North', 'Wales'] });
  const r = await runStageDirect(report, REPORT_STAGE_URL, { inputs: sub.inputs });
  const v1 = JSON.parse(readFileSync(r.outputs.results!, 'utf8'));
  const sizes = v1.analyses.map((a: any) => [a.id, a.group_sizes?.treatment ?? null]);
  assert.equal(sizes.map((s: any) => [s[0], s[1] === null]), [['headline', false], ['region:London', false], ['region:North', false], ['region:Wales', true]]);
  const wales = sizes[0][1] - sizes[1][1] - sizes[2][1];
  // 7 people withdrawn: 5 in London, 2 in Wales, too small to publish in either version.
  const v2 = clone(v1);
  v2.analyses[0].group_sizes.treatment -= 7;
  v2.analyses[1].group_sizes.treatment -= 5;
  assert.equal(samePath(v1, v2), []);
  const problems = differencingProblems([{ version: 1, results: v1 }], v2);
  assert.equal(problems.filter((p) => p.path.startsWith('$.analyses')), [{ path: '$.analyses[by=region].treatment{Wales}', kind: 'group', version: 1, before: wales, after: wales - 2 }]);
});

test('the report stage after sharing: a version whose histogram alone would leak is not re-issued, and the shared one stands with the note', async () => {
  const v1 = await render(base);
  assert.is(v1.results.report_version, 1);
  const shared = testTempDir('shared-');
  mkdirSync(shared, { recursive: true });
  writeFileSync(join(shared, 'v1-results.json'), JSON.stringify({ version: 1, shared_on: '2026-11-10', results: v1.results }));
  writeFileSync(join(shared, 'v1-report.html'), v1.html);
  // The provider's correction moved 2 entries of the histogram's top tail (as above).
  const leak = await render(withFound(base, { 30: 3, 32: 1, 12: 4 }), shared);
  assert.equal(leak.results, v1.results, 'the shared figures stand');
  assert.match(leak.html, /<strong>Not re-issued\.<\/strong> The figures of version 1, shared on 2026-11-10, stand\./);
  assert.ok(leak.notes.some((n) => /version 1 stands: \d+ count\(s\) would differ/.test(n)), leak.notes.join('\n'));
  assert.not.match(leak.notes.join('\n'), /histogram|\[found\]/, 'the log says how many, not which');
  // Bins that moved with nothing derivable changed by 1 to 4: version 2, with its erratum.
  const moved = await render(withFound(base, { 28: 12, 30: 0, 32: 1, 20: 25, 24: 20 }), shared);
  assert.is(moved.results.report_version, 2);
  assert.not.match(moved.html, /Not re-issued/);
  assert.ok((moved.results.erratum as any).replaces, 'an erratum replaces version 1');
});

test.run();
