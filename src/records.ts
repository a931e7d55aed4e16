// Run records: one JSON file per run of a request, validated against schemas/run-record.schema.json.
// They are what reviewers diff and what `--explain` compares against, so they keep each stage's
// whole key object, not only its hash.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
// Compiled ahead of time from schemas/run-record.schema.json (npm run schemas): loading ajv's
// compiler on every run cost about a fifth of a no-op re-run.
import validator from '../schemas/run-record.validate.mjs';
import { writeFileAtomic } from './fsutil.ts';
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

  read(request: string, run: string): RunRecord {
    const p = join(this.requestDir(request), `${run}.json`);
    if (!existsSync(p)) throw new Error(`request ${request} has no run ${run}`);
    return JSON.parse(readFileSync(p, 'utf8')) as RunRecord;
  }

  latest(request: string): RunRecord | undefined {
    const ids = this.list(request);
    return ids.length ? this.read(request, ids[ids.length - 1]!) : undefined;
  }

  /** The newest run of this request in which the stage has a key (ran or was a hit). */
  lastKeyOf(request: string, stage: string): { run: string; key: KeyObject; keyHash: string; inputFiles?: InputFiles } | undefined {
    const ids = this.list(request);
    for (let i = ids.length - 1; i >= 0; i--) {
      const r = this.read(request, ids[i]!);
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
