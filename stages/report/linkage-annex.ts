// The report's annex on linkage: how people were found on the register (identifiers first, then
// the Fellegi-Sunter model), the model's m, u and weight for every comparison level, and the
// histogram of the best candidates' match weights, rows found and rows discarded. Every fact comes
// from the match report (linkage/match-report.ts); nothing here restates a number of the model.
//
// Disclosure: the histogram counts entries of the cohort, so it follows the report's rules
// (metrics/disclosure.ts). Bins at the ends of each group's range are merged with their
// neighbours where that avoids a count of 1 to 4; what remains small is hidden, with a second
// cell of the same column, so that the column's total (which the attrition gives back: the rows
// found are the rows submitted less those with no match or an uncertain one) cannot unlock it.
// When the attrition itself hides a count, each column hides at least two cells, so that its
// total cannot give back the hidden attrition count either.
import { DISCLOSURE_THRESHOLD } from '../metrics/disclosure.ts';
import { fixed, roundHalfAway, whole } from '../metrics/rounding.ts';
import { suppress, SUPPRESSED } from '../metrics/suppression.ts';
import { weightHistogramChart, type WeightHistogramGeometry } from './charts.ts';
import type { LinkageModelSummary } from './inputs.ts';

/** Merged bins at a tail span at most this many of the match report's bins. */
export const MAX_MERGED_BINS = 5;

const COMPARISON_TITLE: Record<string, string> = { forename: 'Forename', surname: 'Surname', dob: 'Date of birth', gender: 'Gender' };

/** The fixed weights outside the model (link.ts EXTRA_EVIDENCE_BITS), in words; the number comes from the match report. */
const EXTRA_WORDS: Record<string, (bits: string) => string> = {
  date: (b) => `the provider's dates fit one of the person's sentences: up to ${b} more (less for a person often under sentence, whose sentences a stranger's dates would often fit too)`,
  date_strong: (b) => `the index or conviction date itself is one of the person's: ${b} more`,
  date_none: (b) => `the provider gave dates and none of the person's sentences fits them: ${b} fewer`,
  pnc_near: (b) => `a PNC ID one slip away from the person's: ${b} more`,
  pnc_conflict: (b) => `a different PNC ID: ${b} fewer`,
  pn_conflict: (b) => `a different prison number: ${b} fewer`,
};

const bitsWord = (n: number) => `${fixed(n, Number.isInteger(n) ? 0 : 1)} ${Math.abs(n) === 1 ? 'bit' : 'bits'}`;

/** A probability to two significant digits, never in exponent form: 0.83, 0.0077, 0.0000031. */
export function probabilityText(x: number): string {
  if (x === 0) return '0';
  const dp = Math.max(0, 1 - Math.floor(Math.log10(Math.abs(x))));
  return fixed(x, dp);
}

/** A share in per cent as printed: whole, or one decimal when that is needed (99.5%). */
function percentText(p: number): string {
  const one = roundHalfAway(p * 100, 1);
  return Number.isInteger(one) ? `${one}%` : `${fixed(p * 100, 1)}%`;
}

function levelLabel(label: string): string {
  const s = label.replace(/>=/g, '≥');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * The weight at which a candidate with no rival reaches the threshold probability: its odds
 * 2^w against the no-match odds (1 - expected share) (decide.sql). Null without a threshold
 * inside (0, 1).
 */
export function thresholdBits(threshold: number, expectedShare: number | null): number | null {
  if (!(threshold > 0 && threshold < 1)) return null;
  const noMatch = expectedShare === null ? 1 : 1 - expectedShare;
  if (!(noMatch > 0)) return null;
  return Math.log2((threshold * noMatch) / (1 - threshold));
}

export interface Bin {
  fromBits: number;
  toBits: number;
  found: number;
  discarded: number;
}

const small = (n: number) => n > 0 && n < DISCLOSURE_THRESHOLD;

/** The bins in order with the empty ones between them filled in, so the axis is continuous. */
export function continuousBins(bins: Bin[]): Bin[] {
  const sorted = [...bins].sort((a, b) => a.fromBits - b.fromBits);
  const out: Bin[] = [];
  for (const b of sorted) {
    const prev = out.at(-1);
    if (prev && b.fromBits < prev.toBits) throw new Error(`matchReport: weight_histogram bins overlap at ${b.fromBits} bits`);
    if (prev && b.fromBits > prev.toBits) {
      const width = b.toBits - b.fromBits;
      let from = prev.toBits;
      while (from < b.fromBits) {
        const to = Math.min(b.fromBits, from + width);
        out.push({ fromBits: from, toBits: to, found: 0, discarded: 0 });
        from = to;
      }
    }
    out.push({ ...b });
  }
  return out;
}

const merge = (a: Bin, b: Bin): Bin => ({ fromBits: Math.min(a.fromBits, b.fromBits), toBits: Math.max(a.toBits, b.toBits), found: a.found + b.found, discarded: a.discarded + b.discarded });

/**
 * Merges, for each group (found, discarded), its outermost bin with the bins next to it, inwards,
 * while that bin holds 1 to 4 of the group, at most `maxBins` bins together; a merge is kept only
 * if it ends with a count that may be shown (otherwise the bins stay apart and the count is
 * hidden). Returns the bins and how many merges were kept.
 */
export function mergeTails(input: Bin[], maxBins = MAX_MERGED_BINS): { bins: Bin[]; merged: number } {
  let bins = input.map((b) => ({ ...b, parts: 1 }));
  let merged = 0;
  for (const key of ['found', 'discarded'] as const) {
    for (const side of ['low', 'high'] as const) {
      const trial = bins.map((b) => ({ ...b }));
      let i = side === 'low' ? trial.findIndex((b) => b[key] > 0) : trial.findLastIndex((b) => b[key] > 0);
      if (i < 0 || !small(trial[i]![key])) continue;
      let steps = 0;
      while (small(trial[i]![key])) {
        const j = side === 'low' ? i + 1 : i - 1;
        if (j < 0 || j >= trial.length || trial[i]!.parts + trial[j]!.parts > maxBins) break;
        const lo = Math.min(i, j);
        trial.splice(lo, 2, { ...merge(trial[lo]!, trial[lo + 1]!), parts: trial[lo]!.parts + trial[lo + 1]!.parts });
        i = lo;
        steps++;
      }
      if (steps > 0 && !small(trial[i]![key])) {
        bins = trial;
        merged += steps;
      }
    }
  }
  return { bins: bins.map(({ parts: _p, ...b }) => b), merged };
}

export interface ShownCell {
  count: number | null;
  suppressed: boolean;
  text: string;
}

/**
 * One column of the histogram, suppressed as a table's cells are (suppression.ts). With `atLeastTwo`
 * (the attrition hides a count), two cells at least are hidden, non-zero ones smallest first, until
 * they hold the threshold together, so the column's total is unknown.
 */
export function suppressColumn(counts: number[], atLeastTwo: boolean): ShownCell[] {
  const cells = suppress(counts.map((count, i) => ({ category: String(i), count })), DISCLOSURE_THRESHOLD).map((c) => ({ count: c.count, suppressed: c.suppressed }));
  const hidden = () => cells.filter((c) => c.suppressed);
  while (atLeastTwo && (hidden().length < 2 || hidden().reduce((s, c) => s + c.count, 0) < DISCLOSURE_THRESHOLD)) {
    let pick = -1;
    cells.forEach((c, i) => {
      if (!c.suppressed && c.count > 0 && (pick < 0 || c.count < cells[pick]!.count)) pick = i;
    });
    if (pick < 0) {
      // Nothing non-empty left: hide an empty cell beside a hidden one, as suppression.ts does,
      // so that no column ever shows a hidden cell alone.
      pick = cells.findIndex((c, i) => !c.suppressed && (cells[i - 1]?.suppressed || cells[i + 1]?.suppressed));
      if (pick < 0 || hidden().length >= 2) break;
    }
    cells[pick]!.suppressed = true;
  }
  return cells.map((c) => ({ count: c.suppressed ? null : c.count, suppressed: c.suppressed, text: c.suppressed ? SUPPRESSED : whole(c.count) }));
}

export interface HistogramRow {
  category: string;
  fromBits: number;
  toBits: number;
  found: ShownCell;
  discarded: ShownCell;
}

export interface LinkageAnnex {
  recorded: boolean;
  /** Said instead of the annex when the match report does not record the model. */
  notRecorded: string | null;
  paragraphs: string[];
  comparisons: { id: string; comparison: string; title: string; rows: { level: number; label: string; m: string; u: string; weight: string }[] }[];
  tableNotes: string[];
  histogram: { rows: HistogramRow[]; chart: WeightHistogramGeometry; notes: string[]; anySuppressed: boolean } | null;
  /** Why there is no histogram, when there is none. */
  histogramAbsent: string | null;
  numbers: Record<string, unknown> | null;
}

export const MODEL_NOT_RECORDED = 'The linkage model was not recorded for this analysis: its match report was written before the model and the match weights were kept with it.';
export const HISTOGRAM_NOT_RECORDED = 'The match weights were not recorded for this analysis.';
export const HISTOGRAM_EMPTY = 'No entry had a candidate on the register, so there are no match weights to show.';
export const HISTOGRAM_UNPUBLISHED = 'The histogram of match weights is shown only with published results: binned weights of fewer people could single someone out.';

function bitsLabel(from: number, to: number): string {
  return `${from} to ${to}`;
}

/**
 * The annex from the match report's model and histogram. `publishable`: the histogram only with
 * published results (like the propensity overlap plot); `attritionHidden`: the attrition hides a
 * count, so each column of the histogram hides two at least.
 */
export function buildLinkageAnnex(model: LinkageModelSummary | null | undefined, o: { publishable: boolean; attritionHidden: boolean }): LinkageAnnex {
  if (!model) return { recorded: false, notRecorded: MODEL_NOT_RECORDED, paragraphs: [], comparisons: [], tableNotes: [], histogram: null, histogramAbsent: null, numbers: null };
  const t = model.training;
  const share = model.expectedMatchShare;
  const tBits = thresholdBits(model.thresholdProbability, share);
  const fields = model.comparisons.map((c) => (COMPARISON_TITLE[c.comparison] ?? c.comparison.replace(/_/g, ' ')).toLowerCase());
  const fieldList = fields.length > 1 ? `${fields.slice(0, -1).join(', ')} and ${fields.at(-1)}` : (fields[0] ?? '');
  const method = model.method === 'fellegi-sunter' ? 'a probabilistic (Fellegi-Sunter) model, the method of Splink, the Ministry of Justice\'s open-source linkage tool' : `a ${model.method} model`;

  const paragraphs: string[] = [];
  paragraphs.push(
    `People were first looked for by identifier: a PNC ID or prison number held by someone on the register decides the match, unless the name, date of birth and gender contradict it. ` +
      `Everyone else was matched by ${method}. For each candidate on the register, ${fieldList} are each compared, and the level at which they agree (exactly, with a typo, with the day and month swapped, and so on) carries a weight of log2(m/u) bits, ` +
      `where m is how often that level occurs between two records of the same person and u how often it occurs between two different people. ` +
      `The weights are added to the prior odds of a match and turned into a match probability; a person is linked when the best candidate's probability reaches ${percentText(model.thresholdProbability)}, so a candidate with a close rival is not linked and the entry is discarded as an uncertain match.`,
  );
  const training: string[] = [];
  const randomPairs = typeof t.random_pairs === 'number' ? t.random_pairs : null;
  if (randomPairs !== null) training.push(t.u_source === 'both' ? `u was counted on ${whole(randomPairs)} random pairs of records, one from each file.` : `u was counted on ${whole(randomPairs)} random pairs of people on the register.`);
  // m_from says where m came from in words ("the pipeline prior (…: why)", "EM on the blocked
  // pairs", "152 pairs with the same valid PNC id"): a prior is said to be one, with its reason
  // (less the name of the code's constant), anything else as estimated from what it names.
  const mFrom = typeof t.m_from === 'string' ? t.m_from : null;
  // (m_source and trained_on say it as values; match reports older than them only in words)
  const prior = t.m_source !== undefined ? t.m_source === 'prior' : mFrom !== null && /\bprior\b/i.test(mFrom);
  if (mFrom !== null) {
    const reason = /\(([^)]+)\)\s*$/.exec(mFrom)?.[1]?.replace(/^[A-Z0-9_]+:\s*/, '');
    training.push(prior ? `m is a fixed prior, reviewed with the code${reason ? ` (${reason})` : ''}.` : `m was estimated from ${mFrom}.`);
  }
  // The pipeline's model: m a prior, u from the register's own pairs, no pair of the cohort used.
  const onRegister = t.trained_on !== undefined ? t.trained_on === 'register build' : prior && t.u_source === 'register' && t.blocked_pairs === 0;
  if (onRegister) training.push('So the model depends on the register alone: it is trained once per register build, and no cohort, nor a correction of one, retrains it.');
  if (share !== null) training.push(`The model expects ${percentText(share)} of the entries to have a match on the register (estimated from this cohort's evidence); this share sets the prior odds of a match.`);
  if (training.length) paragraphs.push(training.join(' '));
  const known = Object.keys(EXTRA_WORDS);
  const rank = (k: string) => (known.includes(k) ? known.indexOf(k) : known.length);
  const extras = Object.entries(model.extraEvidenceBits).sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
  if (extras.length) {
    paragraphs.push(`Besides the personal details, fixed weights count other evidence: ${extras.map(([k, v]) => (EXTRA_WORDS[k] ? EXTRA_WORDS[k]!(bitsWord(v)) : `${k.replace(/_/g, ' ')}: ${bitsWord(v)}`)).join('; ')}.`);
  }

  const comparisons = model.comparisons.map((c) => ({
    id: `table-linkage-${c.comparison.replace(/[^a-z0-9]+/gi, '-')}`,
    comparison: c.comparison,
    title: COMPARISON_TITLE[c.comparison] ?? c.comparison.replace(/_/g, ' '),
    rows: c.levels.map((l) => ({ level: l.level, label: levelLabel(l.label), m: probabilityText(l.m), u: probabilityText(l.u), weight: fixed(l.bits, 1) })),
  }));
  const tableNotes = [
    'm: the probability of the level between two records of the same person; u: between two different people; the weight, log2(m/u), in bits. A closer level never weighs less than a looser one, and a missing field weighs nothing.',
    ...(model.comparisons.some((c) => c.levels.some((l) => /term-frequency/.test(l.label))) ? ['An exact name weighs log2(m / the share of register people with that spelling): a common name counts for less than a rare one, and the table shows the weight for a name of typical frequency.'] : []),
    ...(model.swapPenaltyBits !== null ? [`Names written in the other order (surname as forename) are compared crosswise, at a penalty of ${bitsWord(model.swapPenaltyBits)}.`] : []),
  ];

  let histogram: LinkageAnnex['histogram'] = null;
  let histogramAbsent: string | null = null;
  let histogramNumbers: Record<string, unknown> | null = null;
  if (model.histogram === null) histogramAbsent = HISTOGRAM_NOT_RECORDED;
  else if (!o.publishable) histogramAbsent = HISTOGRAM_UNPUBLISHED;
  else if (!model.histogram.some((b) => b.found + b.discarded > 0)) histogramAbsent = HISTOGRAM_EMPTY;
  else {
    const filled = continuousBins(model.histogram);
    const binBits = filled.length ? Math.min(...filled.map((b) => b.toBits - b.fromBits)) : 2;
    const { bins, merged } = mergeTails(filled);
    const found = suppressColumn(bins.map((b) => b.found), o.attritionHidden);
    const discarded = suppressColumn(bins.map((b) => b.discarded), o.attritionHidden);
    const rows = bins.map((b, i) => ({ category: bitsLabel(b.fromBits, b.toBits), fromBits: b.fromBits, toBits: b.toBits, found: found[i]!, discarded: discarded[i]! }));
    const anySuppressed = rows.some((r) => r.found.suppressed || r.discarded.suppressed);
    const notes = [
      `Each entry is counted once, at the weight of its best candidate on the register: the personal details' weights, the prior odds and the other evidence, in bins of ${bitsWord(binBits)}. Found: the person was found on the register (whatever happened to the entry afterwards); discarded: no match, or an uncertain match. Entries with no candidate at all have no weight and are not counted.`,
      ...(tBits !== null ? [`A candidate with no rival reaches the threshold probability at a weight of ${fixed(tBits, 1)} bits (the dashed line); one with a close rival needs more. An entry found by its PNC ID or prison number may have a lower weight.`] : []),
      ...(merged > 0 ? [`Bins at the ends of a group's range were merged with their neighbours where that avoided hiding a small count; a merged bin's bar is drawn at its average height per ${bitsWord(binBits)}.`] : []),
      ...(anySuppressed ? [`${SUPPRESSED} Numbers below ${DISCLOSURE_THRESHOLD} are not shown, and nor is at least one other number of the same column, so that they cannot be worked out from the totals in the attrition section.`] : []),
    ];
    const chart = weightHistogramChart({
      id: 'chart-match-weights',
      title: 'Match weights of the entries\' best candidates: found above the line, discarded below',
      binBits,
      thresholdBits: tBits,
      bins: rows.map((r) => ({ fromBits: r.fromBits, toBits: r.toBits, found: r.found.count, discarded: r.discarded.count })),
    });
    histogram = { rows, chart, notes, anySuppressed };
    histogramNumbers = {
      bin_bits: binBits,
      merged_bins: merged,
      bins: rows.map((r) => ({
        category: r.category,
        from_bits: r.fromBits,
        to_bits: r.toBits,
        cells: [
          { category: 'found', count: r.found.count, suppressed: r.found.suppressed },
          { category: 'discarded', count: r.discarded.count, suppressed: r.discarded.suppressed },
        ],
      })),
    };
  }

  return {
    recorded: true,
    notRecorded: null,
    paragraphs,
    comparisons,
    tableNotes,
    histogram,
    histogramAbsent,
    // As printed, for results.json.
    numbers: {
      method: model.method,
      threshold_percent: Number(percentText(model.thresholdProbability).replace('%', '')),
      threshold_bits: tBits === null ? null : roundHalfAway(tBits, 1),
      expected_match_share: share === null ? null : roundHalfAway(share * 100, 1),
      random_pairs: randomPairs,
      m_from: mFrom,
      swap_penalty_bits: model.swapPenaltyBits,
      extra_evidence_bits: Object.fromEntries(extras),
      comparisons: comparisons.map((c) => ({ comparison: c.comparison, levels: c.rows.map((r) => ({ level: r.level, label: r.label, m: Number(r.m), u: Number(r.u), weight_bits: Number(r.weight) })) })),
      text: [...paragraphs, ...tableNotes, ...(histogram ? histogram.notes : histogramAbsent ? [histogramAbsent] : [])],
      histogram: histogramNumbers,
    },
  };
}
