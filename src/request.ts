// Where a request's own bookkeeping lives, in one place: the rules for a request id (it becomes a
// folder name), the request's lock file, and the marker a purge leaves. The runner, the purge,
// the audit and every command ask here rather than building these paths themselves.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunRecords } from './records.ts';
import type { Classification } from './stage.ts';

/** Request ids become folder names: letters, digits, '-' and '_' only, so '../x' can never escape. */
export const REQUEST_ID = /^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,62}[A-Za-z0-9])?$/;

/** undefined when the id is usable, else what is wrong with it. */
export function checkRequestId(request: unknown): string | undefined {
  if (typeof request !== 'string' || request === '') return 'a request id is required (--request ID)';
  if (!REQUEST_ID.test(request)) return `invalid request id ${JSON.stringify(request)}: use letters, digits, '-' and '_' (at most 64), starting and ending with a letter or digit`;
  return undefined;
}

/** Held by a run, a purge or a withdrawal of the request: two of them never overlap. */
export function requestLockPath(records: RunRecords, request: string): string {
  return join(records.requestDir(request), '.lock');
}

/**
 * Held by gc and by a forced purge while they delete: a run does not start (or waits) while it
 * is held, and gc and purge do not delete while another request's run holds its lock.
 */
export function storeLockPath(records: RunRecords): string {
  return join(records.dir, '.store.lock');
}

/** Held by one `schedule` pass at a time. */
export function scheduleLockPath(records: RunRecords): string {
  return join(records.dir, '.schedule.lock');
}

export interface PurgeMarker {
  purged: string;
  classifications: Classification[];
  reason: string;
  rule: string;
  operator: string;
  /** hashes of this purge's register entries, so truncating the register is detected */
  entries: { seq: number; hash: string }[];
}

export function purgeMarkerPath(records: RunRecords, request: string): string {
  return join(records.requestDir(request), 'purged.json');
}

/** Accepts anything with run records (a Project, a Runner). */
export function readPurgeMarker(project: { records: RunRecords }, request: string): PurgeMarker | undefined {
  const p = purgeMarkerPath(project.records, request);
  return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as PurgeMarker) : undefined;
}

/** A request whose personal data is gone says so instead of "file not found". */
export function purgedNotice(project: { records: RunRecords }, request: string): string | undefined {
  const marker = readPurgeMarker(project, request);
  return marker ? `request ${request} was purged on ${marker.purged.slice(0, 10)}: its personal data no longer exists, so it cannot be run again` : undefined;
}
