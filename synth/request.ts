// A programme's request as its provider sends it (request.json + cohort.csv) and, kept apart, the
// truth about it (truth.csv + effect.json). The cohort is derived from the participants the
// register generator chose, with errors injected at configurable rates.
import { join } from 'node:path';
import { listValue } from '@duckdb/node-api';
import { DEFAULT_ERROR_RATES, type ErrorRates, type ProgrammeSpec } from './defaults.ts';
import { jsonText, PRIVATE_MODE, PUBLIC_MODE, Staging } from './files.ts';
import { NICKNAMES } from './nicknames.ts';
import { SQL_DIR, type SyntheticRegister } from './register.ts';

export interface RequestDirs {
  /** data/requests: the request goes to <requestsDir>/<id>/. */
  requestsDir: string;
  /** data/truth: the truth goes to <truthDir>/<id>/. */
  truthDir: string;
}

export interface WriteRequestOptions extends RequestDirs {
  errors?: Partial<ErrorRates>;
  /** Overrides merged into request.json (organisation, dates, transfer channel...). */
  request?: Record<string, unknown>;
}

export interface RequestSummary {
  id: string;
  rows: number;
  participants: number;
  notInRegister: number;
  duplicates: number;
}

/** What the provider says about itself: fictional organisations, example.org addresses. */
function requestJson(p: ProgrammeSpec): Record<string, unknown> {
  const demo = p.id === '123';
  return {
    id: p.id,
    organisation: demo
      ? { name: 'Second Chance Mentoring Trust', description: 'A fictional charity that offers one-to-one mentoring to adults leaving prison or starting a community sentence.' }
      : { name: `Synthetic programme ${p.id}`, description: 'A fictional national programme used to benchmark the pipeline.' },
    programme: demo
      ? { name: 'Through the Gate mentoring', description: 'Weekly mentoring from a trained volunteer for six to nine months, starting in the last months of custody or at the start of a community order.', people_term: 'offenders' }
      : { name: `Programme ${p.id}`, description: 'Support for adults on custodial and community sentences.', people_term: 'participants' },
    contact: { name: 'Data Protection Lead', email: demo ? 'data@second-chance.example.org' : `data@programme-${p.id}.example.org` },
    transfer_channel: 'cjsm',
    data_protection_assurance: true,
    analysis_period: { from: p.period.from, to: p.period.to },
    dates: { received: '2026-11-02', results_shared: null, publication: null },
    review_period_days: 28,
    retention: { pseudonymised_opt_out: false },
  };
}

export async function writeRequest(register: SyntheticRegister, id: string, options: WriteRequestOptions): Promise<RequestSummary> {
  const programme = register.programme(id);
  const rates: ErrorRates = { ...DEFAULT_ERROR_RATES, ...options.errors };
  for (const [name, rate] of Object.entries(rates)) {
    if (!(rate >= 0 && rate <= 1)) throw new Error(`error rate ${name} must be between 0 and 1`);
  }
  const db = register.db;
  const participants = programme.cohort;
  const nFakes = Math.round(rates.notInRegister * participants);
  const nDuplicates = Math.round(rates.duplicate * participants);
  await db.file(join(SQL_DIR, 'request-rows.sql'), {
    seed: register.seed,
    extract: register.extractDate,
    programme: id,
    from: programme.period.from,
    to: programme.period.to,
    reference_prefix: id === '123' ? 'SCM-' : `${id.toUpperCase().slice(0, 4)}-`,
    nick_formal: listValue(NICKNAMES.map((n) => n.formal)),
    nick_nickname: listValue(NICKNAMES.map((n) => n.nickname)),
    rate_nickname: rates.nickname,
    rate_typo: rates.typo,
    rate_swapped: rates.swappedDayMonth,
    rate_missing_pnc: rates.missingPnc,
    rate_transposed: rates.transposedDigits,
    rate_wrong_date: rates.wrongInterventionDate,
    rate_name_order: rates.nameOrder ?? 0,
    rate_missing_dob: rates.missingDob ?? 0,
    n_fakes: nFakes,
    n_duplicates: nDuplicates,
  });

  const requestDir = join(options.requestsDir, id);
  const truthDir = join(options.truthDir, id);
  const requestStaging = new Staging(requestDir);
  const truthStaging = new Staging(truthDir);
  try {
    await db.file(join(SQL_DIR, 'write-request.sql'), {
      cohort_path: requestStaging.path('cohort.csv'),
      truth_path: truthStaging.path('truth.csv'),
    });
    await writePotentialOutcomes(db, id, truthStaging.path(POTENTIAL_OUTCOMES_FILE));
    const request = { ...requestJson(programme), ...options.request };
    requestStaging.writeText('request.json', jsonText(request), PUBLIC_MODE);
    truthStaging.writeText('effect.json', jsonText(await effectTruth(register, programme, rates)), PUBLIC_MODE);
    requestStaging.commit('cohort.csv', PRIVATE_MODE);
    requestStaging.commit('request.json', PUBLIC_MODE);
    truthStaging.commit('truth.csv', PRIVATE_MODE);
    truthStaging.commit('effect.json', PUBLIC_MODE);
    truthStaging.commit(POTENTIAL_OUTCOMES_FILE, PRIVATE_MODE);
  } finally {
    requestStaging.dispose();
    truthStaging.dispose();
  }
  const rows = await db.one<{ n: number }>('SELECT count(*)::INTEGER AS n FROM req_all');
  return { id, rows: rows?.n ?? 0, participants, notInRegister: nFakes, duplicates: nDuplicates };
}

/** Per participant, the eleven measures without and with the programme (truth dir, private). */
export const POTENTIAL_OUTCOMES_FILE = 'potential-outcomes.csv';

/** The eleven measures in report order (methodology §5.2), as the pipeline names them. */
export const TRUTH_MEASURES = [
  'reoff', 'reoff_freq', 'days_to_first', 'first_indictable', 'first_either_way', 'first_summary',
  'freq_indictable', 'freq_either_way', 'freq_summary', 'first_custody', 'custody_freq',
] as const;
/** Measures whose population is reoffenders only: NULL for a non-reoffender in that world. */
const ALL_PEOPLE = new Set(['reoff', 'reoff_freq']);

async function writePotentialOutcomes(db: SyntheticRegister['db'], id: string, path: string): Promise<void> {
  const cols = TRUTH_MEASURES.flatMap((m) => [
    `max(${m}) FILTER (WHERE world = 0) AS ${m}_without`,
    `max(${m}) FILTER (WHERE world = 1) AS ${m}_with`,
  ]);
  await db.run(
    `COPY (SELECT event_id, register_id, ${cols.join(', ')} FROM potential_outcomes WHERE programme = $p GROUP BY event_id, register_id ORDER BY event_id)
     TO $path (FORMAT csv, HEADER true)`,
    { p: id, path },
  );
}

/**
 * The true average effect on the participants (the ATT) of each of the eleven measures, exactly
 * as the pipeline measures them: each participant's outcomes with and without the programme come
 * from the same draws (potential-outcomes.sql). Rates and frequencies are per person (a rate is a
 * proportion, 0-1), times are days. For the measures of reoffenders only, each world's mean is over
 * that world's reoffenders, as the report compares treated reoffenders with comparison
 * reoffenders.
 */
async function measureTruth(register: SyntheticRegister, id: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const m of TRUTH_MEASURES) {
    const row = await register.db.one<{ without: number | null; with: number | null; n0: number; n1: number; changed: number }>(
      `SELECT avg(${m}) FILTER (WHERE world = 0) AS without, avg(${m}) FILTER (WHERE world = 1) AS with,
         count(${m}) FILTER (WHERE world = 0)::INTEGER AS n0, count(${m}) FILTER (WHERE world = 1)::INTEGER AS n1,
         (SELECT count(*) FROM (SELECT event_id FROM potential_outcomes WHERE programme = $p GROUP BY event_id
            HAVING max(${m}) FILTER (WHERE world = 0) IS DISTINCT FROM max(${m}) FILTER (WHERE world = 1)))::INTEGER AS changed
       FROM potential_outcomes WHERE programme = $p`,
      { p: id },
    );
    const without = row?.without ?? null;
    const withP = row?.with ?? null;
    out[m] = {
      population: ALL_PEOPLE.has(m) ? 'all' : 'reoffenders',
      n_without: row?.n0 ?? 0,
      n_with: row?.n1 ?? 0,
      without: round(without),
      with: round(withP),
      att: without === null || withP === null ? null : round(withP - without),
      participants_changed: row?.changed ?? 0,
    };
  }
  return out;
}

function round(x: number | null): number | null {
  return x === null ? null : Math.round(x * 1e10) / 1e10;
}

/**
 * The true effect. `effect_pp` is the shift applied to each participant's one-year reoffending
 * probability. `realised_pp` is what it changed among these participants, from the same random
 * draws with and without the programme (exact, not estimated). Rounded so the file is stable.
 */
async function effectTruth(register: SyntheticRegister, p: ProgrammeSpec, rates: ErrorRates): Promise<Record<string, unknown>> {
  const row = await register.db.one<Record<string, number>>(
    `SELECT count(*)::INTEGER AS n,
       round(avg(p_reoff), 6) AS p_without,
       round(avg(least(1.0, greatest(0.0, p_reoff + effect_pp / 100.0))), 6) AS p_with,
       round(100.0 * avg((u_reoff < least(1.0, greatest(0.0, p_reoff + effect_pp / 100.0)))::INTEGER - (u_reoff < p_reoff)::INTEGER), 4) AS realised_pp,
       round(100.0 * avg((u_reoff < p_reoff)::INTEGER), 4) AS reoff_without_pct,
       round(100.0 * avg((u_reoff < least(1.0, greatest(0.0, p_reoff + effect_pp / 100.0)))::INTEGER), 4) AS reoff_with_pct
     FROM ev_gen WHERE programme = $p`,
    { p: p.id },
  );
  return {
    effect_pp: p.effectPp,
    seed: register.seed,
    programme: p.id,
    participants: row?.n ?? 0,
    period: p.period,
    sentence_types: p.sentenceTypes ?? ['custody', 'community', 'suspended'],
    mean_probability_without: row?.p_without,
    mean_probability_with: row?.p_with,
    realised_pp: row?.realised_pp,
    reoffended_within_year_without_pct: row?.reoff_without_pct,
    reoffended_within_year_with_pct: row?.reoff_with_pct,
    note: 'realised_pp and the *_pct fields are at generator level: the next offence committed within a year. `measures` gives the exact effect on the measured outcomes (proven within the further six months, PNDs excluded), from each participant\'s outcomes with and without the programme under the same draws.',
    measures: await measureTruth(register, p.id),
    error_rates: { ...rates },
  };
}
