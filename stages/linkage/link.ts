// The linkage steps shared by the linkage-model stage, the linkage stage and the standalone `link`
// command, in three parts:
//   the register's side (keyRegister, registerModel): keys, blocking columns, frequencies and u,
//     once per register build in the pipeline (the linkage-model stage);
//   each cohort row's evidence (rowEvidence): keys, blocking, comparison vectors, weights,
//     identifiers and sentence dates; a row's evidence depends on its content, the register and
//     the model only, so the linkage stage recomputes it only for rows whose content changed;
//   the decisions over all rows (decideLinks): the share of rows with a match, one register person
//     per row, suspects, duplicates by strength of evidence, index events.
// The SQL is in the .sql files beside this module; the tables each step expects are named there.
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Duck } from '../../src/duck.ts';
import type { Json } from '../../src/stage.ts';
import type { MatchReport, WeightBin } from './match-report.ts';
import { SWAP_PENALTY_BITS, estimateU, loadModelWeights, priorModel, trainModel, type Model } from './model.ts';

/** The SQL of the per-row and decision steps, in order (the linkage stage's code). */
export const LINKAGE_SQL = ['macros.sql', 'variants.sql', 'cohort-spellings.sql', 'name-keys.sql', 'cohort-keys.sql', 'candidates.sql', 'blocked-pairs.sql',
  'compare.sql', 'score.sql', 'event-evidence.sql', 'evidence.sql', 'row-evidence.sql', 'decide.sql', 'index-event.sql'] as const;
/** The SQL of the register's side (the linkage-model stage's code). */
export const REGISTER_SQL = ['macros.sql', 'variants.sql', 'register-spellings.sql', 'name-keys.sql', 'register-keys.sql', 'frequencies.sql',
  'sample-register.sql', 'random-pairs.sql', 'compare.sql'] as const;
export const NAME_VARIANTS_FILE = 'name-variants.csv';

/** Loss reasons in attrition order: each row is counted at the first step that loses it. */
export const ATTRITION = ['no_match', 'suspect', 'duplicate', 'no_eligible_sentence', 'outside_period'] as const;
export const TIERS = ['pnc', 'prison_number', 'exact', 'fuzzy'] as const;

/** Default match probability a candidate needs to be linked (the `link` tool). */
export const DEFAULT_THRESHOLD = 0.95;
/**
 * The pipeline's: a link there decides whose reoffending is measured, so each link must be at
 * least 99 % likely on its own evidence. Measured on the synthetic generator's hard errors
 * (bench linkage-seeds, and the national world): 0.95 let 6 strangers of 58,000 through (precision
 * 0.9999); 0.99 linked no stranger on 10 fresh seeds nor nationally, with recall 0.992 to 0.998
 * (0.993 nationally); 0.999 also linked none but lost 2 % of the national cohort (recall 0.980),
 * mostly people sharing a name and a date of birth with others in a register of five million.
 */
export const PIPELINE_THRESHOLD = 0.99;
/** Records per side in the random-pair sample that gives u (this many squared pairs). */
export const U_SAMPLE = 400;
/** The name-alone blocks skip names shared by more register people than this (see candidates.sql). */
export const NAME_BLOCK_CAP = 50;
/** Fixed weights (bits) of the evidence outside the model: see evidence.sql. */
export const EXTRA_EVIDENCE_BITS = { pnc_near: 10, pnc_conflict: 10, pn_conflict: 3, date: 5, date_strong: 10, date_none: 5 } as const;

export interface LinkOptions {
  /** Choose index events from `events_in` (the pipeline); false for person-level linkage only. */
  withEvents: boolean;
  period?: { from: string; to: string };
  log?: (message: string) => void;
  /** Where u's random pairs and the name frequencies come from: the register alone, or both files. */
  source: 'register' | 'both';
  /** Match probability needed to link (default DEFAULT_THRESHOLD). */
  threshold?: number;
  /** A model to score with instead of training one. */
  model?: Model;
}

/** The share of cohort rows with a match is kept inside these bounds: "matches nobody" always keeps some odds. */
const MIN_MATCH_SHARE = 0.01;
const MAX_MATCH_SHARE = 0.99;

/**
 * The share of cohort rows that have a match in the register (pi), by EM over the rows with the
 * pairs' evidence fixed: each row matches one of its candidates or nobody, with odds
 * (pi / N) 2^evidence for each candidate and 1 - pi for nobody; pi is the mean over rows of the
 * probability that the row matches someone. EM on pairs (model.ts) counts strangers who share a
 * birthday as part matches and overestimates it; this one-to-one estimate does not.
 */
async function estimateMatchShare(db: Duck, cohortRows: number, registerRows: number, start: number): Promise<number> {
  const rows = await db.all<{ odds: number }>('SELECT odds FROM row_evidence ORDER BY row');
  const odds = rows.map((r) => Number(r.odds));
  const n = Math.max(1, registerRows);
  let pi = Math.min(MAX_MATCH_SHARE, Math.max(MIN_MATCH_SHARE, Number.isFinite(start) ? start : 0.5));
  for (let i = 0; i < 500; i++) {
    let sum = 0;
    for (const t of odds) {
      const m = (pi / n) * t;
      sum += m / (1 - pi + m);
    }
    const next = Math.min(MAX_MATCH_SHARE, Math.max(MIN_MATCH_SHARE, sum / Math.max(1, cohortRows)));
    if (Math.abs(next - pi) < 1e-9) return next;
    pi = next;
  }
  return pi;
}

export interface LinkResult {
  model: Model;
  /** Share of cohort rows expected to have a match in the register (estimated per run, see estimateMatchShare). */
  matchShare: number;
  threshold: number;
}

const EMPTY_EVENTS = `CREATE TABLE events_in (event_id BIGINT, register_id BIGINT, index_date DATE, sentence_type VARCHAR, disposal_date DATE, sentence_end DATE)`;

type Step = (file: string, params?: Record<string, string | number | boolean>) => Promise<void>;

function stepper(db: Duck, dir: string, log?: (message: string) => void): Step {
  return async (file, params = {}) => {
    await db.file(join(dir, file), params);
    log?.(`${file} done`);
  };
}

const countOf = async (db: Duck, table: string): Promise<number> =>
  Number((await db.one<{ n: number }>(`SELECT count(*)::DOUBLE AS n FROM ${table}`))!.n);

/**
 * The register's side, from `people_in` and `prison_numbers_in`: the tables `register`,
 * `name_keys`, `raw_keys`, `register_prison_numbers`, `forename_sex`, `name_block_sizes`,
 * `spellings`, and the name variants. Term frequencies (frequencies.sql) come after, once the
 * spelling counts are complete.
 */
export async function keyRegister(db: Duck, dir: string, log?: (message: string) => void): Promise<void> {
  const run = stepper(db, dir, log);
  await run('macros.sql');
  await run('variants.sql', { name_variants: join(dir, NAME_VARIANTS_FILE) });
  await run('register-spellings.sql');
  await run('name-keys.sql');
  await run('register-keys.sql');
}

/**
 * The cohort's side, from `cohort_in` (the register's side keyed or loaded): the table `cohort`
 * with its keys; spellings the register lacks are keyed here, the others are the register's.
 */
export async function keyCohort(db: Duck, dir: string, log?: (message: string) => void): Promise<void> {
  const run = stepper(db, dir, log);
  await run('cohort-spellings.sql');
  await run('name-keys.sql');
  await run('cohort-keys.sql');
}

/**
 * The pipeline's model, from the register alone (after keyRegister): term frequencies and u from
 * random pairs of register people; m is the prior (model.ts priorModel), since a register holds
 * each person once and shows nothing of the errors between a provider's records and its own.
 */
export async function registerModel(db: Duck, dir: string, log?: (message: string) => void): Promise<Model> {
  const run = stepper(db, dir, log);
  await run('frequencies.sql');
  await run('sample-register.sql', { u_sample: U_SAMPLE });
  await run('random-pairs.sql', { u_sample: U_SAMPLE });
  await run('compare.sql');
  return priorModel(await estimateU(db), await countOf(db, 'register'));
}

/**
 * Each cohort row's evidence, for the rows in `cohort_in` (the register's side loaded or keyed,
 * macros and variants loaded): the tables `pair_evidence` (each plausible pair's features and
 * evidence in bits), `pair_events` (how each of the person's index events fits the row's dates)
 * and `row_stats`, each keyed by row. Trains the model by EM when none is given (`link`).
 */
export async function rowEvidence(db: Duck, dir: string, options: LinkOptions, loadEvents?: () => Promise<void>): Promise<Model> {
  const run = stepper(db, dir, options.log);
  const registerRows = await countOf(db, 'register');
  await keyCohort(db, dir, options.log);
  if (options.source === 'both') {
    await run('spellings-both.sql');
    await run('frequencies.sql');
  }
  await run('candidates.sql', { name_block_cap: NAME_BLOCK_CAP });
  await run('blocked-pairs.sql');
  if (!options.model) {
    await run(options.source === 'both' ? 'sample-both.sql' : 'sample-register.sql', { u_sample: U_SAMPLE });
    await run('random-pairs.sql', { u_sample: U_SAMPLE });
  }
  await run('compare.sql');
  const model = options.model ?? await trainModel(db, {
    uSource: options.source,
    // the model's lambda is per pair of the two files
    leftRecords: await countOf(db, 'cohort'),
    rightRecords: registerRows,
  });
  options.log?.(options.model ? 'model given' : `model trained (${model.training.em_iterations} EM iterations)`);
  await loadModelWeights(db, model);
  const bits = EXTRA_EVIDENCE_BITS;
  // (the smallest share a spelling can have: one person among those the frequencies counted)
  const tfFloor = 1 / Math.max(1, registerRows + (options.source === 'both' ? await countOf(db, 'cohort') : 0));
  // (pairs are kept for a decision when they could reach even odds at the highest prior)
  await run('score.sql', {
    tf_floor: tfFloor, swap_penalty: model.swap_penalty_bits ?? SWAP_PENALTY_BITS,
    prior_bits: Math.log2(MAX_MATCH_SHARE / Math.max(1, registerRows)), date_bits_strong: options.withEvents ? bits.date_strong : 0,
  });
  if (options.withEvents && loadEvents) await loadEvents();
  else await db.run(EMPTY_EVENTS);
  await run('event-evidence.sql');
  await run('evidence.sql', {
    pnc_near_bits: bits.pnc_near, pnc_conflict_bits: bits.pnc_conflict, pn_conflict_bits: bits.pn_conflict,
    date_bits: bits.date, date_bits_strong: bits.date_strong, date_none_bits: options.withEvents ? bits.date_none : 0,
  });
  return model;
}

/**
 * The decisions over every cohort row, from `pair_evidence`, `pair_events` and `cohort_rows`
 * (every row of the cohort): leaves the table `links`.
 */
export async function decideLinks(db: Duck, dir: string, options: LinkOptions, model: Model): Promise<LinkResult> {
  const run = stepper(db, dir, options.log);
  const threshold = options.threshold ?? DEFAULT_THRESHOLD;
  const cohortRows = await countOf(db, 'cohort_rows');
  const registerRows = await countOf(db, 'register');
  await run('row-evidence.sql');
  const matchShare = await estimateMatchShare(db, cohortRows, registerRows, model.lambda * registerRows);
  const prior = matchShare / Math.max(1, registerRows);
  await run('decide.sql', { prior_bits: Math.log2(prior / (1 - prior)), no_match_mass: 1 - matchShare, threshold });
  await run('index-event.sql', {
    with_events: options.withEvents,
    period_from: options.period?.from ?? '0001-01-01',
    period_to: options.period?.to ?? '9999-12-31',
  });
  return { model, matchShare, threshold };
}

/** A whole link in one go (the `link` tool): both files loaded as `cohort_in`, `people_in`, `prison_numbers_in`. */
export async function link(db: Duck, dir: string, options: LinkOptions, loadEvents?: () => Promise<void>): Promise<LinkResult> {
  await keyRegister(db, dir, options.log);
  const model = await rowEvidence(db, dir, options, loadEvents);
  await db.run('CREATE TABLE cohort_rows AS SELECT row FROM cohort');
  return decideLinks(db, dir, options, model);
}

/**
 * Write the links (personal: owner-only) with the contract's columns, in row order, as Parquet
 * and, when asked, as CSV beside it. `register_id` keeps the register's own type (BIGINT in the
 * pipeline; text ids stay text in the link command).
 */
export async function writeLinks(db: Duck, path: string, csvPath?: string): Promise<number> {
  const select = `SELECT row::INTEGER AS row, status, tier, score::DOUBLE AS score, register_id, event_id::BIGINT AS event_id FROM links ORDER BY row`;
  await db.run(`COPY (${select}) TO $out (FORMAT parquet)`, { out: path });
  await chmod(path, 0o600);
  if (csvPath) {
    await db.run(`COPY (${select}) TO $out (FORMAT csv, HEADER true)`, { out: csvPath });
    await chmod(csvPath, 0o600);
  }
  const n = await db.one<{ n: number }>('SELECT count(*)::INTEGER AS n FROM links');
  return n!.n;
}

/** Width of a bin of the match-weight histogram, in bits. */
const HISTOGRAM_BIN_BITS = 2;

/**
 * Histogram of the best candidate's match weight per cohort row (bits, log2 odds with the prior
 * and any date evidence), split into rows whose person was found (linked, duplicate, or lost
 * later for its sentence) and rows whose candidate was discarded (suspect or no match).
 */
async function weightHistogram(db: Duck): Promise<WeightBin[]> {
  const rows = await db.all<{ bin: number; found: number; discarded: number }>(
    `SELECT (floor(least(greatest(weight, -40), 60) / ${HISTOGRAM_BIN_BITS}) * ${HISTOGRAM_BIN_BITS})::INTEGER AS bin,
            count(*) FILTER (WHERE register_id IS NOT NULL)::INTEGER AS found,
            count(*) FILTER (WHERE register_id IS NULL)::INTEGER AS discarded
     FROM links WHERE weight IS NOT NULL GROUP BY bin ORDER BY bin`,
  );
  return rows.map((r) => ({ from_bits: r.bin, to_bits: r.bin + HISTOGRAM_BIN_BITS, linked: r.found, discarded: r.discarded }));
}

const rate = (n: number, of: number): number => (of > 0 ? Math.round((n / of) * 10000) / 10000 : 0);

/** Counts and rates by tier and by loss reason, in attrition order. Aggregate: no row numbers. */
export async function matchReport(db: Duck, options: LinkOptions, result: LinkResult): Promise<MatchReport> {
  const statusRows = await db.all<{ status: string; n: number }>('SELECT status, count(*)::INTEGER AS n FROM links GROUP BY status');
  const byStatus = new Map(statusRows.map((r) => [r.status, r.n]));
  const tierRows = await db.all<{ tier: string; linked: number; matched: number }>(
    `SELECT tier, count(*) FILTER (WHERE status = 'linked')::INTEGER AS linked, count(*)::INTEGER AS matched
     FROM links WHERE tier IS NOT NULL GROUP BY tier`,
  );
  const byTier = new Map(tierRows.map((r) => [r.tier, r]));
  const suspectRows = await db.all<{ kind: string; n: number }>(
    `SELECT suspect_kind AS kind, count(*)::INTEGER AS n FROM links WHERE status = 'suspect' GROUP BY suspect_kind`,
  );
  const pairs = await db.one<{ candidates: number; plausible: number }>(
    'SELECT coalesce(sum(candidates), 0)::INTEGER AS candidates, coalesce(sum(plausible), 0)::INTEGER AS plausible FROM row_stats',
  );
  const total = [...byStatus.values()].reduce((a, b) => a + b, 0);
  const reasons = options.withEvents ? ATTRITION : ATTRITION.filter((r) => r === 'no_match' || r === 'suspect' || r === 'duplicate');
  let remaining = total;
  const attrition: MatchReport['attrition'] = [{ step: 'submitted', remaining, rate: rate(remaining, total) }];
  for (const reason of reasons) {
    const lost = byStatus.get(reason) ?? 0;
    remaining -= lost;
    attrition.push({ step: reason, lost, lost_rate: rate(lost, total), remaining, rate: rate(remaining, total) });
  }
  const linked = byStatus.get('linked') ?? 0;
  return {
    cohort_rows: total,
    linked,
    linked_rate: rate(linked, total),
    attrition,
    by_status: ['linked', ...reasons].map((status) => ({ status, n: byStatus.get(status) ?? 0, rate: rate(byStatus.get(status) ?? 0, total) })),
    // `matched`: rows whose person was found by this tier (whatever happened after);
    // `linked`: those that also had an eligible index event in the period and were not duplicates.
    by_tier: TIERS.map((tier) => {
      const t = byTier.get(tier);
      return { tier, matched: t?.matched ?? 0, matched_rate: rate(t?.matched ?? 0, total), linked: t?.linked ?? 0, linked_rate: rate(t?.linked ?? 0, total) };
    }),
    suspect_by_kind: ['name_only', 'ambiguous', 'identifier_contradicted'].map((kind) => ({
      kind, n: suspectRows.find((r) => r.kind === kind)?.n ?? 0,
    })),
    blocking: { candidate_pairs: pairs!.candidates, plausible_pairs: pairs!.plausible },
    analysis_period: options.period ? { from: options.period.from, to: options.period.to } : null,
    // the model that decided: its parameters (m, u and the weight of each comparison level), the
    // decision rule, and the distribution of the best candidates' weights
    model: {
      method: 'fellegi-sunter',
      threshold_probability: result.threshold,
      expected_match_share: Math.round(result.matchShare * 10000) / 10000,
      lambda: result.model.lambda,
      swap_penalty_bits: result.model.swap_penalty_bits,
      extra_evidence_bits: { ...EXTRA_EVIDENCE_BITS },
      training: { ...result.model.training },
      comparisons: result.model.comparisons.map((c) => ({ comparison: c.comparison, levels: c.levels.map((l) => ({ ...l })) })),
    },
    weight_histogram: await weightHistogram(db),
  };
}

export async function writeJson(path: string, value: Json): Promise<void> {
  await writeFile(path, JSON.stringify(value, null, 2) + '\n');
}
