// The day and the operator, read once at the edge. Stages get the day through ctx.today, so none
// of them reads the clock or the environment itself (and a stage's code key never covers this).
import { hostname, userInfo } from 'node:os';

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

/** yyyy-mm-dd. PIPELINE_TODAY lets tests and re-runs of a past schedule evaluate rules as of a given day. */
export function today(): string {
  const fixed = process.env.PIPELINE_TODAY;
  if (fixed !== undefined && fixed !== '') {
    if (!ISO_DAY.test(fixed) || Number.isNaN(Date.parse(`${fixed}T00:00:00Z`))) throw new Error(`PIPELINE_TODAY must be a date written yyyy-mm-dd, not ${JSON.stringify(fixed)}`);
    return fixed;
  }
  return new Date().toISOString().slice(0, 10);
}

/** Who is acting, for the deletion register: PIPELINE_OPERATOR, or user@host. */
export function operatorName(): string {
  return process.env.PIPELINE_OPERATOR ?? `${userInfo().username}@${hostname()}`;
}
