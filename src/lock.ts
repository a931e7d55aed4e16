// A per-request lock that records its owner. Two runs of one request never overlap; a lock left
// by a process that died (kill -9, power loss) is noticed and cleared by the next run.
//
// The lock file is written whole before it exists under its name: the owner goes to a temporary
// file, which is fsynced and then hard-linked to the lock's name (link fails if the name exists,
// so taking the lock stays atomic). A reader therefore never sees a half-written lock from this
// code. An empty or unparsable lock can still appear (an older version, a full disk, a crash of
// the file system): once it is older than a short grace period it is judged stale and cleared.
import { closeSync, existsSync, fsyncSync, linkSync, lstatSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { hostname } from 'node:os';
import { isProcessAlive } from './fsutil.ts';

export interface LockOwner {
  pid: number;
  host: string;
  started: string;
  run: string;
}

/** A lock file that could not be read as an owner: empty, truncated or not JSON. */
export interface UnreadableLock {
  path: string;
  bytes: number;
  ageSeconds: number;
}

export type LockResult =
  | { ok: true; release: () => void; clearedStale?: LockOwner; clearedUnreadable?: UnreadableLock }
  | { ok: false; owner: LockOwner; unreadable?: UnreadableLock & { graceSeconds: number } };

/** How long an unreadable lock is given before it is judged stale (a writer may be between steps). */
export const UNREADABLE_GRACE_MS = 5_000;

export interface LockOptions {
  waitMs?: number;
  graceMs?: number;
}

function isOwner(value: unknown): value is LockOwner {
  const o = value as LockOwner;
  return !!o && typeof o === 'object' && Number.isInteger(o.pid) && o.pid > 0 && typeof o.host === 'string' && typeof o.run === 'string';
}

type Seen = { kind: 'gone' } | { kind: 'owner'; owner: LockOwner; ino: number } | { kind: 'unreadable'; ino: number; bytes: number; ageMs: number };

/** What a lock file holds: nothing (gone), an owner, or something unreadable (with its age). */
export function inspectLock(path: string): Seen {
  let st;
  let text: string;
  try {
    st = lstatSync(path);
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'gone' };
    throw error;
  }
  try {
    const owner = JSON.parse(text) as unknown;
    if (isOwner(owner)) return { kind: 'owner', owner, ino: st.ino };
  } catch {
    // not JSON: unreadable below
  }
  return { kind: 'unreadable', ino: st.ino, bytes: st.size, ageMs: Date.now() - st.mtimeMs };
}

/** Create the lock from a fully written temporary file; false when someone else holds it. */
function tryCreate(path: string, owner: LockOwner): boolean {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, JSON.stringify(owner));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, path);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    // A file system without hard links: exclusive create, then write (an empty lock left by a
    // failure in between is cleared as stale after the grace period).
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS') return createDirectly(path, owner);
    throw error;
  } finally {
    unlinkSync(tmp);
  }
}

function createDirectly(path: string, owner: LockOwner): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, JSON.stringify(owner));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Remove a lock judged stale, but only if it is still the very file that was judged. Clearing is
 * serialised by a second, short-lived "breaker" file (created exclusively): under it the lock is
 * inspected again and removed only if it is the same file and still stale. Without the breaker, a
 * process that judged the old lock stale could remove the new lock another process had just taken
 * in its place. Returns false if another process is clearing (try again shortly).
 */
function clearIfStill(path: string, ino: number, stillStale: (seen: Seen) => boolean): boolean {
  const breaker = `${path}.break`;
  try {
    closeSync(openSync(breaker, 'wx', 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    // Held for microseconds; one older than this was left by a process that died holding it.
    try {
      if (Date.now() - lstatSync(breaker).mtimeMs > BREAKER_STALE_MS) unlinkSync(breaker);
    } catch {
      // gone meanwhile
    }
    return false;
  }
  try {
    const again = inspectLock(path);
    if (again.kind !== 'gone' && again.ino === ino && stillStale(again)) unlinkSync(path);
    return true;
  } finally {
    unlinkSync(breaker);
  }
}

const BREAKER_STALE_MS = 10_000;

/** Take the lock, waiting up to waitMs for a live owner to finish. */
export async function acquireLock(path: string, run: string, waitOrOptions: number | LockOptions = 0): Promise<LockResult> {
  const options = typeof waitOrOptions === 'number' ? { waitMs: waitOrOptions } : waitOrOptions;
  const graceMs = options.graceMs ?? UNREADABLE_GRACE_MS;
  mkdirSync(dirname(path), { recursive: true });
  const me: LockOwner = { pid: process.pid, host: hostname(), started: new Date().toISOString(), run };
  const deadline = Date.now() + (options.waitMs ?? 0);
  let clearedStale: LockOwner | undefined;
  let clearedUnreadable: UnreadableLock | undefined;
  for (;;) {
    if (tryCreate(path, me)) {
      const release = () => {
        const current = inspectLock(path);
        if (current.kind === 'owner' && current.owner.pid === me.pid && current.owner.run === me.run && existsSync(path)) unlinkSync(path);
      };
      return { ok: true, release, ...(clearedStale ? { clearedStale } : {}), ...(clearedUnreadable ? { clearedUnreadable } : {}) };
    }
    const seen = inspectLock(path);
    if (seen.kind === 'gone') continue;
    const stale = (x: Seen) => (x.kind === 'owner' && x.owner.host === me.host && !isProcessAlive(x.owner.pid)) || (x.kind === 'unreadable' && x.ageMs >= graceMs);
    if (stale(seen)) {
      if (clearIfStill(path, seen.ino, stale)) {
        if (seen.kind === 'owner') clearedStale = seen.owner;
        if (seen.kind === 'unreadable') clearedUnreadable = { path, bytes: seen.bytes, ageSeconds: Math.round(seen.ageMs / 1000) };
      } else {
        await new Promise((r) => setTimeout(r, 5));
      }
      continue;
    }
    if (Date.now() >= deadline) {
      if (seen.kind === 'owner') return { ok: false, owner: seen.owner };
      return {
        ok: false,
        owner: { pid: 0, host: '?', started: '?', run: '?' },
        unreadable: { path, bytes: seen.bytes, ageSeconds: Math.round(seen.ageMs / 1000), graceSeconds: graceMs / 1000 },
      };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The message for a lock that could not be taken, naming the file when it is unreadable. */
export function describeHeldLock(subject: string, result: Extract<LockResult, { ok: false }>): string {
  if (result.unreadable) {
    const u = result.unreadable;
    return `${subject} is locked by ${u.path}, which is unreadable (${u.bytes} bytes, written ${u.ageSeconds}s ago); it is cleared as stale once it is ${u.graceSeconds}s old: run again then, or pass --wait SECONDS`;
  }
  const o = result.owner;
  return `${subject} is already being run by process ${o.pid} on ${o.host} since ${o.started} (run ${o.run}); wait for it to finish, or pass --wait SECONDS`;
}

/**
 * The owner of a lock that is held: a live process on this host, any owner on another host (it
 * cannot be checked), or an unreadable lock still within its grace period (shown with pid 0).
 * Undefined when the lock is free or stale.
 */
export function liveLockOwner(path: string, graceMs = UNREADABLE_GRACE_MS): LockOwner | undefined {
  const seen = inspectLock(path);
  if (seen.kind === 'gone') return undefined;
  if (seen.kind === 'unreadable') return seen.ageMs < graceMs ? { pid: 0, host: '?', started: '?', run: '?' } : undefined;
  return seen.owner.host !== hostname() || isProcessAlive(seen.owner.pid) ? seen.owner : undefined;
}
