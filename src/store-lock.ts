// Deleting from the shared store (gc, a forced purge) never overlaps a run that may be using what
// would be deleted. A deleter takes the store lock, then checks that no request lock is held by a
// live process (other than the one it may hold itself); a run takes its request lock, then checks
// that the store lock is free. Each side takes its own lock before looking at the other's, so at
// least one of them sees the other and steps back: a deleter fails as "busy" (exit 75), a run waits.
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { acquireLock, type LockOwner } from './lock.ts';
import { isProcessAlive } from './fsutil.ts';
import { requestLockPath, storeLockPath } from './request.ts';
import type { RunRecords } from './records.ts';

function liveOwner(path: string): LockOwner | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const owner = JSON.parse(readFileSync(path, 'utf8')) as LockOwner;
    // A lock of another host cannot be checked: it counts as live.
    return owner.host !== hostname() || isProcessAlive(owner.pid) ? owner : undefined;
  } catch {
    return { pid: 0, host: '?', started: '?', run: '?' }; // being written right now: live
  }
}

/** Requests whose lock is held by a live process, except `except` (the caller's own). */
export function liveRequestLocks(records: RunRecords, except?: string): { request: string; owner: LockOwner }[] {
  const out: { request: string; owner: LockOwner }[] = [];
  for (const request of records.requests()) {
    if (request === except) continue;
    const owner = liveOwner(requestLockPath(records, request));
    if (owner) out.push({ request, owner });
  }
  return out;
}

export type StoreLock = { ok: true; release: () => void } | { ok: false; message: string };

/** For gc and purge: the store to themselves, or why not (within waitMs). */
export async function acquireStoreLock(records: RunRecords, purpose: string, waitMs = 0, except?: string): Promise<StoreLock> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const lock = await acquireLock(storeLockPath(records), `${purpose}-${process.pid}`, Math.max(0, deadline - Date.now()));
    if (!lock.ok) return { ok: false, message: `the store is busy: ${lock.owner.run} (process ${lock.owner.pid}) is deleting from it; try again, or pass --wait SECONDS` };
    const live = liveRequestLocks(records, except);
    if (!live.length) return { ok: true, release: lock.release };
    lock.release();
    if (Date.now() >= deadline) {
      const l = live[0]!;
      return { ok: false, message: `request ${l.request} is being run by process ${l.owner.pid} (run ${l.owner.run}); ${purpose} deletes nothing while a run may be using it: try again when it ends, or pass --wait SECONDS` };
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** For a run holding its request lock: wait while a gc or purge holds the store (at most waitMs). */
export async function waitForStore(records: RunRecords, waitMs: number): Promise<LockOwner | undefined> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const owner = liveOwner(storeLockPath(records));
    if (!owner || Date.now() >= deadline) return owner;
    await new Promise((r) => setTimeout(r, 100));
  }
}

