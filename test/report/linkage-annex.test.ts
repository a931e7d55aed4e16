// The report's annex on linkage, rendered by the real report stage and template from a match
// report in the shape link.ts writes: the model's parameters and the match-weight histogram come
// from that JSON, small counts never show, and a match report written before the model was
// recorded still renders, saying so.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { erratum } from '../../stages/report/erratum.ts';
import { continuousBins, HISTOGRAM_EMPTY, HISTOGRAM_UNPUBLISHED, mergeTails, MODEL_NOT_RECORDED, suppressColumn } from '../../stages/report/linkage-annex.ts';
import { DISCLOSURE_THRESHOLD } from '../../stages/metrics/disclosure.ts';
import type { MatchReport, WeightBin } from '../../stages/linkage/match-report.ts';
import type { Json } from '../../src/stage.ts';
import { buildReportFixture, linkageModelJson, renderReport, validateResults, type ReportFixture } from './build-report-inputs.ts';

const T = DISCLOSURE_THRESHOLD;
async function render(fx: ReportFixture) {
  const { html, results } = await renderReport(fx);
  validateResults(results);
  const start = html.indexOf('<section id="annex-linkage"');
  assert.ok(start > 0, 'the annex is there');
  const annex = html.slice(start, html.indexOf('</section>', start));
  return { html, results, annex, match: JSON.parse(readFileSync(fx.inputs.matchReport, 'utf8')) as MatchReport };
}

const decode = (s: string) => s.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
const text = (html: string) => decode(html.replace(/<svg[\s\S]*?<\/svg>/g, ' ').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' '));

/** The rows of a table of the page, as cell texts. */
function tableRows(html: string, id: string): string[][] {
  const start = html.indexOf(`<table id="${id}"`);
  assert.ok(start >= 0, `table ${id}`);
  const body = html.slice(html.indexOf('<tbody>', start), html.indexOf('</table>', start));
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((r) => [...r[1]!.matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map((c) => decode(c[1]!.trim())));
}

const publishable = { treated: 300, comparison: 1500, treatRate: 0.3, compRate: 0.4, submitted: 420, seed: 5 };

test('every level of every comparison is shown with the m, u and weight of the match report', async () => {
  const { annex, match, results } = await render(await buildReportFixture(publishable));
  assert.is(match.model.comparisons.length, 4);
  for (const c of match.model.comparisons) {
    const rows = tableRows(annex, `table-linkage-${c.comparison}`);
    assert.is(rows.length, c.levels.length, c.comparison);
    c.levels.forEach((l, k) => {
      const [label, m, u, weight] = rows[k]!;
      assert.is(label!.toLowerCase(), l.label.replace(/>=/g, '≥').toLowerCase());
      // Two significant digits for m and u, one decimal for the weight: close to the JSON's value.
      for (const [shown, value] of [[m, l.m], [u, l.u]] as const) {
        assert.ok(!/e/i.test(shown!), `no exponent: ${shown}`);
        assert.ok(Math.abs(Number(shown) - value) <= 0.05 * value, `${c.comparison} ${l.label}: ${shown} for ${value}`);
      }
      assert.ok(Math.abs(Number(weight) - l.log2_bf) <= 0.05 + 1e-9, `${c.comparison} ${l.label}: weight ${weight} for ${l.log2_bf}`);
    });
  }
  // results.json holds the figures as printed.
  const forename = results.linkage_model.comparisons.find((c: { comparison: string }) => c.comparison === 'forename');
  assert.is(forename.levels.length, match.model.comparisons[0]!.levels.length);
  assert.is(forename.levels[0].weight_bits, Number(tableRows(annex, 'table-linkage-forename')[0]![3]));
});

test('the plain-words account takes its facts from the match report, not from the code', async () => {
  const facts = { randomPairs: 123457, threshold: 0.9, expectedShare: 0.8046 };
  const model = linkageModelJson(facts);
  model.swap_penalty_bits = 2;
  model.extra_evidence_bits = { ...model.extra_evidence_bits, date: 7 };
  const { annex } = await render(await buildReportFixture({ ...publishable, linkageModel: model }));
  const t = text(annex);
  assert.match(t, /a person is linked when the best candidate's probability reaches 90%/);
  assert.match(t, /u was counted on 123,457 random pairs of people on the register\./);
  // the reason in brackets is the model's own words
  const reason = /\(([^)]+)\)\s*$/.exec(model.training.m_from as string)![1]!;
  assert.ok(t.includes(`m is a fixed prior, reviewed with the code (${reason}).`), t);
  assert.match(t, /it is trained once per register build/);
  assert.match(t, /The model expects 80\.5% of the entries to have a match on the register/);
  assert.match(t, /sentences: up to 7 bits more/);
  assert.match(t, /at a penalty of 2 bits/);
  // The threshold in bits for a candidate without rivals: log2(p (1 - share) / (1 - p)).
  const bits = Math.log2((0.9 * (1 - 0.8046)) / 0.1);
  assert.match(t, new RegExp(`at a weight of ${bits.toFixed(1)} bits`));
  // The other defaults are nowhere.
  assert.not.match(t, /95%|160,000|91\.2%/);
  // A model estimated on the cohort (the `link` tool's) is not said to be trained once per register build.
  const cohortModel = linkageModelJson();
  cohortModel.training = { ...cohortModel.training, m_from: '57 pairs with the same valid PNC id', m_source: 'identifier-labelled pairs', trained_on: 'linked files', u_source: 'both', blocked_pairs: 4000 };
  const other = text((await render(await buildReportFixture({ ...publishable, linkageModel: cohortModel }))).annex);
  assert.match(other, /m was estimated from 57 pairs with the same valid PNC id\./);
  assert.match(other, /random pairs of records, one from each file/);
  assert.not.match(other, /once per register build/);
});

test('the histogram: each shown count is the sum of the match report\'s bins it covers; no count of 1 to 4 anywhere', async () => {
  const { annex, match, results } = await render(await buildReportFixture(publishable));
  const rows = tableRows(annex, 'table-match-weights');
  const bins = results.linkage_model.histogram.bins as { category: string; from_bits: number; to_bits: number; cells: { category: string; count: number | null; suppressed: boolean }[] }[];
  assert.is(rows.length, bins.length);
  assert.ok(annex.includes('id="chart-match-weights"'));
  let shown = 0;
  let merged = 0;
  bins.forEach((b, i) => {
    assert.is(rows[i]![0], `${b.from_bits} to ${b.to_bits}`);
    if (b.to_bits - b.from_bits > 2) merged++;
    const within = match.weight_histogram.filter((x) => x.from_bits >= b.from_bits && x.to_bits <= b.to_bits);
    for (const [k, side, key] of [[1, 'found', 'linked'], [2, 'discarded', 'discarded']] as const) {
      const cell = b.cells.find((c) => c.category === side)!;
      const sum = within.reduce((s, x) => s + x[key], 0);
      if (cell.suppressed) {
        assert.is(rows[i]![k], '~');
        assert.is(cell.count, null);
      } else {
        assert.is(cell.count, sum, `${b.category} ${side}`);
        assert.is(rows[i]![k], sum.toLocaleString('en-GB'));
        assert.ok(sum === 0 || sum >= T, `${b.category} ${side}: ${sum}`);
        if (sum > 0) shown++;
      }
    }
  });
  assert.ok(shown >= 10, `${shown} counts shown: the check had something to check`);
  // The fixture's thin tails were merged, and the note says so.
  assert.ok(merged > 0);
  assert.match(text(annex), /Bins at the ends of a group's range were merged/);
  // The fixture's dip (2 entries found between 12 and 14 bits) is inside the range, where no
  // merging reaches: its bin is hidden. And the attrition hides a count (one uncertain match), so
  // each column hides two cells at least: its total cannot give that count back.
  const dip = match.weight_histogram.find((x) => x.from_bits === 12)!;
  assert.is(dip.linked, 2);
  const dipBin = bins.find((b) => b.from_bits <= 12 && b.to_bits >= 14)!;
  assert.is(dipBin.cells[0]!.suppressed, true);
  assert.ok(results.attrition.losses.some((l: { suppressed: boolean }) => l.suppressed));
  for (const k of [0, 1]) assert.ok(bins.filter((b) => b.cells[k]!.suppressed).length >= 2, `column ${k}`);
  assert.match(text(annex), /~ Numbers below 5 are not shown/);
  // Every entry of the match report is in exactly one shown bin's range.
  const covered = (w: WeightBin) => bins.filter((b) => w.from_bits >= b.from_bits && w.to_bits <= b.to_bits).length;
  for (const w of match.weight_histogram) assert.is(covered(w), 1, `${w.from_bits}`);
});

test('suppression of a column: a small count never shows; with the attrition hiding a count, two cells at least are hidden', () => {
  const small = (cells: ReturnType<typeof suppressColumn>) => cells.some((c) => c.count !== null && c.count > 0 && c.count < T);
  const plain = suppressColumn([0, 12, 3, 40, 9], false);
  assert.not.ok(small(plain));
  assert.equal(plain.map((c) => c.text), ['0', '12', '~', '40', '~']);
  // Nothing small: nothing hidden, unless the attrition hides a count.
  assert.equal(suppressColumn([0, 12, 40, 9], false).map((c) => c.text), ['0', '12', '40', '9']);
  const forced = suppressColumn([0, 12, 40, 9], true);
  assert.equal(forced.map((c) => c.text), ['0', '~', '40', '~']);
  // A single non-empty cell, hidden, takes an empty neighbour with it: never one hidden alone.
  const lone = suppressColumn([0, 0, 7, 0], true);
  assert.is(lone.filter((c) => c.suppressed).length, 2);
  assert.not.ok(small(lone));
});

test('tail merging: the outermost bins join their neighbours only when that avoids a small count', () => {
  // The shape of a real run (618 entries): thin tails at both ends of both groups.
  const real: WeightBin[] = [
    { from_bits: -14, to_bits: -12, linked: 0, discarded: 2 }, { from_bits: -12, to_bits: -10, linked: 0, discarded: 3 },
    { from_bits: -10, to_bits: -8, linked: 0, discarded: 8 }, { from_bits: 8, to_bits: 10, linked: 1, discarded: 0 },
    { from_bits: 10, to_bits: 12, linked: 6, discarded: 0 }, { from_bits: 12, to_bits: 14, linked: 57, discarded: 0 },
    { from_bits: 14, to_bits: 16, linked: 8, discarded: 0 }, { from_bits: 16, to_bits: 18, linked: 2, discarded: 0 },
  ];
  const bins = continuousBins(real.map((b) => ({ fromBits: b.from_bits, toBits: b.to_bits, found: b.linked, discarded: b.discarded })));
  assert.is(bins.length, 16, 'empty bins filled in: -14 to 18 in 2-bit bins');
  const { bins: out, merged } = mergeTails(bins);
  assert.is(merged, 3);
  const at = (from: number) => out.find((b) => b.fromBits === from)!;
  assert.equal([at(-14).toBits, at(-14).discarded], [-10, 5]);
  assert.equal([at(8).toBits, at(8).found], [12, 7]);
  assert.equal([at(14).toBits, at(14).found], [18, 10]);
  // Counts are kept: the merged histogram holds every entry once.
  assert.is(out.reduce((s, b) => s + b.found + b.discarded, 0), real.reduce((s, b) => s + b.linked + b.discarded, 0));
  // A tail that stays small within the limit is not merged (it is hidden instead).
  const thin = continuousBins([1, 1, 1, 1, 1, 1, 50].map((n, i) => ({ fromBits: 2 * i, toBits: 2 * i + 2, found: n, discarded: 0 })));
  assert.is(mergeTails(thin, 3).merged, 0);
  assert.is(mergeTails(thin, 5).merged, 4);
});

test('an older match report without the model still renders: the annex says the model was not recorded', async () => {
  const { annex, results, html } = await render(await buildReportFixture({ ...publishable, oldMatchReport: true }));
  assert.ok(text(annex).includes(MODEL_NOT_RECORDED));
  assert.not.ok(html.includes('id="chart-match-weights"'));
  assert.not.ok(html.includes('id="table-match-weights"'));
  assert.is(results.linkage_model, null);
});

test('a match report whose histogram is empty says there are no weights to show', async () => {
  const { annex, results } = await render(await buildReportFixture({ ...publishable, weightHistogram: [] }));
  assert.ok(text(annex).includes(HISTOGRAM_EMPTY));
  assert.not.ok(annex.includes('id="table-match-weights"'));
  assert.is(results.linkage_model.histogram, null);
});

test('without published results the model is shown but not the histogram of the entries\' weights', async () => {
  const { annex, results } = await render(await buildReportFixture({ treated: 40, comparison: 400, treatRate: 0.3, compRate: 0.4, submitted: 70, seed: 9 }));
  assert.is(results.publishable, false);
  assert.ok(annex.includes('id="table-linkage-dob"'));
  assert.ok(text(annex).includes(HISTOGRAM_UNPUBLISHED));
  assert.not.ok(annex.includes('id="chart-match-weights"'));
  assert.is(results.linkage_model.histogram, null);
});

test('erratum: a version shared before the annex existed is not re-issued for it; a changed bin is named once both have it', async () => {
  const before = (await render(await buildReportFixture(publishable))).results as Record<string, Json>;
  const { linkage_model: _lm, ...sharedWithout } = before;
  const same = erratum([{ version: 1, shared_on: '2026-10-01', results: sharedWithout } as never], before);
  assert.is(same.replaces, null, 'the annex alone is no new version');
  const hist = structuredClone(before.linkage_model) as { histogram: { bins: { category: string; cells: { category: string; count: number | null }[] }[] } };
  const bin = hist.histogram.bins.find((b) => (b.cells[0]!.count ?? 0) >= 20)!;
  bin.cells[0]!.count = bin.cells[0]!.count! + 5;
  const changed = erratum([{ version: 1, shared_on: '2026-10-01', results: { ...before, linkage_model: hist } } as never], before);
  assert.is(changed.version, 2);
  assert.ok(changed.changes.some((c) => c.what === `Match weights ${bin.category} bits: entries found`), JSON.stringify(changed.changes));
});

test.run();
