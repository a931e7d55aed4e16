// Only regular files inside the request folder are inputs. A symbolic link could point anywhere
// (a system file, another request's upload, a file that changes behind the cache key), a FIFO
// blocks whoever opens it, and a device has no end: none of them is ever followed or read.
// Each is refused by name with what it is, so the provider and the analyst know what to fix.
import { constants, type Stats } from 'node:fs';
import { lstat, open } from 'node:fs/promises';

export type Entry = { kind: 'file'; size: number } | { kind: 'absent' } | { kind: 'other'; what: string };

/** What a non-regular entry is, in words for a message ("is a symbolic link ..."). */
export function whatItIs(info: Stats): string | null {
  if (info.isFile()) return null;
  if (info.isSymbolicLink()) return 'a symbolic link (a shortcut to another file), not the file itself';
  if (info.isDirectory()) return 'a folder, not a file';
  if (info.isFIFO()) return 'a named pipe (FIFO), not a file';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device, not a file';
  if (info.isSocket()) return 'a socket, not a file';
  return 'not a regular file';
}

/** The entry at path, without following a link. */
export async function entryAt(path: string): Promise<Entry> {
  let info: Stats;
  try {
    info = await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return { kind: 'absent' };
    return { kind: 'other', what: 'not readable' };
  }
  const what = whatItIs(info);
  return what === null ? { kind: 'file', size: info.size } : { kind: 'other', what };
}

export type ReadOutcome = { ok: true; bytes: Buffer } | { ok: false; what: string } | { ok: false; tooLarge: number };

/**
 * The bytes of a regular file, opened without following a link (O_NOFOLLOW) and without waiting
 * on a pipe (O_NONBLOCK), then checked again on the open handle: a file swapped for a link or a
 * FIFO between the look and the read is refused too. Files over maxBytes are not read.
 */
export async function readRegularFile(path: string, maxBytes: number): Promise<ReadOutcome> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'EMLINK') return { ok: false, what: 'a symbolic link (a shortcut to another file), not the file itself' };
    if (code === 'ENOENT') return { ok: false, what: 'missing' };
    return { ok: false, what: 'not readable' };
  }
  try {
    const info = await handle.stat();
    const what = whatItIs(info);
    if (what !== null) return { ok: false, what };
    if (info.size > maxBytes) return { ok: false, tooLarge: info.size };
    return { ok: true, bytes: await handle.readFile() };
  } finally {
    await handle.close();
  }
}
