// Who was withdrawn from a live request, as the propensity stage needs to know it: the register
// ids of withdrawn people, so they leave the comparison pool as well as the treatment group
// (blanking their cohort row only unlinks them, which would put them back in the pool as
// comparators). The list identifies them to anyone holding the national register, so it lives in
// the private folder, outside data/, and goes with the request's purge. A random nonce makes its
// content hash (kept in run records and cache keys under data/) impossible to test against a
// guessed register id. The withdraw command writes it (commands/withdraw-person.ts).
import { existsSync, readFileSync } from 'node:fs';

export interface WithdrawnList {
  nonce: string;
  register_ids: string[];
}

/** The input path the propensity stage declares (the runner resolves {private} and {request}). */
export const WITHDRAWN_INPUT = 'file:{private}/withdrawn/{request}.json';

export function readWithdrawn(path: string | undefined): WithdrawnList {
  if (!path || !existsSync(path)) return { nonce: '', register_ids: [] };
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<WithdrawnList>;
  return { nonce: String(parsed.nonce ?? ''), register_ids: Array.isArray(parsed.register_ids) ? parsed.register_ids.map(String) : [] };
}
