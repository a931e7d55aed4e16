// The service's retention rule (DPIA: "After the review period has elapsed (plus a month after
// publication to enable the JDL to answer any follow up queries), the individual level data ...
// will be destroyed"), plus the limits the DPIA implies for requests that never get that far:
// a refused request is deleted 30 days after receipt, one never shared 12 months after receipt.
import type { Classification } from '../../src/stage.ts';

export interface RetentionFields {
  dates?: { received?: string | null; results_shared?: string | null; publication?: string | null };
  review_period_days?: number;
  retention?: { pseudonymised_opt_out?: boolean };
}

/** What the framework knows of the request's runs. */
export interface RunFacts {
  /** Its last run stopped it: intake refused it. */
  stopped?: boolean;
  /** yyyy-mm-dd of its first run: the date of receipt when the form does not say. */
  firstRun?: string | null;
}

export interface RetentionSettings {
  /** A refused request's data is deleted this many days after receipt. */
  refusedDays: number;
  /** A request whose results are never shared is kept at most this many months after receipt. */
  unsharedMonths: number;
}

export const DEFAULT_RETENTION: RetentionSettings = { refusedDays: 30, unsharedMonths: 12 };

export interface RetentionDecision {
  /** yyyy-mm-dd from which deletion is due, or null while it cannot be known. */
  due: string | null;
  classifications: Classification[];
  rule: string;
  /** Why the data goes, for the deletion register. */
  reason: string;
}

function addDays(iso: string, days: number): string {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** n calendar months later; the 31st of a 30-day month becomes the last day of that month. */
function addMonths(iso: string, n: number): string {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  const lastDay = new Date(Date.UTC(y, m - 1 + n + 1, 0)).getUTCDate();
  return new Date(Date.UTC(y, m - 1 + n, Math.min(d, lastDay))).toISOString().slice(0, 10);
}

function addOneMonth(iso: string): string {
  return addMonths(iso, 1);
}

/**
 * Person-level data of a request is always deleted whole at its purge, pseudonymised included:
 * the matched set's event ids lead through the register's events to the national register's
 * names and dates of birth, so keeping it would let anyone holding the register re-identify the
 * whole treatment group (docs/privacy.md). A provider's opt-out therefore changes nothing.
 */
const CLASSIFICATIONS: Classification[] = ['personal', 'pseudonymised'];

/**
 * A refused request: due `refusedDays` after receipt. A request never shared: due `unsharedMonths`
 * after receipt (its maximum retention). Once shared: due at the later of (results shared +
 * review period) and (publication + one month); no publication date means it will not be
 * published (e.g. it failed the minimum criteria), so only the review period applies.
 */
export function retentionDecision(request: RetentionFields, facts: RunFacts = {}, settings: RetentionSettings = DEFAULT_RETENTION): RetentionDecision {
  const classifications = CLASSIFICATIONS;
  const received = request.dates?.received ?? facts.firstRun ?? null;
  const shared = request.dates?.results_shared ?? null;
  const review = request.review_period_days ?? 28;
  const publication = request.dates?.publication ?? null;
  if (facts.stopped) {
    if (!received) return { due: null, classifications, rule: 'refused; date of receipt unknown', reason: 'request refused' };
    return { due: addDays(received, settings.refusedDays), classifications, rule: `refused: ${settings.refusedDays} days after receipt on ${received}`, reason: 'request refused' };
  }
  if (!shared) {
    if (!received) return { due: null, classifications, rule: `not due: results not shared yet (then ${review} days of review, and a month after publication)`, reason: 'retention period ended' };
    const max = addMonths(received, settings.unsharedMonths);
    return { due: max, classifications, rule: `results never shared: at most ${settings.unsharedMonths} months after receipt on ${received} (once shared: ${review} days of review, and a month after publication)`, reason: 'maximum retention of a request never shared' };
  }
  const afterReview = addDays(shared, review);
  if (!publication) return { due: afterReview, classifications, rule: `results shared ${shared} + ${review}-day review period; no publication`, reason: 'retention period ended' };
  const afterPublication = addOneMonth(publication);
  const due = afterReview > afterPublication ? afterReview : afterPublication;
  return { due, classifications, rule: `later of results shared ${shared} + ${review}-day review (${afterReview}) and publication ${publication} + one month (${afterPublication})`, reason: 'retention period ended' };
}

/**
 * A request whose form cannot be read and that its last run did not refuse (the form was damaged
 * after a run, or the request never ran): its dates are unknown, so it is kept at most
 * `unsharedMonths` after its first run, the longest any request may be kept, and never for ever.
 * Its next run refuses it (intake cannot read the form), and the refused rule then applies.
 */
export function unreadableFormDecision(facts: RunFacts = {}, settings: RetentionSettings = DEFAULT_RETENTION): RetentionDecision {
  const classifications = CLASSIFICATIONS;
  if (!facts.firstRun) return { due: null, classifications, rule: 'request form unreadable and never run: date of receipt unknown', reason: 'retention period ended' };
  return {
    due: addMonths(facts.firstRun, settings.unsharedMonths),
    classifications,
    rule: `request form unreadable: at most ${settings.unsharedMonths} months after its first run on ${facts.firstRun}`,
    reason: 'maximum retention of a request whose form cannot be read',
  };
}
