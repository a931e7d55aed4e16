// The store's fsck (`verify --store`, and part of `audit --deep`): every blob re-hashed without
// the stat memo, every stage record checked against its key, its seal and the blobs it names,
// every run record against its schema. It reports and moves nothing; a run that uses a damaged
// blob or record sets it aside and rebuilds it.
import { existsSync, lstatSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { sha256File } from './hash.ts';
import { formatProblem, type Store } from './store.ts';
import type { RunRecords } from './records.ts';

export type StoreProblemKind = 'blob-damaged' | 'stray-file' | 'record-damaged' | 'record-missing-blob' | 'record-mismatch' | 'run-record-damaged' | 'run-missing-blob';

export interface StoreCheckProblem {
  kind: StoreProblemKind;
  /** The file at fault, relative to the data folder. */
  path: string;
  detail: string;
}

export interface StoreCheck {
  blobs: number;
  bytes: number;
  records: number;
  runRecords: number;
  /** Files set aside by earlier runs (evidence, not a fault of the store as it is). */
  quarantined: number;
  problems: StoreCheckProblem[];
  ok: boolean;
}

/**
 * The store's fsck: re-hash every blob (no memo), check every stage record (readable, its key and
 * seal, each output an existing blob of the recorded size and format), every run record (its
 * schema; the latest run of each request must still have the blobs it names, unless purged).
 * Reports; moves nothing.
 */
export async function verifyStore(store: Store, records: RunRecords, dataDir: string): Promise<StoreCheck> {
  const show = (p: string) => relative(dataDir, p).split(sep).join('/');
  const problems: StoreCheckProblem[] = [];
  const damaged = new Set<string>();
  let blobs = 0;
  let bytes = 0;
  if (existsSync(store.objects)) {
    for (const name of readdirSync(store.objects).sort()) {
      const path = join(store.objects, name);
      const st = lstatSync(path);
      if (!/^[0-9a-f]{64}$/.test(name) || !st.isFile()) {
        problems.push({ kind: 'stray-file', path: show(path), detail: `${show(path)} is not a blob (${st.isFile() ? 'its name is not a sha256' : 'not a regular file'})` });
        continue;
      }
      blobs++;
      bytes += st.size;
      const actual = await sha256File(path);
      if (actual !== name) {
        damaged.add(name);
        problems.push({ kind: 'blob-damaged', path: show(path), detail: `blob ${name.slice(0, 12)} does not match its name: its ${st.size} bytes hash to ${actual.slice(0, 12)}` });
      }
    }
  }

  // Blobs a purge (or a withdrawal) deleted on purpose: the run records say so ("purged"); a stage
  // record still naming one is history, not damage.
  const purged = new Set<string>();
  for (const request of records.requests()) {
    for (const id of records.list(request)) {
      try {
        for (const s of Object.values(records.read(request, id).stages)) for (const o of Object.values(s.outputs ?? {})) if (o.purged) purged.add(o.hash);
      } catch {
        // a damaged run record is reported below
      }
    }
  }

  const recordFiles = store.recordFiles();
  for (const path of recordFiles) {
    const r = store.inspectRecord(path);
    if (!r.ok) {
      problems.push({ kind: 'record-damaged', path: show(path), detail: `stage record ${show(path)} is damaged: ${r.problem}` });
      continue;
    }
    for (const [output, o] of Object.entries(r.record.outputs)) {
      const blob = store.blobPath(o.hash);
      const where = `stage record ${show(path)}, output ${output}`;
      if (!existsSync(blob)) {
        if (!purged.has(o.hash)) problems.push({ kind: 'record-missing-blob', path: show(path), detail: `${where}: blob ${o.hash.slice(0, 12)} does not exist` });
      } else if (damaged.has(o.hash)) continue; // reported once, as a damaged blob
      else {
        const size = statSync(blob).size;
        const mismatch = size !== o.bytes ? `blob ${o.hash.slice(0, 12)} has ${size} bytes, not the ${o.bytes} recorded` : formatProblem(blob, o.format) && `blob ${o.hash.slice(0, 12)} ${formatProblem(blob, o.format)} (declared ${o.format})`;
        if (mismatch) problems.push({ kind: 'record-mismatch', path: show(path), detail: `${where}: ${mismatch}` });
      }
    }
  }

  let runRecords = 0;
  for (const request of records.requests()) {
    for (const d of records.damaged(request)) problems.push({ kind: 'run-record-damaged', path: show(d.path), detail: `run record ${show(d.path)} is damaged: ${d.problem}` });
    runRecords += records.list(request).length;
    const latest = records.latest(request);
    if (!latest) continue;
    const path = join(records.requestDir(request), `${latest.run}.json`);
    for (const [stage, s] of Object.entries(latest.stages)) {
      for (const [output, o] of Object.entries(s.outputs ?? {})) {
        if (o.purged || existsSync(store.blobPath(o.hash))) continue;
        problems.push({ kind: 'run-missing-blob', path: show(path), detail: `latest run of request ${request}: ${stage}.${output} names blob ${o.hash.slice(0, 12)}, which does not exist and was not purged` });
      }
    }
  }
  return { blobs, bytes, records: recordFiles.length, runRecords, quarantined: store.quarantined().length, problems, ok: problems.length === 0 };
}
