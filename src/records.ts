// Run records: one JSON file per run of a request, validated against schemas/run-record.schema.json.
// They are what reviewers diff and what `--explain` compares against, so they keep each stage's
// whole key object, not only its hash.
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync } from 'node:fs';
import { basename, join } from 'node:path';
// Compiled ahead of time from schemas/run-record.schema.json (npm run schemas): loading ajv's
// compiler on every run cost about a fifth of a no-op re-run.
import validator from '../schemas/run-record.validate.mjs';
import { jsonProblem, writeFileAtomic } from './fsutil.ts';
import type { KeyObject } from './key.ts';
import type { OutputRecord } from './store.ts';
import type { Json } from './stage.ts';
import type { InputFiles, Reason } from './explain.ts';

export type StageStatus = 'hit' | 'ran' | 'failed' | 'skipped' | 'stopped' | 'cancelled';

export interface StageRun {
  status: StageStatus;
  reason?: Reason;
  keyHash?: string;
  key?: KeyObject;
  /** Folder inputs' files and their hashes (not part of the key): so --explain can name the file that changed. */
  inputFiles?: InputFiles;
  outputs?: Record<string, OutputRecord & { purged?: string }>;
  seconds?: number;
  error?: string;
  notes?: string[];
  summary?: Json;
  stop?: string;
}

export interface RunRecord {
  v: 1;
  request: string;
  run: string;
  status: 'ok' | 'failed' | 'stopped' | 'cancelled';
  started: string;
  finished: string;
  plan: string[];
  env: Record<string, string>;
  options: { force?: string[]; only?: string | null };
  stop?: string;
  stages: Record<string, StageRun>;
  /** What this run found damaged in the store or the records, and where it was moved (paths relative to the data folder). */
  integrity?: IntegrityFinding[];
}

/**
 * Something found damaged while running, set aside (moved, never deleted) and rebuilt:
 * blob-damaged: a blob's bytes no longer hash to its name; record-damaged: a stage record that is
 * unreadable or inconsistent; record-mismatch: a stage record naming an intact blob that is not the
 * one it describes; run-record-damaged: an unreadable run record; lock-unreadable: an empty or
 * unparsable lock file older than the grace period, cleared.
 */
export interface IntegrityFinding {
  kind: 'blob-damaged' | 'record-damaged' | 'record-mismatch' | 'run-record-damaged' | 'lock-unreadable';
  /** The damaged file, relative to the data folder. */
  path: string;
  problem: string;
  stage?: string;
  output?: string;
  /** Where it was moved, relative to the data folder (a cleared lock has none). */
  movedTo?: string;
}

/** A run record that cannot be read or does not match its schema, named by path. */
export class DamagedRunRecordError extends Error {
  constructor(readonly path: string, readonly problem: string) {
    super(`run record ${path} is damaged: ${problem}`);
  }
}

export function validateRunRecord(record: unknown): string[] {
  if (validator(record)) return [];
  return ((validator.errors ?? []) as { instancePath: string; message?: string }[]).map((e) => `${e.instancePath || '/'} ${e.message}`);
}

let lastStamp = 0;

/**
 * Run ids sort by time to the millisecond: 20261124T040501123Z-p1234-a1b2. Within one process they
 * are strictly increasing, so two runs in the same millisecond still sort in order. The pid lets a
 * later run tell an abandoned one.
 */
export function newRunId(now = new Date()): string {
  lastStamp = Math.max(now.getTime(), lastStamp + 1);
  const stamp = new Date(lastStamp).toISOString().replace(/[-:]/g, '').replace(/\.(\d{3})Z$/, '$1Z');
  return `${stamp}-p${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
}

export class RunRecords {
  constructor(readonly dir: string) {}

  requestDir(request: string): string {
    return join(this.dir, request);
  }

  write(record: RunRecord): string {
    const problems = validateRunRecord(record);
    if (problems.length) throw new Error(`run record ${record.run} does not match its schema: ${problems.join('; ')}`);
    const p = join(this.requestDir(record.request), `${record.run}.json`);
    writeFileAtomic(p, JSON.stringify(record, null, 2) + '\n', 0o600);
    return p;
  }

  /** Run ids of a request, oldest first. */
  list(request: string): string[] {
    const d = this.requestDir(request);
    if (!existsSync(d)) return [];
    return readdirSync(d).filter((f) => /^\d{8}T\d{6}(\d{3})?Z-.*\.json$/.test(f)).map((f) => f.slice(0, -5)).sort();
  }

  /** A run record, validated. Throws DamagedRunRecordError (naming the file) when it cannot be trusted. */
  read(request: string, run: string): RunRecord {
    const p = join(this.requestDir(request), `${run}.json`);
    if (!existsSync(p)) throw new Error(`request ${request} has no run ${run}`);
    let value: unknown;
    try {
      value = JSON.parse(readFileSync(p, 'utf8'));
    } catch (error) {
      throw new DamagedRunRecordError(p, jsonProblem(error));
    }
    const problems = validateRunRecord(value);
    if (problems.length) throw new DamagedRunRecordError(p, `does not match the run record schema: ${problems.slice(0, 3).join('; ')}`);
    const record = value as RunRecord;
    if (record.request !== request || record.run !== run) throw new DamagedRunRecordError(p, 'it describes another run or request than the one it is stored as');
    return record;
  }

  /** A run record, or undefined when it is damaged (reads that only look for the newest usable run). */
  private readOrSkip(request: string, run: string): RunRecord | undefined {
    try {
      return this.read(request, run);
    } catch (error) {
      if (error instanceof DamagedRunRecordError) return undefined;
      throw error;
    }
  }

  /** The newest readable run record; damaged ones are skipped (see damaged and setAsideDamaged). */
  latest(request: string): RunRecord | undefined {
    const ids = this.list(request);
    for (let i = ids.length - 1; i >= 0; i--) {
      const r = this.readOrSkip(request, ids[i]!);
      if (r) return r;
    }
    return undefined;
  }

  /** The request's run records that cannot be read, with what is wrong with each. */
  damaged(request: string): { path: string; problem: string }[] {
    const out: { path: string; problem: string }[] = [];
    for (const id of this.list(request)) {
      try {
        this.read(request, id);
      } catch (error) {
        if (error instanceof DamagedRunRecordError) out.push({ path: error.path, problem: error.problem });
        else throw error;
      }
    }
    return out;
  }

  /**
   * Move the request's damaged run records to set-aside/ in its folder (kept, not deleted), so
   * that nothing reading the runs of the request trips over them again. Call with the lock held.
   */
  setAsideDamaged(request: string): { path: string; problem: string; movedTo: string }[] {
    const found = this.damaged(request);
    if (!found.length) return [];
    const aside = join(this.requestDir(request), 'set-aside');
    mkdirSync(aside, { recursive: true, mode: 0o700 });
    return found.map(({ path, problem }) => {
      const movedTo = join(aside, basename(path));
      renameSync(path, movedTo);
      return { path, problem, movedTo };
    });
  }

  /** The newest run of this request in which the stage has a key (ran or was a hit). */
  lastKeyOf(request: string, stage: string): { run: string; key: KeyObject; keyHash: string; inputFiles?: InputFiles } | undefined {
    const ids = this.list(request);
    for (let i = ids.length - 1; i >= 0; i--) {
      const r = this.readOrSkip(request, ids[i]!);
      if (!r) continue;
      const s = r.stages[stage];
      if (s?.key && s.keyHash && (s.status === 'ran' || s.status === 'hit' || s.status === 'stopped')) return { run: r.run, key: s.key, keyHash: s.keyHash, inputFiles: s.inputFiles };
    }
    return undefined;
  }

  requests(): string[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  }
}
