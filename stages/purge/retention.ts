// The service's retention rule (DPIA: "After the review period has elapsed (plus a month after
// publication to enable the JDL to answer any follow up queries), the individual level data ...
// will be destroyed"; pseudonymised linked data is kept unless the provider opted out).
import type { Classification } from '../../src/stage.ts';

export interface RetentionFields {
  dates?: { results_shared?: string | null; publication?: string | null };
  review_period_days?: number;
  retention?: { pseudonymised_opt_out?: boolean };
}

export interface RetentionDecision {
  /** yyyy-mm-dd from which deletion is due, or null while it cannot be known. */
  due: string | null;
  classifications: Classification[];
  rule: string;
}

function addDays(iso: string, days: number): string {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** One calendar month later; the 31st of a 30-day month becomes the last day of that month. */
function addOneMonth(iso: string): string {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return new Date(Date.UTC(y, m, Math.min(d, lastDay))).toISOString().slice(0, 10);
}

/**
 * Due at the later of (results shared + review period) and (publication + one month). Until the
 * results are shared nothing is due. A request with no publication date is one that will not be
 * published (e.g. it failed the minimum criteria), so only the review period applies.
 */
export function retentionDecision(request: RetentionFields): RetentionDecision {
  const classifications: Classification[] = request.retention?.pseudonymised_opt_out ? ['personal', 'pseudonymised'] : ['personal'];
  const shared = request.dates?.results_shared ?? null;
  const review = request.review_period_days ?? 28;
  const publication = request.dates?.publication ?? null;
  const optOut = request.retention?.pseudonymised_opt_out ? '; pseudonymised data too (the provider opted out)' : '';
  if (!shared) return { due: null, classifications, rule: `not due: results not shared yet (then ${review} days of review, and a month after publication)${optOut}` };
  const afterReview = addDays(shared, review);
  if (!publication) return { due: afterReview, classifications, rule: `results shared ${shared} + ${review}-day review period; no publication${optOut}` };
  const afterPublication = addOneMonth(publication);
  const due = afterReview > afterPublication ? afterReview : afterPublication;
  return { due, classifications, rule: `later of results shared ${shared} + ${review}-day review (${afterReview}) and publication ${publication} + one month (${afterPublication})${optOut}` };
}
