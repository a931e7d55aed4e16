// A per-request lock that records its owner. Two runs of one request never overlap; a lock left
// by a process that died (kill -9, power loss) is noticed and cleared by the next run.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { hostname } from 'node:os';
import { isProcessAlive } from './fsutil.ts';

export interface LockOwner {
  pid: number;
  host: string;
  started: string;
  run: string;
}

export type LockResult = { ok: true; release: () => void; clearedStale?: LockOwner } | { ok: false; owner: LockOwner };

function readOwner(path: string): LockOwner | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockOwner;
  } catch {
    return undefined; // being written, or damaged: treated as stale below only if it stays so
  }
}

function tryCreate(path: string, owner: LockOwner): boolean {
  try {
    const fd = openSync(path, 'wx', 0o600);
    writeSync(fd, JSON.stringify(owner));
    closeSync(fd);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/** Take the lock, waiting up to waitMs for a live owner to finish. */
export async function acquireLock(path: string, run: string, waitMs = 0): Promise<LockResult> {
  mkdirSync(dirname(path), { recursive: true });
  const me: LockOwner = { pid: process.pid, host: hostname(), started: new Date().toISOString(), run };
  const deadline = Date.now() + waitMs;
  let clearedStale: LockOwner | undefined;
  for (;;) {
    if (tryCreate(path, me)) {
      const release = () => {
        const current = readOwner(path);
        if (current?.pid === me.pid && current.run === me.run && existsSync(path)) unlinkSync(path);
      };
      return { ok: true, release, clearedStale };
    }
    const owner = readOwner(path);
    const stale = owner ? owner.host === me.host && !isProcessAlive(owner.pid) : false;
    if (stale) {
      clearedStale = owner;
      try {
        unlinkSync(path);
      } catch {
        /* another process cleared it first */
      }
      continue;
    }
    if (Date.now() >= deadline) return { ok: false, owner: owner ?? { pid: 0, host: '?', started: '?', run: '?' } };
    await new Promise((r) => setTimeout(r, 100));
  }
}
