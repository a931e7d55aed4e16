// Content-addressed object store plus one record per stage key. Blobs are committed by rename,
// so a crash leaves either the whole blob or nothing; a stage record is written only after all
// of its blobs, so a record never points at a blob that was not committed.
//
// Nothing stored is trusted blindly: a blob is checked against its name (its sha256) when it is
// used, a stage record against its own key hash, seal and the size and format of the blobs it
// names. What fails is moved to quarantine/ (never deleted: it is evidence) and rebuilt.
import { chmodSync, closeSync, createReadStream, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, renameSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename, dirname, join, relative } from 'node:path';
import { sha256, sha256File, type Sha256, type StatMemo } from './hash.ts';
import { writeFileAtomic, removeTree, isProcessAlive, jsonProblem } from './fsutil.ts';
import { keyHash as hashOfKey, type KeyObject } from './key.ts';
import { CLASSIFICATIONS, FORMATS, type Classification, type Format, type Json } from './stage.ts';

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
  /** sha256 of the record's JSON without this field: a hand-edited record no longer matches it. */
  seal?: Sha256;
}

/**
 * What is wrong with a stored blob or record. `blob`: the bytes no longer hash to the blob's name
 * (or it is gone). `record`: the record is unreadable, or names a blob that is intact but is not
 * what the record describes (another size or format, e.g. a hand-edited hash).
 */
export type StoreProblem =
  | { kind: 'blob-missing'; hash: Sha256; stage?: string; output?: string }
  | { kind: 'blob-damaged'; hash: Sha256; actual: Sha256; bytes: number; stage?: string; output?: string }
  | { kind: 'record-damaged'; path: string; problem: string; stage?: string }
  | { kind: 'record-mismatch'; path: string; stage: string; output: string; hash: Sha256; problem: string };

/** A problem found while using the store, and where the damaged file was moved. */
export type Quarantined = StoreProblem & { movedTo?: string };

export function describeStoreProblem(p: StoreProblem, show: (path: string) => string = (x) => x): string {
  const where = 'stage' in p && p.stage ? `${p.stage}${'output' in p && p.output ? `.${p.output}` : ''}: ` : '';
  switch (p.kind) {
    case 'blob-missing':
      return `${where}blob ${p.hash.slice(0, 12)} is missing`;
    case 'blob-damaged':
      return `${where}blob ${p.hash.slice(0, 12)} does not match its name (${p.bytes} bytes hashing to ${p.actual.slice(0, 12)})`;
    case 'record-damaged':
      return `${where}stage record ${show(p.path)} is damaged: ${p.problem}`;
    case 'record-mismatch':
      return `${where}stage record ${show(p.path)} names blob ${p.hash.slice(0, 12)}, which ${p.problem}`;
  }
}

const HEX64 = /^[0-9a-f]{64}$/;

/** The seal of a stage record: the hash of its JSON without the seal, as written. */
export function sealOf(record: StageRecord): Sha256 {
  const { seal: _, ...rest } = record;
  return sha256(JSON.stringify(rest));
}

/** Why a parsed stage record cannot be trusted, or undefined. `file` is the name it was stored under. */
export function recordProblem(value: unknown, file?: { stage: string; keyHash: string }): string | undefined {
  const r = value as StageRecord;
  if (!r || typeof r !== 'object' || Array.isArray(r)) return 'not a JSON object';
  if (r.v !== 1) return 'not a stage record of a known version';
  if (typeof r.stage !== 'string' || !HEX64.test(String(r.keyHash))) return 'no stage name or key hash';
  if (file && (r.stage !== file.stage || r.keyHash !== file.keyHash)) return 'it describes another stage or key than the one it is stored under';
  if (!r.key || typeof r.key !== 'object') return 'no key object';
  try {
    if (hashOfKey(r.key) !== r.keyHash) return 'its key object does not hash to its key hash';
  } catch (error) {
    return `its key object cannot be hashed (${(error as Error).message})`;
  }
  if (!r.outputs || typeof r.outputs !== 'object' || Array.isArray(r.outputs)) return 'no outputs';
  for (const [name, o] of Object.entries(r.outputs)) {
    if (!o || typeof o !== 'object') return `output ${name} is not an object`;
    if (!HEX64.test(String(o.hash))) return `output ${name} has no valid hash`;
    if (!Number.isInteger(o.bytes) || o.bytes < 0) return `output ${name} has no valid size`;
    if (!FORMATS.includes(o.format)) return `output ${name} has an unknown format`;
    if (!CLASSIFICATIONS.includes(o.classification)) return `output ${name} has an unknown classification`;
  }
  if (r.seal !== undefined && r.seal !== sealOf(r)) return 'its seal does not match its contents (edited by hand?)';
  return undefined;
}

/**
 * Whether a file's first and last bytes rule out the format. Cheap: a few bytes at each end, enough
 * to tell a Parquet table from a JSON document. Only positive evidence counts (a wrong magic
 * number, binary bytes in a text format, a text that cannot start a JSON document), so an unusual
 * but legitimate output is never rebuilt over and over. An empty file is judged by its size alone.
 */
export function formatProblem(path: string, format: Format): string | undefined {
  const size = statSync(path).size;
  if (size === 0) return undefined;
  const head = Buffer.alloc(Math.min(size, 64));
  const tail = Buffer.alloc(Math.min(size, 8));
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, head.length, 0);
    readSync(fd, tail, 0, tail.length, Math.max(0, size - tail.length));
  } finally {
    closeSync(fd);
  }
  const latin1 = head.toString('latin1');
  const binary = head.includes(0) || latin1.startsWith('PAR1') || latin1.startsWith('ARROW1');
  const text = latin1.replace(/^\xEF\xBB\xBF/, '').trimStart(); // a UTF-8 byte-order mark, then blanks
  switch (format) {
    case 'parquet':
      return size >= 12 && latin1.startsWith('PAR1') && tail.subarray(4).toString('latin1') === 'PAR1' ? undefined : 'is not a Parquet file';
    case 'arrow': {
      const file = latin1.startsWith('ARROW1') && tail.subarray(2).toString('latin1') === 'ARROW1';
      const stream = size >= 8 && head.readUInt32LE(0) === 0xffffffff;
      return file || stream ? undefined : 'is not an Arrow IPC file';
    }
    case 'json':
      return !binary && (text === '' || /^[[{"\-0-9tfn]/.test(text)) ? undefined : 'is not a JSON document';
    case 'html':
      return !binary ? undefined : 'is not an HTML document';
    case 'csv':
      return !binary ? undefined : 'is not a CSV text';
  }
}

export class Store {
  readonly objects: string;
  readonly stages: string;
  readonly tmp: string;
  readonly memoFile: string;
  readonly quarantineDir: string;

  constructor(readonly dir: string) {
    this.objects = join(dir, 'objects');
    this.stages = join(dir, 'stages');
    this.tmp = join(dir, 'tmp');
    this.memoFile = join(dir, 'statmemo.json');
    this.quarantineDir = join(dir, 'quarantine');
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
  async commitBlob(file: string, classification: Classification, memo?: StatMemo): Promise<{ hash: Sha256; bytes: number }> {
    const fd = openSync(file, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    const before = statSync(file, { bigint: true });
    const hash = await sha256File(file);
    const bytes = statSync(file).size;
    const target = this.blobPath(hash);
    if (existsSync(target)) {
      unlinkSync(file);
    } else {
      chmodSync(file, 0o400);
      renameSync(file, target);
      // The memo learns the blob now, so the next run need not read it again to check it. Its
      // writer (a stage that has returned) is done with it, and it is read-only from here on: if
      // its size, mtime and inode did not change while it was hashed, the hash is of these bytes.
      const after = statSync(target, { bigint: true });
      if (memo && after.size === before.size && after.mtimeNs === before.mtimeNs && after.ino === before.ino) memo.remember(target, hash, after);
    }
    return { hash, bytes };
  }

  recordPath(stage: string, keyHash: Sha256): string {
    return join(this.stages, stage, `${keyHash}.json`);
  }

  /** A stage record, or undefined when there is none. Throws DamagedRecordError when it cannot be trusted. */
  readRecord(stage: string, keyHash: Sha256): StageRecord | undefined {
    const p = this.recordPath(stage, keyHash);
    if (!existsSync(p)) return undefined;
    return this.parseRecord(p, { stage, keyHash });
  }

  private parseRecord(path: string, file?: { stage: string; keyHash: string }): StageRecord {
    let value: unknown;
    try {
      value = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new DamagedRecordError(path, jsonProblem(error));
    }
    const problem = recordProblem(value, file);
    if (problem) throw new DamagedRecordError(path, problem);
    return value as StageRecord;
  }

  writeRecord(record: StageRecord): void {
    const { seal: _, ...rest } = record;
    const sealed: StageRecord = { ...rest, seal: sealOf(rest) };
    writeFileAtomic(this.recordPath(record.stage, record.keyHash), JSON.stringify(sealed, null, 2) + '\n', 0o600);
  }

  /** All readable stage records, for gc and purge; damaged ones are skipped here (see recordFiles). */
  *records(): Generator<StageRecord & { path: string }> {
    for (const path of this.recordFiles()) {
      try {
        yield { ...this.parseRecord(path, fileOfRecord(path)), path };
      } catch (error) {
        if (!(error instanceof DamagedRecordError)) throw error;
      }
    }
  }

  /** Every stage record file, sorted. */
  recordFiles(): string[] {
    if (!existsSync(this.stages)) return [];
    const out: string[] = [];
    for (const stage of readdirSync(this.stages).sort()) {
      const d = join(this.stages, stage);
      if (!statSync(d).isDirectory()) continue;
      for (const f of readdirSync(d).filter((f) => f.endsWith('.json')).sort()) out.push(join(d, f));
    }
    return out;
  }

  /** Read any stage record file, damaged or not: for the store check. */
  inspectRecord(path: string): { ok: true; record: StageRecord } | { ok: false; problem: string } {
    try {
      return { ok: true, record: this.parseRecord(path, fileOfRecord(path)) };
    } catch (error) {
      if (error instanceof DamagedRecordError) return { ok: false, problem: error.problem };
      throw error;
    }
  }

  /**
   * Is the blob what its name says? With a memo, a blob whose (size, mtime, ctime, inode) are
   * unchanged since it was last hashed is vouched for without reading it; without one, it is read.
   */
  async checkBlob(hash: Sha256, memo?: StatMemo): Promise<{ ok: true } | { ok: false; problem: 'missing' } | { ok: false; problem: 'damaged'; actual: Sha256; bytes: number }> {
    const p = this.blobPath(hash);
    if (!existsSync(p)) return { ok: false, problem: 'missing' };
    const actual = memo ? await memo.hashFile(p) : await sha256File(p);
    if (actual === hash) return { ok: true };
    return { ok: false, problem: 'damaged', actual, bytes: statSync(p).size };
  }

  /**
   * Check a stage record and the blobs it names before they are used. Returns the problems found;
   * the caller decides whether to quarantine them (a dry run does not).
   */
  async checkRecordOutputs(record: StageRecord, memo?: StatMemo): Promise<StoreProblem[]> {
    const problems: StoreProblem[] = [];
    const path = this.recordPath(record.stage, record.keyHash);
    for (const [output, o] of Object.entries(record.outputs)) {
      const blob = await this.checkBlob(o.hash, memo);
      if (!blob.ok) {
        problems.push(blob.problem === 'missing' ? { kind: 'blob-missing', hash: o.hash, stage: record.stage, output } : { kind: 'blob-damaged', hash: o.hash, actual: blob.actual, bytes: blob.bytes, stage: record.stage, output });
        continue;
      }
      // The blob is intact; is it the one the record describes?
      const size = statSync(this.blobPath(o.hash)).size;
      const mismatch = size !== o.bytes ? `has ${size} bytes, not the ${o.bytes} recorded` : formatProblem(this.blobPath(o.hash), o.format);
      if (mismatch) problems.push({ kind: 'record-mismatch', path, stage: record.stage, output, hash: o.hash, problem: mismatch });
    }
    return problems;
  }

  /**
   * Move a damaged blob or record out of the way, into quarantine/<label>/ under its store path.
   * It is kept (with its mode), not deleted: it is evidence of what went wrong.
   */
  quarantine(path: string, label: string): string {
    const target = join(this.quarantineDir, label, relative(this.dir, path));
    mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
    renameSync(path, target);
    return target;
  }

  /** Quarantined copies of a blob (damaged bytes stored under the blob's name). */
  quarantinedCopies(hash: Sha256): string[] {
    if (!existsSync(this.quarantineDir)) return [];
    return readdirSync(this.quarantineDir)
      .map((label) => join(this.quarantineDir, label, 'objects', hash))
      .filter((p) => existsSync(p));
  }

  /** Everything in quarantine, as paths. */
  quarantined(): string[] {
    if (!existsSync(this.quarantineDir)) return [];
    const out: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        if (e.isDirectory()) walk(join(d, e.name));
        else out.push(join(d, e.name));
      }
    };
    walk(this.quarantineDir);
    return out;
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

  /**
   * Copy a committed blob to a published path (e.g. the report for the analyst), hashing the bytes
   * as they are copied: the published file replaces the old one only if they are the blob's.
   */
  async publish(hash: Sha256, target: string, classification: Classification): Promise<{ ok: true } | { ok: false; actual: Sha256; bytes: number }> {
    mkdirSync(dirname(target), { recursive: true });
    const tmp = `${target}.${process.pid}.tmp`;
    const digest = createHash('sha256');
    let bytes = 0;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      for await (const chunk of createReadStream(this.blobPath(hash), { highWaterMark: 1 << 20 })) {
        const buffer = chunk as Buffer;
        digest.update(buffer);
        bytes += buffer.length;
        for (let off = 0; off < buffer.length; ) off += writeSync(fd, buffer, off);
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    const actual = digest.digest('hex');
    if (actual !== hash) {
      unlinkSync(tmp);
      return { ok: false, actual, bytes };
    }
    chmodSync(tmp, 0o600);
    renameSync(tmp, target);
    return { ok: true };
  }

  /** Delete a blob, and any quarantined copy of it (a damaged copy holds the same kind of data). */
  deleteBlob(hash: Sha256): number {
    for (const copy of this.quarantinedCopies(hash)) rmSync(copy, { force: true });
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

/** A stage record that cannot be trusted: named by path, with what is wrong with it. */
export class DamagedRecordError extends Error {
  constructor(readonly path: string, readonly problem: string) {
    super(`stage record ${path} is damaged: ${problem}`);
  }
}

function fileOfRecord(path: string): { stage: string; keyHash: string } {
  return { stage: basename(dirname(path)), keyHash: basename(path, '.json') };
}
