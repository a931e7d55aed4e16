// Whether the provider's data changed since a shared version. The differencing rule
// (metrics/disclosure.ts) guards against a reader who compares two versions and knows which
// people changed between them: that is the case when the provider corrected its file or withdrew
// someone, not when the lab corrects its own analysis over the same people. The DPIA (lines
// 139-141) says the same: provider data found erroneous after sharing does not re-issue the
// request; the lab's own erroneous analysis is re-issued with an explanation. The people are
// compared through results.source: the intake's fingerprint of the usable cohort and the number
// withdrawn. A version frozen without them (shared before they existed) counts as changed.
import type { Json } from '../../src/stage.ts';
import type { SharedVersion } from './erratum.ts';

type O = Record<string, Json>;
const isO = (x: Json | undefined): x is O => typeof x === 'object' && x !== null && !Array.isArray(x);

export interface PeopleKey {
  cohort_sha256: string;
  withdrawn: number;
}

/** The people a results file's figures come from, or null when it does not say. */
export function peopleKey(results: Json | undefined): PeopleKey | null {
  const source = isO(results) ? results.source : undefined;
  if (!isO(source)) return null;
  const { cohort_sha256: hash, withdrawn } = source;
  if (typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash) || typeof withdrawn !== 'number') return null;
  return { cohort_sha256: hash, withdrawn };
}

/** True unless both say which people they come from and the people are the same. */
export function providerDataChanged(shared: SharedVersion, current: Json): boolean {
  const before = peopleKey(shared.results);
  const now = peopleKey(current);
  if (!before || !now) return true;
  return before.cohort_sha256 !== now.cohort_sha256 || before.withdrawn !== now.withdrawn;
}

/** The shared versions the differencing rule compares the new figures with. */
export function versionsToGuard(shared: SharedVersion[], current: Json): SharedVersion[] {
  return shared.filter((s) => providerDataChanged(s, current));
}
