// Who was withdrawn from a live request, as the propensity stage needs to know it: the register
// ids of withdrawn people, so they leave the comparison pool as well as the treatment group
// (blanking their cohort row only unlinks them, which would put them back in the pool as
// comparators). The list identifies them to anyone holding the national register, so it lives in
// the private folder, outside data/, and goes with the request's purge. A random nonce makes its
// content hash (kept in run records and cache keys under data/) impossible to test against a
// guessed register id.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../../src/fsutil.ts';

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

/** Add register ids to the list (a new nonce each time), owner-only. */
export function addWithdrawn(path: string, registerIds: string[]): WithdrawnList {
  const list = readWithdrawn(path);
  const ids = [...new Set([...list.register_ids, ...registerIds])].sort();
  const next = { nonce: randomBytes(32).toString('hex'), register_ids: ids };
  writeFileAtomic(path, JSON.stringify(next) + '\n', 0o600);
  return next;
}

/** The register id the linkage gave a cohort row (any status that carries one), if any. */
export async function registerIdOfRow(linksParquet: string, row: number): Promise<string | undefined> {
  if (!existsSync(linksParquet)) return undefined;
  const { Duck } = await import('../../src/duck.ts');
  const db = await Duck.open({ threads: 1 });
  try {
    const hit = await db.one<{ id: string | null }>('SELECT CAST(register_id AS VARCHAR) AS id FROM read_parquet($p) WHERE row = $row AND register_id IS NOT NULL LIMIT 1', { p: linksParquet, row });
    return hit?.id ?? undefined;
  } finally {
    db.close();
  }
}
