// Work a stage may reuse from its own earlier run of the same request. A stage that declares
// `reuse: { varying: [...] }` (only its row input changes from one correction of a request to
// the next, say) is offered the outputs of its newest run whose key differs from this one only in
// those inputs: same code, params, environment and every other input. The stage may take rows
// from them that are still valid (a row-level memo) instead of recomputing; its outputs must be
// the same bytes as a run without them. `verify` re-executes without them, which checks that.
import { canonicalJson, type KeyObject } from './key.ts';
import type { StatMemo } from './hash.ts';
import type { RunRecords } from './records.ts';
import type { Store } from './store.ts';

/** The key without the varying inputs: two keys that agree on this may share work. */
function fixedPart(key: KeyObject, varying: readonly string[]): string {
  const inputs = Object.fromEntries(Object.entries(key.inputs).filter(([name]) => !varying.includes(name)));
  return canonicalJson({ ...key, inputs });
}

/**
 * Paths of the stage's outputs from its newest run (of this request) that can be reused with the
 * key `key`, or undefined. Outputs purged since, missing, or whose bytes no longer hash to their
 * name are never offered.
 */
export async function reusableOutputs(
  records: RunRecords,
  store: Store,
  memo: StatMemo,
  request: string,
  stage: string,
  key: KeyObject,
  varying: readonly string[],
): Promise<Record<string, string> | undefined> {
  const wanted = fixedPart(key, varying);
  const ids = records.list(request);
  for (let i = ids.length - 1; i >= 0; i--) {
    let run;
    try {
      run = records.read(request, ids[i]!).stages[stage];
    } catch {
      continue; // a damaged record is someone else's business (set aside by the run)
    }
    if (!run?.key || !run.outputs || (run.status !== 'ran' && run.status !== 'hit')) continue;
    if (fixedPart(run.key, varying) !== wanted) continue;
    const paths: Record<string, string> = {};
    for (const [name, out] of Object.entries(run.outputs)) {
      if (out.purged || !store.hasBlob(out.hash)) return undefined;
      const path = store.blobPath(out.hash);
      if ((await memo.hashFile(path)) !== out.hash) return undefined;
      paths[name] = path;
    }
    return paths;
  }
  return undefined;
}
