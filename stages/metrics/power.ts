// `number_needed`: the treatment-group size that would make the observed difference significant
// with 80 % power at alpha = 0.05 (methodology §7 recommendation; the service's exact formula
// is not public). The comparison group is assumed to grow with the treatment group, keeping the
// observed ratio of effective sizes, because matching draws comparators per treated person.
import { normalQuantile } from './tdist.ts';
import type { GroupSummary } from './weighted.ts';

export function numberNeeded(treat: GroupSummary, comparison: GroupSummary, alpha = 0.05, power = 0.8): number | null {
  const d = treat.mean - comparison.mean;
  if (!Number.isFinite(d) || d === 0) return null;
  if (!Number.isFinite(treat.variance) || !Number.isFinite(comparison.variance)) return null;
  if (!(treat.n > 0 && comparison.nEffective > 0)) return null;
  const ratio = comparison.nEffective / treat.n;
  const z = normalQuantile(1 - alpha / 2) + normalQuantile(power);
  const n = (z * z * (treat.variance + comparison.variance / ratio)) / (d * d);
  // A t-test needs at least two people per group, however large the difference.
  return Math.max(2, Math.ceil(n));
}
