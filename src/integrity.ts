// Checks made while running: every cached stage record and the blobs it names are checked before
// they are used (a stat memo may vouch for a blob unchanged since it was last hashed), published
// files are hashed as they are copied, and damaged run records are set aside. Whatever fails is
// moved to quarantine (never deleted), reported as a finding, and rebuilt by the runner.
import { relative, sep } from 'node:path';
import type { StatMemo } from './hash.ts';
import type { IntegrityFinding, RunRecords } from './records.ts';
import { DamagedRecordError, describeStoreProblem, type StageRecord, type Store, type StoreProblem } from './store.ts';
import type { Classification } from './stage.ts';
import type { UnreadableLock } from './lock.ts';

export interface IntegrityContext {
  store: Store;
  /** Paths in findings are relative to it. */
  dataDir: string;
  /** Quarantine folder name for this run (its run id). */
  label: string;
  /** Report only: move nothing. */
  dryRun?: boolean;
}

const show = (ctx: IntegrityContext, path: string) => relative(ctx.dataDir, path).split(sep).join('/');

/** Move a file to quarantine; undefined if it is already gone (another stage moved it first) or in a dry run. */
function moveAside(ctx: IntegrityContext, path: string): string | undefined {
  if (ctx.dryRun) return undefined;
  try {
    return show(ctx, ctx.store.quarantine(path, ctx.label));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function finding(ctx: IntegrityContext, p: StoreProblem, movedTo: string | undefined): IntegrityFinding {
  const path = p.kind === 'blob-damaged' || p.kind === 'blob-missing' ? ctx.store.blobPath(p.hash) : p.path;
  return {
    kind: p.kind === 'blob-missing' ? 'blob-damaged' : p.kind,
    path: show(ctx, path),
    problem: describeStoreProblem(p, (x) => show(ctx, x)),
    ...('stage' in p && p.stage ? { stage: p.stage } : {}),
    ...('output' in p && p.output ? { output: p.output } : {}),
    ...(movedTo ? { movedTo } : {}),
  };
}

export interface CachedCheck {
  /** The record, when it and its blobs can be used as they are (or only some blobs are missing). */
  record?: StageRecord;
  /** Outputs whose blobs are gone or were quarantined: the stage must run again. */
  missingOutputs: string[];
  findings: IntegrityFinding[];
}

/**
 * The stage record for a key, checked before it is used: readable and consistent with its key and
 * seal, each blob hashing to its name, and each blob of the size and format the record says.
 * A damaged blob is quarantined and counted missing; a damaged or mismatched record is
 * quarantined and not returned, so the stage runs again.
 */
export async function checkCached(ctx: IntegrityContext, stage: string, keyHash: string, memo: StatMemo): Promise<CachedCheck> {
  let record: StageRecord | undefined;
  try {
    record = ctx.store.readRecord(stage, keyHash);
  } catch (error) {
    if (!(error instanceof DamagedRecordError)) throw error;
    const p: StoreProblem = { kind: 'record-damaged', path: error.path, problem: error.problem, stage };
    return { missingOutputs: [], findings: [finding(ctx, p, moveAside(ctx, error.path))] };
  }
  if (!record) return { missingOutputs: [], findings: [] };
  const problems = await ctx.store.checkRecordOutputs(record, memo);
  const findings: IntegrityFinding[] = [];
  const missing = new Set<string>();
  const mismatch = problems.find((p) => p.kind === 'record-mismatch');
  if (mismatch) {
    // The record describes bytes it does not point at: it cannot be trusted for any output.
    const path = ctx.store.recordPath(stage, keyHash);
    return { missingOutputs: [], findings: [finding(ctx, mismatch, moveAside(ctx, path))] };
  }
  for (const p of problems) {
    if (p.kind === 'blob-missing') missing.add(p.output!); // gone (purged, gc): not damage, the runner says "missing"
    else if (p.kind === 'blob-damaged') {
      missing.add(p.output!);
      findings.push(finding(ctx, p, moveAside(ctx, ctx.store.blobPath(p.hash))));
    }
  }
  return { record, missingOutputs: [...missing].sort(), findings };
}

/**
 * Publish a blob, hashing it as it is copied. If its bytes do not match its name, nothing is
 * published, the blob is quarantined and a finding returned: the producing stage must run again.
 */
export async function publishChecked(ctx: IntegrityContext, where: { stage: string; output: string }, hash: string, target: string, classification: Classification): Promise<IntegrityFinding | undefined> {
  const done = await ctx.store.publish(hash, target, classification);
  if (done.ok) return undefined;
  const p: StoreProblem = { kind: 'blob-damaged', hash, actual: done.actual, bytes: done.bytes, ...where };
  return finding(ctx, p, moveAside(ctx, ctx.store.blobPath(hash)));
}

/** Set aside the request's damaged run records (with the lock held); one finding each. */
export function setAsideRunRecords(ctx: IntegrityContext, records: RunRecords, request: string): IntegrityFinding[] {
  if (ctx.dryRun) return records.damaged(request).map((d) => ({ kind: 'run-record-damaged', path: show(ctx, d.path), problem: `run record ${show(ctx, d.path)} is damaged: ${d.problem}` }));
  return records.setAsideDamaged(request).map((d) => ({ kind: 'run-record-damaged', path: show(ctx, d.path), problem: `run record ${show(ctx, d.path)} is damaged: ${d.problem}`, movedTo: show(ctx, d.movedTo) }));
}

export function lockFinding(ctx: IntegrityContext, lock: UnreadableLock): IntegrityFinding {
  return { kind: 'lock-unreadable', path: show(ctx, lock.path), problem: `lock ${show(ctx, lock.path)} was unreadable (${lock.bytes} bytes, ${lock.ageSeconds}s old) and was cleared as stale` };
}

/** One line for a finding, as the console shows it. */
export function describeFinding(f: IntegrityFinding): string {
  const fate = f.kind === 'lock-unreadable' ? '' : f.movedTo ? `; set aside in ${f.movedTo}` : '; would be set aside';
  const rebuild = f.stage && f.kind !== 'run-record-damaged' && f.kind !== 'lock-unreadable' ? `; ${f.stage} is rebuilt` : '';
  return `${f.problem}${fate}${rebuild}`;
}
