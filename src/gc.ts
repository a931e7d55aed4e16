// Garbage collection: keep what the last N runs of each request and any pinned run need; delete
// other stage records and the blobs no kept record or run references. Purged requests' blobs are
// handled by purge, not here.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { RunRecords } from './records.ts';
import type { Store } from './store.ts';
import { writeFileAtomic } from './fsutil.ts';

export interface GcPlan {
  keepRuns: number;
  deleteRecords: string[];
  deleteBlobs: { hash: string; bytes: number }[];
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
  let keepRuns = 0;
  for (const request of records.requests()) {
    const ids = records.list(request);
    const kept = new Set([...ids.slice(Math.max(0, ids.length - keep)), ...readPins(records, request)]);
    for (const id of kept) {
      if (!ids.includes(id)) continue;
      keepRuns++;
      for (const [stage, s] of Object.entries(records.read(request, id).stages)) {
        if (s.keyHash) keptKeys.add(`${stage}/${s.keyHash}`);
        for (const o of Object.values(s.outputs ?? {})) keptBlobs.add(o.hash);
      }
    }
  }
  const deleteRecords: string[] = [];
  for (const r of store.records()) {
    if (keptKeys.has(`${r.stage}/${r.keyHash}`)) for (const o of Object.values(r.outputs)) keptBlobs.add(o.hash);
    else deleteRecords.push(r.path);
  }
  const deleteBlobs = store
    .blobHashes()
    .filter((h) => !keptBlobs.has(h))
    .map((hash) => ({ hash, bytes: 0 }));
  return { keepRuns, deleteRecords, deleteBlobs };
}

export function applyGc(store: Store, plan: GcPlan): { records: number; blobs: number; bytes: number } {
  let bytes = 0;
  for (const b of plan.deleteBlobs) bytes += store.deleteBlob(b.hash);
  for (const p of plan.deleteRecords) rmSync(p, { force: true });
  return { records: plan.deleteRecords.length, blobs: plan.deleteBlobs.length, bytes };
}
