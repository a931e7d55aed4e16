// The fingerprint of the people a request's figures are computed from: a SHA-256 over the
// normalised usable rows, each without its row number, sorted. The report compares it with the
// fingerprint frozen with each shared version to tell a provider-side change (a correction: the
// people changed, so the differencing rule applies) from a change of the lab's own analysis over
// the same people (re-issued with an erratum; DPIA lines 139-141). Row numbers and the file's
// name, format and order are left out: the same people re-sent in another file are the same data.
// It is a hash of the whole cohort at once, so testing it against a guess needs every row exactly.
import { createHash } from 'node:crypto';
import { COHORT_COLUMNS, type CohortRow } from './validate-rows.ts';

export function cohortFingerprint(rows: CohortRow[]): string {
  const fields = COHORT_COLUMNS.filter((c) => c !== 'row');
  const lines = rows.map((r) => JSON.stringify(fields.map((f) => r[f]))).sort();
  const hash = createHash('sha256');
  for (const line of lines) hash.update(line).update('\n');
  return hash.digest('hex');
}
