// Small file-system primitives the store and records share: atomic writes and safe removal.
import { closeSync, fsyncSync, lstatSync, openSync, renameSync, rmSync, writeFileSync, writeSync, chmodSync, type Stats } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { mkdirSync } from 'node:fs';

/** Write to a temp file beside the target, fsync, then rename: readers see the old or the new file, never half of one. */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600): void {
  // A device or pipe named as the target (`--out /dev/null`, `--out /dev/stdout`) is written to,
  // never replaced: renaming a file over it would swap the device for a regular file.
  const existing = lstatOrNull(path);
  if (existing && (existing.isCharacterDevice() || existing.isFIFO() || existing.isBlockDevice())) {
    writeFileSync(path, data);
    return;
  }
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  const fd = openSync(tmp, 'w', mode);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(tmp, mode);
  renameSync(tmp, path);
}

export function removeTree(path: string): void {
  rmSync(path, { recursive: true, force: true });
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Why a text is not JSON, without quoting it: V8's messages quote the text they could not parse
 * ('Unexpected token ..., "Ada Lovelace, ..." is not valid JSON'), and a damaged file may hold
 * anything, personal data included. Only the position is kept.
 */
export function jsonProblem(error: unknown): string {
  const at = /position (\d+)/.exec((error as Error)?.message ?? '')?.[1];
  return `not valid JSON${at ? ` (at position ${at})` : ''}`;
}

function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}
