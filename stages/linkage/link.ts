// The linkage steps shared by the pipeline stage and the standalone `link` command. The caller
// loads three tables, `cohort_in`, `people_in` and `prison_numbers_in` (see load-stage.sql for
// their columns), and, for index events, `events_in`; everything else happens in the .sql files
// beside this module, in this order.
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Duck } from '../../src/duck.ts';
import type { Json } from '../../src/stage.ts';
import type { MatchReport } from './match-report.ts';

export const LINKAGE_SQL = ['keys.sql', 'candidates.sql', 'tiers.sql', 'event-evidence.sql', 'decide.sql', 'index-event.sql'] as const;
export const NICKNAMES_FILE = 'nicknames.csv';

/** Loss reasons in attrition order: each row is counted at the first step that loses it. */
export const ATTRITION = ['no_match', 'suspect', 'duplicate', 'no_eligible_sentence', 'outside_period'] as const;
export const TIERS = ['pnc', 'prison_number', 'exact', 'fuzzy'] as const;

export interface LinkOptions {
  /** Choose index events from `events_in` (the pipeline); false for person-level linkage only. */
  withEvents: boolean;
  period?: { from: string; to: string };
  log?: (message: string) => void;
}

const EMPTY_EVENTS = `CREATE TABLE events_in (event_id BIGINT, register_id BIGINT, index_date DATE, sentence_type VARCHAR, disposal_date DATE, sentence_end DATE)`;

/** Run the linkage SQL over the loaded tables; leaves the table `links`. */
export async function link(db: Duck, dir: string, options: LinkOptions, loadEvents?: () => Promise<void>): Promise<void> {
  const params = {
    nicknames: join(dir, NICKNAMES_FILE),
    with_events: options.withEvents,
    period_from: options.period?.from ?? '0001-01-01',
    period_to: options.period?.to ?? '9999-12-31',
  };
  for (const file of LINKAGE_SQL) {
    if (file === 'event-evidence.sql') {
      if (options.withEvents && loadEvents) await loadEvents();
      else await db.run(EMPTY_EVENTS);
    }
    await db.file(join(dir, file), params);
    options.log?.(`${file} done`);
  }
}

/** Write the links (personal: owner-only) with the contract's columns, in row order. */
export async function writeLinks(db: Duck, path: string): Promise<number> {
  await db.run(
    `COPY (SELECT row::INTEGER AS row, status, tier, score::DOUBLE AS score, register_id::BIGINT AS register_id, event_id::BIGINT AS event_id
           FROM links ORDER BY row) TO $out (FORMAT parquet)`,
    { out: path },
  );
  await chmod(path, 0o600);
  const n = await db.one<{ n: number }>('SELECT count(*)::INTEGER AS n FROM links');
  return n!.n;
}

const rate = (n: number, of: number): number => (of > 0 ? Math.round((n / of) * 10000) / 10000 : 0);

/** Counts and rates by tier and by loss reason, in attrition order. Aggregate: no row numbers. */
export async function matchReport(db: Duck, options: LinkOptions): Promise<MatchReport> {
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
    'SELECT (SELECT count(*) FROM candidates)::INTEGER AS candidates, (SELECT count(*) FROM plausible)::INTEGER AS plausible',
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
  };
}

export async function writeJson(path: string, value: Json): Promise<void> {
  await writeFile(path, JSON.stringify(value, null, 2) + '\n');
}
