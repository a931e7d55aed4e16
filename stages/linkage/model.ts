// The Fellegi-Sunter model: for each field, the probability of each comparison level among true
// matches (m) and among different people (u). u comes from random pairs (two records picked at
// random are almost never the same person). m comes from pairs whose valid PNC ids agree, where
// there are enough of them, or else by expectation-maximisation on the blocked pairs, a mixture
// of matches and non-matches whose comparison vectors are counted once per distinct pattern (a
// few hundred), so EM runs here in TypeScript in milliseconds, in one thread.
// The model is a plain JSON value: written beside the links for review, and it can be read back
// to score another file with the same parameters (`link --model`).
import type { Duck } from '../../src/duck.ts';

export const COMPARISONS = ['forename', 'surname', 'dob', 'gender'] as const;
export type ComparisonName = (typeof COMPARISONS)[number];
const COLUMN: Record<ComparisonName, string> = { forename: 'g_fn', surname: 'g_sn', dob: 'g_dob', gender: 'g_gender' };

export const LEVEL_LABELS: Record<ComparisonName, Record<number, string>> = {
  forename: { 6: 'exact (term-frequency adjusted)', 5: 'a shared part (middle name, multi-part name)', 4: 'variant of the same name', 3: 'typo (Jaro-Winkler >= 0.92 or one edit)', 2: 'same sound or Jaro-Winkler >= 0.85', 1: 'same initial', 0: 'different' },
  surname: { 6: 'exact (term-frequency adjusted)', 5: 'a shared part (hyphenated, double-barrelled)', 4: 'variant of the same name', 3: 'typo (Jaro-Winkler >= 0.92 or one edit)', 2: 'same sound or Jaro-Winkler >= 0.85', 1: 'same initial', 0: 'different' },
  dob: { 5: 'exact', 4: 'day and month swapped', 3: 'year one out', 2: 'one digit wrong or two transposed', 1: 'within a year', 0: 'different' },
  gender: { 1: 'agree', 0: 'disagree' },
};

export interface ModelLevel { level: number; label: string; m: number; u: number; log2_bf: number }
export interface ModelComparison { comparison: ComparisonName; levels: ModelLevel[] }

export interface Model {
  model: 'fellegi-sunter';
  version: 1;
  comparisons: ModelComparison[];
  /** Probability that two records picked at random (one from each side) are the same person. */
  lambda: number;
  /** Bits charged when the names were read crosswise (forename against surname). */
  swap_penalty_bits: number;
  training: {
    blocked_pairs: number;
    patterns: number;
    em_iterations: number;
    em_converged: boolean;
    m_from: string;
    /** Where m came from, as a value: a reader need not parse m_from. */
    m_source: 'prior' | 'identifier-labelled pairs' | 'EM';
    /** What the model was trained on: the register alone (once per register build) or the two files being linked. */
    trained_on: 'register build' | 'linked files';
    expected_matches: number;
    random_pairs: number;
    u_source: 'register' | 'both';
    left_records: number;
    right_records: number;
  };
}

const EM_MAX_ITERATIONS = 500;
const EM_TOLERANCE = 1e-6;
/** Floor of an m probability: a level never seen among matches is rare, not impossible. */
const M_FLOOR = 1e-5;
export const SWAP_PENALTY_BITS = 1;
/**
 * Files too small to estimate anything (a handful of people: hand-made checks, a pilot) are
 * scored with these m and u, of the order the model estimates on a 50,000-person synthetic
 * register and on FEBRL: a prior, not a fit. Used below MIN_TRAINING_PAIRS blocked pairs.
 */
const SMALL_DATA: Record<ComparisonName, { m: Record<number, number>; u: Record<number, number> }> = {
  forename: { m: { 6: 0.83, 5: 0.07, 4: 0.06, 3: 0.02, 2: 0.005, 1: 0.01, 0: 0.005 }, u: { 6: 0.0075, 5: 0.01, 4: 0.004, 3: 0.0006, 2: 0.004, 1: 0.056, 0: 0.918 } },
  surname: { m: { 6: 0.9, 5: 0.02, 4: 0.01, 3: 0.05, 2: 0.01, 1: 0.005, 0: 0.005 }, u: { 6: 0.0027, 5: 0.0005, 4: 0.0001, 3: 0.0006, 2: 0.004, 1: 0.059, 0: 0.933 } },
  dob: { m: { 5: 0.93, 4: 0.02, 3: 0.005, 2: 0.03, 1: 0.01, 0: 0.005 }, u: { 5: 0.0001, 4: 0.00001, 3: 0.00003, 2: 0.0013, 1: 0.033, 0: 0.9655 } },
  gender: { m: { 1: 0.98, 0: 0.02 }, u: { 1: 0.6, 0: 0.4 } },
};
const MIN_TRAINING_PAIRS = 200;
/** Weight, in pairs, of the built-in prior when m is counted on identifier-labelled pairs. */
const PRIOR_PAIRS = 10;

/** Identifier-labelled pairs needed before they, not EM, give the date of birth's m. */
const MIN_LABELLED_PAIRS = 50;

interface Pattern { g: number[]; n: number }

const levelsOf = (c: ComparisonName): number[] => Object.keys(LEVEL_LABELS[c]).map(Number).sort((a, b) => b - a);

/** u by random pairs, smoothed (+0.5 per level) so a level never seen by chance keeps a finite weight. */
export async function estimateU(db: Duck): Promise<{ u: Record<ComparisonName, Map<number, number>>; pairs: number }> {
  const u = {} as Record<ComparisonName, Map<number, number>>;
  let pairs = 0;
  for (const c of COMPARISONS) {
    const rows = await db.all<{ level: number; n: number }>(
      `SELECT ${COLUMN[c]} AS level, count(*)::DOUBLE AS n FROM pair_gammas WHERE kind = 'random' AND ${COLUMN[c]} >= 0 GROUP BY ALL`,
    );
    const counts = new Map(rows.map((r) => [Number(r.level), Number(r.n)]));
    const levels = levelsOf(c);
    const total = levels.reduce((a, l) => a + (counts.get(l) ?? 0), 0);
    u[c] = new Map(levels.map((l) => [l, ((counts.get(l) ?? 0) + 0.5) / (total + 0.5 * levels.length)]));
  }
  const n = await db.one<{ n: number }>(`SELECT count(*)::DOUBLE AS n FROM pair_gammas WHERE kind = 'random'`);
  pairs = Number(n!.n);
  return { u, pairs };
}

type Params = Map<number, number>[];

/**
 * EM for a two-class mixture with conditionally independent fields, over pattern counts. `fields`
 * are the comparison indices it uses; with `fixedM` the m probabilities stay as given and only the
 * match share and the pairs' own u move (unless `fixU`). The u estimated here belongs to the blocked pairs (the
 * non-matches blocking keeps agree more often than random pairs do) and is thrown away.
 */
function em(patterns: Pattern[], fields: number[], uInit: Record<ComparisonName, Map<number, number>>, fixedM?: Params, fixedFields: number[] = fields, fixU = false) {
  const m: Params = COMPARISONS.map((c, k) => {
    if (fixedM && fixedFields.includes(k)) return new Map(fixedM[k]!);
    const levels = levelsOf(c);
    // start: matches mostly agree exactly, then less and less
    const raw = levels.map((_, i) => (i === 0 ? 0.8 : 0.2 * 0.5 ** i));
    const sum = raw.reduce((a, b) => a + b, 0);
    return new Map(levels.map((l, i) => [l, raw[i]! / sum]));
  });
  const ub: Params = COMPARISONS.map((c) => new Map(uInit[c]));
  let lambda = 0.1;
  let iterations = 0;
  let converged = false;
  const total = patterns.reduce((a, p) => a + p.n, 0);
  if (total === 0) return { m, lambda: 0, iterations, converged: true, total, learned: new Set<number>() };
  const learned = new Set<number>();
  while (iterations < EM_MAX_ITERATIONS && !converged) {
    iterations++;
    const mAcc = COMPARISONS.map((c) => new Map(levelsOf(c).map((l) => [l, 0])));
    const uAcc = COMPARISONS.map((c) => new Map(levelsOf(c).map((l) => [l, 0])));
    let matches = 0;
    for (const p of patterns) {
      let pm = lambda;
      let pu = 1 - lambda;
      for (const k of fields) {
        const level = p.g[k]!;
        if (level < 0) continue;
        pm *= m[k]!.get(level)!;
        pu *= ub[k]!.get(level)!;
      }
      const w = pm / (pm + pu);
      matches += p.n * w;
      for (const k of fields) {
        const level = p.g[k]!;
        if (level < 0) continue;
        mAcc[k]!.set(level, mAcc[k]!.get(level)! + p.n * w);
        uAcc[k]!.set(level, uAcc[k]!.get(level)! + p.n * (1 - w));
      }
    }
    let change = Math.abs(matches / total - lambda);
    lambda = matches / total;
    for (const k of fields) {
      const mSum = [...mAcc[k]!.values()].reduce((a, b) => a + b, 0);
      const uSum = [...uAcc[k]!.values()].reduce((a, b) => a + b, 0);
      if (mSum <= 0 || uSum <= 0) continue; // a field missing everywhere: nothing to learn
      learned.add(k);
      if (!fixedM || !fixedFields.includes(k)) {
        for (const [level, v] of mAcc[k]!) {
          const next = Math.max(v / mSum, M_FLOOR);
          change = Math.max(change, Math.abs(next - m[k]!.get(level)!));
          m[k]!.set(level, next);
        }
      }
      if (!fixU) for (const [level, v] of uAcc[k]!) ub[k]!.set(level, Math.max(v / uSum, M_FLOOR));
    }
    converged = change < EM_TOLERANCE;
  }
  return { m, lambda, iterations, converged, total, learned };
}

async function patternsOf(db: Duck, kind: string): Promise<Pattern[]> {
  const rows = await db.all<{ g_fn: number; g_sn: number; g_dob: number; g_gender: number; n: number }>(
    `SELECT g_fn, g_sn, g_dob, g_gender, count(*)::DOUBLE AS n FROM pair_gammas WHERE kind = $kind
     GROUP BY ALL ORDER BY g_fn, g_sn, g_dob, g_gender`,
    { kind },
  );
  return rows.map((r) => ({ g: [Number(r.g_fn), Number(r.g_sn), Number(r.g_dob), Number(r.g_gender)], n: Number(r.n) }));
}

const FN = 0, SN = 1, DOB = 2, GENDER = 3;

/**
 * Train the model on the tables left by compare.sql (`pair_gammas`): u from the random pairs; m
 * by EM in two sessions (pairs sharing a date of birth: names and gender; pairs sharing a
 * surname: date of birth, forename and gender); then the match share of the blocked pairs by EM
 * with m held fixed.
 */
export async function trainModel(db: Duck, meta: { uSource: 'register' | 'both'; leftRecords: number; rightRecords: number }): Promise<Model> {
  const { u, pairs: randomPairs } = await estimateU(db);
  // Where a national register's names crowd (many people share surname and forename, and many
  // strangers a date of birth), EM's two classes can drift to "same name" or "same birthday".
  // Pairs whose PNC ids agree, with a valid check letter, are matches known without the personal
  // details: with enough of them, they give every field's m directly (smoothed like u), and EM
  // only estimates the match share. Without them (two files with no identifiers), EM estimates m.
  const labelled = await db.all<{ g_fn: number; g_sn: number; g_dob: number; g_gender: number; n: number }>(
    `SELECT g.g_fn, g.g_sn, g.g_dob, g.g_gender, count(*)::DOUBLE AS n FROM pair_gammas g
     JOIN cohort c ON c.row = g.lid JOIN register r ON r.rid = g.rid
     WHERE g.kind = 'blocked' AND c.pnc = r.pnc AND pnc_check_ok(c.pnc) GROUP BY ALL ORDER BY ALL`,
  );
  const labelledPairs = labelled.reduce((a, r) => a + Number(r.n), 0);
  const useLabels = labelledPairs >= MIN_LABELLED_PAIRS;
  const blocked = await patternsOf(db, 'blocked');
  let fixed: Params | undefined;
  if (useLabels) {
    fixed = COMPARISONS.map((c) => {
      const levels = levelsOf(c);
      const col = COLUMN[c] as 'g_fn' | 'g_sn' | 'g_dob' | 'g_gender';
      const counts = new Map<number, number>();
      for (const r of labelled) if (Number(r[col]) >= 0) counts.set(Number(r[col]), (counts.get(Number(r[col])) ?? 0) + Number(r.n));
      const total = [...counts.values()].reduce((a, b) => a + b, 0);
      // smoothed towards the built-in prior, as if PRIOR_PAIRS pairs had followed it: with a
      // hundred labelled pairs, a level none of them shows is rare, not one in two hundred
      return new Map(levels.map((l) => [l, Math.max(((counts.get(l) ?? 0) + PRIOR_PAIRS * SMALL_DATA[c].m[l]!) / (total + PRIOR_PAIRS), M_FLOOR)]));
    });
  }
  const small = blocked.reduce((a, p) => a + p.n, 0) < MIN_TRAINING_PAIRS;
  if (small) {
    fixed = COMPARISONS.map((c) => new Map(levelsOf(c).map((l) => [l, SMALL_DATA[c].m[l]!])));
    for (const c of COMPARISONS) u[c] = new Map(levelsOf(c).map((l) => [l, SMALL_DATA[c].u[l]!]));
  }
  // With m given, only the match share is estimated, and u stays that of random pairs: a u free
  // to fit the blocked pairs can explain every pair as a non-match (it did, on a national run:
  // four expected matches among 58,000 rows).
  const fit = em(blocked, [FN, SN, DOB, GENDER], u, fixed, useLabels || small ? [FN, SN, DOB, GENDER] : [], useLabels || small);
  const m = fit.m;
  const expected = fit.lambda * fit.total;
  const comparisons = comparisonsOf(m, u);
  const pairsPossible = meta.leftRecords * meta.rightRecords;
  return {
    model: 'fellegi-sunter',
    version: 1,
    comparisons,
    lambda: pairsPossible > 0 ? round(Math.min(expected / pairsPossible, 0.5)) : 0,
    swap_penalty_bits: SWAP_PENALTY_BITS,
    training: {
      blocked_pairs: fit.total,
      patterns: blocked.length,
      em_iterations: fit.iterations,
      em_converged: fit.converged,
      m_from: small ? 'built-in prior (too few pairs to estimate)' : useLabels ? `${labelledPairs} pairs with the same valid PNC id` : 'EM on the blocked pairs',
      m_source: small ? 'prior' : useLabels ? 'identifier-labelled pairs' : 'EM',
      trained_on: 'linked files',
      expected_matches: Math.round(expected * 10) / 10,
      random_pairs: randomPairs,
      u_source: meta.uSource,
      left_records: meta.leftRecords,
      right_records: meta.rightRecords,
    },
  };
}

/**
 * The model's comparisons from m and u per level. Levels are numbered from the loosest agreement
 * (0) up; a closer agreement never weighs less than a looser one. Without this a level the
 * training data happen not to show among matches (no nicknames in a file, say) would count
 * against a match wherever it appears.
 */
function comparisonsOf(m: Params, u: Record<ComparisonName, Map<number, number>>): ModelComparison[] {
  return COMPARISONS.map((c, k) => {
    let floor = -Infinity;
    const ascending = [...levelsOf(c)].reverse().map((level) => {
      const mm = m[k]!.get(level)!;
      const uu = u[c].get(level)!;
      floor = Math.max(floor, Math.log2(mm / uu));
      return { level, label: LEVEL_LABELS[c][level]!, m: round(mm), u: round(uu), log2_bf: round(floor) };
    });
    return { comparison: c, levels: ascending.reverse() };
  });
}

/**
 * The pipeline's m: how often a provider's record of a person agrees with the register's at each
 * level. Administrative records of people a service worked with: about 1 in 20 forenames written
 * another way (a middle name, a short form, a typo), 1 in 30 surnames (hyphenated or
 * double-barrelled names cut, typos), 3 in 100 dates of birth slipped (day and month swapped, a
 * digit, the year), and 2 in 1,000 fields that agree at no level at all. Fixed and reviewed, not
 * fitted: fitted on each cohort it moved every row's weight at each correction, and on a
 * national register a tolerant m links strangers to namesakes (with FEBRL-like error rates, 1 in
 * 1,000 rows of people not in the register were linked).
 */
export const PIPELINE_M_PRIOR: Record<ComparisonName, Record<number, number>> = {
  forename: { 6: 0.85, 5: 0.06, 4: 0.06, 3: 0.02, 2: 0.004, 1: 0.004, 0: 0.002 },
  surname: { 6: 0.95, 5: 0.02, 4: 0.0002, 3: 0.02, 2: 0.004, 1: 0.003, 0: 0.0028 },
  dob: { 5: 0.97, 4: 0.01, 3: 0.004, 2: 0.01, 1: 0.004, 0: 0.002 },
  gender: { 1: 0.99, 0: 0.01 },
};

/** Share of cohort rows assumed to have a match before any evidence: only EM's starting point (link.ts estimates it per cohort). */
const PRIOR_MATCH_SHARE = 0.5;

/**
 * The pipeline's model, trained once per register build (the linkage-model stage): u from random
 * pairs of register people (estimateU), m the built-in prior. m describes how a provider's record
 * of a person differs from the register's (typos, nicknames, swapped dates), which a register that
 * holds each person once cannot show; estimating it on each cohort made every correction retrain
 * the model and move every row's weight. So m is fixed, reviewable here and in the model output,
 * and a cohort change never retrains it.
 */
export function priorModel(uFit: { u: Record<ComparisonName, Map<number, number>>; pairs: number }, registerRows: number): Model {
  const m: Params = COMPARISONS.map((c) => new Map(levelsOf(c).map((l) => [l, PIPELINE_M_PRIOR[c][l]!])));
  return {
    model: 'fellegi-sunter',
    version: 1,
    comparisons: comparisonsOf(m, uFit.u),
    lambda: registerRows > 0 ? round(PRIOR_MATCH_SHARE / registerRows) : 0,
    swap_penalty_bits: SWAP_PENALTY_BITS,
    training: {
      blocked_pairs: 0,
      patterns: 0,
      em_iterations: 0,
      em_converged: true,
      m_from: 'a reviewed prior (a register holds each person once and shows no recording errors to estimate m from)',
      m_source: 'prior',
      trained_on: 'register build',
      expected_matches: 0,
      random_pairs: uFit.pairs,
      u_source: 'register',
      left_records: registerRows,
      right_records: registerRows,
    },
  };
}

/** Rounded to 6 significant digits: the model file is for people to read and diff. */
function round(x: number): number {
  return Number(x.toPrecision(6));
}

/** The model's weights as the table `model_weights` (comparison, level, m, log2_bf) for score.sql. */
export async function loadModelWeights(db: Duck, model: Model): Promise<void> {
  const rows = model.comparisons.flatMap((c) => c.levels.map((l) => ({ comparison: c.comparison, level: l.level, m: l.m, log2_bf: l.log2_bf })));
  await db.run(
    `CREATE OR REPLACE TABLE model_weights AS
     SELECT unnest(from_json($w, '[{"comparison":"VARCHAR","level":"INTEGER","m":"DOUBLE","log2_bf":"DOUBLE"}]'), recursive := true)`,
    { w: JSON.stringify(rows) },
  );
}

/** Checks a model read from a file has the shape this code scores with. */
export function validateModel(value: unknown): Model {
  const m = value as Model;
  const ok = m && m.model === 'fellegi-sunter' && m.version === 1 && typeof m.lambda === 'number' && Array.isArray(m.comparisons)
    && COMPARISONS.every((c) => m.comparisons.some((x) => x.comparison === c && Array.isArray(x.levels)
      && levelsOf(c).every((l) => x.levels.some((y) => y.level === l && Number.isFinite(y.m) && Number.isFinite(y.log2_bf)))));
  if (!ok) throw new Error('not a linkage model file (fellegi-sunter, version 1, with every comparison and level)');
  return m;
}
