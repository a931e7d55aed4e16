// Content-addressed object store plus one record per stage key. Blobs are committed by rename,
// so a crash leaves either the whole blob or nothing; a stage record is written only after all
// of its blobs, so a record never points at a blob that was not committed.
import { chmodSync, closeSync, copyFileSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { sha256File, type Sha256 } from './hash.ts';
import { writeFileAtomic, removeTree, isProcessAlive } from './fsutil.ts';
import type { KeyObject } from './key.ts';
import type { Classification, Format, Json } from './stage.ts';

export interface OutputRecord {
  hash: Sha256;
  bytes: number;
  rows?: number;
  format: Format;
  classification: Classification;
}

export interface StageRecord {
  v: 1;
  stage: string;
  keyHash: Sha256;
  key: KeyObject;
  outputs: Record<string, OutputRecord>;
  summary?: Json;
  stop?: string;
}

export class Store {
  readonly objects: string;
  readonly stages: string;
  readonly tmp: string;
  readonly memoFile: string;

  constructor(readonly dir: string) {
    this.objects = join(dir, 'objects');
    this.stages = join(dir, 'stages');
    this.tmp = join(dir, 'tmp');
    this.memoFile = join(dir, 'statmemo.json');
  }

  init(): void {
    for (const d of [this.objects, this.stages, this.tmp]) mkdirSync(d, { recursive: true, mode: 0o700 });
  }

  blobPath(hash: Sha256): string {
    return join(this.objects, hash);
  }

  hasBlob(hash: Sha256): boolean {
    return existsSync(this.blobPath(hash));
  }

  /**
   * Move a finished file into the store under its content hash. Identical bytes are stored once.
   * Personal and pseudonymised blobs are readable by the owner only; all are read-only.
   */
  async commitBlob(file: string, classification: Classification): Promise<{ hash: Sha256; bytes: number }> {
    const fd = openSync(file, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    const hash = await sha256File(file);
    const bytes = statSync(file).size;
    const target = this.blobPath(hash);
    if (existsSync(target)) {
      unlinkSync(file);
    } else {
      chmodSync(file, 0o400);
      renameSync(file, target);
    }
    return { hash, bytes };
  }

  recordPath(stage: string, keyHash: Sha256): string {
    return join(this.stages, stage, `${keyHash}.json`);
  }

  readRecord(stage: string, keyHash: Sha256): StageRecord | undefined {
    const p = this.recordPath(stage, keyHash);
    if (!existsSync(p)) return undefined;
    return JSON.parse(readFileSync(p, 'utf8')) as StageRecord;
  }

  writeRecord(record: StageRecord): void {
    writeFileAtomic(this.recordPath(record.stage, record.keyHash), JSON.stringify(record, null, 2) + '\n', 0o600);
  }

  /** All stage records, for gc and purge. */
  *records(): Generator<StageRecord & { path: string }> {
    if (!existsSync(this.stages)) return;
    for (const stage of readdirSync(this.stages).sort()) {
      const d = join(this.stages, stage);
      for (const f of readdirSync(d).filter((f) => f.endsWith('.json')).sort()) {
        const path = join(d, f);
        yield { ...(JSON.parse(readFileSync(path, 'utf8')) as StageRecord), path };
      }
    }
  }

  /** A work folder for one stage run: out/ for declared outputs, tmp/ for scratch. */
  workDir(runId: string, stage: string): { dir: string; out: string; tmp: string } {
    const dir = join(this.tmp, runId, stage);
    const out = join(dir, 'out');
    const tmp = join(dir, 'tmp');
    mkdirSync(out, { recursive: true, mode: 0o700 });
    mkdirSync(tmp, { recursive: true, mode: 0o700 });
    return { dir, out, tmp };
  }

  /** Remove work folders left by runs whose process is gone (killed mid-write). */
  clearAbandonedWork(): string[] {
    if (!existsSync(this.tmp)) return [];
    const removed: string[] = [];
    for (const runId of readdirSync(this.tmp)) {
      const pid = Number(/-p(\d+)-/.exec(runId)?.[1]);
      if (!pid || !isProcessAlive(pid)) {
        removeTree(join(this.tmp, runId));
        removed.push(runId);
      }
    }
    return removed;
  }

  /** Copy a committed blob to a published path (e.g. the report for the analyst). */
  publish(hash: Sha256, target: string, classification: Classification): void {
    mkdirSync(dirname(target), { recursive: true });
    const tmp = `${target}.${process.pid}.tmp`;
    copyFileSync(this.blobPath(hash), tmp);
    chmodSync(tmp, 0o600);
    renameSync(tmp, target);
  }

  deleteBlob(hash: Sha256): number {
    const p = this.blobPath(hash);
    if (!existsSync(p)) return 0;
    const bytes = statSync(p).size;
    rmSync(p, { force: true });
    return bytes;
  }

  blobHashes(): string[] {
    return existsSync(this.objects) ? readdirSync(this.objects).filter((f) => /^[0-9a-f]{64}$/.test(f)) : [];
  }
}
