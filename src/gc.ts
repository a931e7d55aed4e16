// Garbage collection: keep what the last N runs of each request and any pinned run need; delete
// other stage records and the blobs no kept record or run references, and record each deleted
// blob that held person-level data in the deletion register (gcDeletions). Purged requests'
// blobs are handled by purge, not here.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { RunRecords } from './records.ts';
import type { Store } from './store.ts';
import { writeFileAtomic } from './fsutil.ts';
import type { Deletion } from './deletions.ts';
import type { Classification } from './stage.ts';

/** A blob gc would delete, with what the store and run records say it held. */
export interface GcBlob {
  hash: string;
  bytes: number;
  /** 'stage.output' from the stage records that name it; undefined for a blob no record names. */
  dataset?: string;
  classification?: Classification;
  /** The requests whose runs used it (ids, never content). */
  requests: string[];
  /** Where it is, relative to the store: objects/<hash>, or a copy a run set aside in quarantine/. */
  locations: string[];
}

export interface GcPlan {
  keepRuns: number;
  deleteRecords: string[];
  deleteBlobs: GcBlob[];
}

export function pinsFile(records: RunRecords, request: string): string {
  return join(records.requestDir(request), 'pins.json');
}

export function readPins(records: RunRecords, request: string): string[] {
  const f = pinsFile(records, request);
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as string[]) : [];
}

export function pinRun(records: RunRecords, request: string, run: string): void {
  records.read(request, run); // throws a clear error if the run does not exist
  const pins = new Set(readPins(records, request));
  pins.add(run);
  writeFileAtomic(pinsFile(records, request), JSON.stringify([...pins].sort(), null, 2) + '\n', 0o600);
}

export function planGc(store: Store, records: RunRecords, keep: number): GcPlan {
  const keptKeys = new Set<string>();
  const keptBlobs = new Set<string>();
  // Which requests' runs used each blob (for the deletion register): every run is read once, the
  // kept ones (the last N and the pinned) also say what must stay. A kept run that cannot be read
  // stops the gc (records.read throws, naming it); an older one only loses its attribution.
  const usedBy = new Map<string, Set<string>>();
  let keepRuns = 0;
  for (const request of records.requests()) {
    const ids = records.list(request);
    const kept = new Set([...ids.slice(Math.max(0, ids.length - keep)), ...readPins(records, request)]);
    for (const id of ids) {
      let run;
      try {
        run = records.read(request, id);
      } catch (error) {
        if (kept.has(id)) throw error;
        continue;
      }
      if (kept.has(id)) keepRuns++;
      for (const [stage, s] of Object.entries(run.stages)) {
        if (kept.has(id) && s.keyHash) keptKeys.add(`${stage}/${s.keyHash}`);
        for (const o of Object.values(s.outputs ?? {})) {
          if (kept.has(id)) keptBlobs.add(o.hash);
          (usedBy.get(o.hash) ?? usedBy.set(o.hash, new Set()).get(o.hash)!).add(request);
        }
      }
    }
  }
  const deleteRecords: string[] = [];
  // What each blob held, from every stage record, kept or not.
  const described = new Map<string, { dataset: string; classification: Classification; bytes: number }>();
  for (const r of store.records()) {
    if (keptKeys.has(`${r.stage}/${r.keyHash}`)) for (const o of Object.values(r.outputs)) keptBlobs.add(o.hash);
    else deleteRecords.push(r.path);
    for (const [name, o] of Object.entries(r.outputs)) described.set(o.hash, { dataset: `${r.stage}.${name}`, classification: o.classification, bytes: o.bytes });
  }
  // Blobs, and the damaged copies runs set aside in quarantine/ (they hold the same kind of data:
  // kept as evidence while the blob is needed, deleted with it, or on their own once it is not).
  const where = new Map<string, string[]>();
  for (const h of store.blobHashes()) where.set(h, [`objects/${h}`]);
  for (const copy of store.quarantined()) {
    const m = /^quarantine\/[^/]+\/objects\/([0-9a-f]{64})$/.exec(relative(store.dir, copy).split(sep).join('/'));
    if (m) where.set(m[1]!, [...(where.get(m[1]!) ?? []), relative(store.dir, copy).split(sep).join('/')]);
  }
  const deleteBlobs = [...where.keys()]
    .sort()
    .filter((h) => !keptBlobs.has(h))
    .map((hash): GcBlob => {
      const d = described.get(hash);
      return { hash, bytes: d?.bytes ?? 0, ...(d ? { dataset: d.dataset, classification: d.classification } : {}), requests: [...(usedBy.get(hash) ?? [])].sort(), locations: where.get(hash)! };
    });
  return { keepRuns, deleteRecords, deleteBlobs };
}

/**
 * The deletion-register entries of a gc: one per deleted blob that held person-level data
 * (personal or pseudonymised) or that no record describes any more (it may have). A gc deletes
 * older versions of a request's data; the register must show those deletions as it shows a
 * purge's.
 */
export function gcDeletions(plan: GcPlan, operator: string): Deletion[] {
  return plan.deleteBlobs
    .filter((b) => b.classification !== 'aggregate')
    .flatMap((b) => b.locations.map((where) => ({
      request: b.requests.join(',') || '(none)',
      dataset: b.dataset ?? '(no record)',
      classification: b.classification ?? 'unknown',
      blob: b.hash,
      bytes: b.bytes,
      location: `store/${where}`,
      operator,
      reason: 'gc: no recent or pinned run needs it',
      rule: 'gc',
    })));
}

export function applyGc(store: Store, plan: GcPlan): { records: number; blobs: number; bytes: number } {
  let bytes = 0;
  for (const b of plan.deleteBlobs) bytes += store.deleteBlob(b.hash);
  for (const p of plan.deleteRecords) rmSync(p, { force: true });
  return { records: plan.deleteRecords.length, blobs: plan.deleteBlobs.length, bytes };
}
