// Content hashing with a stat memo: a file whose (size, mtime, ctime, inode) are unchanged is not
// re-read, which keeps a no-op re-run over gigabytes of inputs under a second.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, lstatSync, readFileSync, readdirSync, readlinkSync, statSync, type BigIntStats, type Stats } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { writeFileAtomic } from './fsutil.ts';

export type Sha256 = string;

export function sha256(data: string | Uint8Array): Sha256 {
  return createHash('sha256').update(data).digest('hex');
}

export async function sha256File(path: string): Promise<Sha256> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

const RACY_NS = 2_000_000_000n;

interface MemoEntry {
  size: string;
  mtime: string;
  ctime: string;
  ino: string;
  hash: Sha256;
}

function fingerprint(st: BigIntStats): Omit<MemoEntry, 'hash'> {
  return { size: String(st.size), mtime: String(st.mtimeNs), ctime: String(st.ctimeNs), ino: String(st.ino) };
}

export class StatMemo {
  private entries: Record<string, MemoEntry> = {};
  /** Entries looked up or made by this process (by their id), for save(). */
  private readonly used = new Set<string>();
  /** Paths written in the memo file under another id (see alias). */
  private readonly aliases = new Map<string, string>();
  private dirty = false;
  hits = 0;
  misses = 0;

  constructor(private readonly file?: string) {
    if (file && existsSync(file)) {
      try {
        this.entries = JSON.parse(readFileSync(file, 'utf8')) as Record<string, MemoEntry>;
      } catch {
        this.entries = {}; // a damaged memo only costs re-hashing
      }
    }
  }

  /**
   * Write this path in the memo file as `id` instead: a file someone else named (a request
   * folder's files are named by whoever sent them, and a name can be a person's) is kept under a keyed
   * hash of its path. An id is never an absolute path.
   */
  alias(path: string, id: string): void {
    this.aliases.set(path, id);
  }

  /** Hash of a file's bytes, re-read only when its stat fingerprint changed. */
  async hashFile(path: string): Promise<Sha256> {
    const st = statSync(path, { bigint: true });
    const fp = fingerprint(st);
    const id = this.id(path);
    const known = this.entries[id];
    if (known && known.size === fp.size && known.mtime === fp.mtime && known.ctime === fp.ctime && known.ino === fp.ino) {
      this.hits++;
      return known.hash;
    }
    this.misses++;
    const hash = await sha256File(path);
    // File timestamps tick coarsely (a few ms), so a file written in the last moments could be
    // rewritten with the same size and timestamp: such "racily clean" files, and files modified
    // while we read them, get no memo entry and are hashed again next time (as git does).
    const after = fingerprint(statSync(path, { bigint: true }));
    const ageNs = BigInt(Date.now()) * 1_000_000n - BigInt(fp.mtime);
    if (after.size === fp.size && after.mtime === fp.mtime && ageNs > RACY_NS) {
      this.entries[id] = { ...fp, hash };
      this.dirty = true;
    }
    return hash;
  }

  private id(path: string): string {
    const id = this.aliases.get(path) ?? path;
    this.used.add(id);
    return id;
  }

  /** Record a hash computed elsewhere (a blob hashed as it was committed), for a file with these stats. */
  remember(path: string, hash: Sha256, st: BigIntStats): void {
    this.entries[this.id(path)] = { ...fingerprint(st), hash };
    this.dirty = true;
  }

  /**
   * Hash of a folder as a tree: sorted relative paths with their content hashes. Renaming a file
   * changes it, and so does adding or removing one.
   */
  async hashTree(dir: string, options: HashOptions = {}): Promise<Sha256> {
    const { files, refused } = scanTree(dir);
    // Readers follow links and block on FIFOs; hashing must see exactly what reading sees, so a
    // folder with anything but regular files and folders in it is refused rather than half-hashed,
    // unless the stage refuses such entries itself (see StageSpec.refusesSpecialFiles).
    if (refused.length && !options.letSpecialFilesThrough) throw new InputRefusedError(dir, refused);
    const entries = [...files.map((path) => ({ path, kind: undefined as RefusedKind | undefined })), ...refused].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const lines: string[] = [];
    for (const e of entries) lines.push(`${relative(dir, e.path).split(sep).join('/')}\0${e.kind ? await this.specialEntry(e.path, e.kind) : await this.hashFile(e.path)}\n`);
    return sha256(lines.join(''));
  }

  /**
   * A link or special file let through to a stage that refuses it itself: a FIFO or device by its
   * kind (never opened); a link by its text and, when it leads to a regular file, that file's
   * content hash, so the key changes when what it leads to changes.
   */
  private async specialEntry(path: string, kind: RefusedKind): Promise<string> {
    if (kind !== 'symbolic link') return kind;
    const target = readlinkSync(path);
    let st: Stats | undefined;
    try {
      st = statSync(path);
    } catch {
      return `symbolic link\0${target}\0dangling`;
    }
    return `symbolic link\0${target}\0${st.isFile() ? await this.hashFile(path) : st.isDirectory() ? 'folder' : kindOf(st)}`;
  }

  /**
   * Hash of a declared input: a folder as a tree, or one file. The declared path itself may be
   * reached through a link (it is the project's configuration, e.g. a shared reference folder);
   * what is found inside a folder may not (see scanTree). A FIFO, socket or device is refused.
   */
  async hashPath(path: string, options: HashOptions = {}): Promise<Sha256> {
    const st = statSync(path);
    if (st.isDirectory()) return this.hashTree(path, options);
    if (!st.isFile()) throw new InputRefusedError(path, [{ path, kind: kindOf(st) }]);
    return this.hashFile(path);
  }

  save(): void {
    if (!this.file || !this.dirty) return;
    // Forget entries of files that no longer exist, so the memo does not grow forever (and a
    // deleted file's name does not stay in it). An aliased path cannot be checked: such an entry
    // this process did not use is forgotten instead, at worst a file hashed again on its next run.
    for (const id of Object.keys(this.entries)) {
      const path = isAbsolute(id);
      if (path ? !existsSync(id) : !this.used.has(id)) delete this.entries[id];
    }
    writeFileAtomic(this.file, JSON.stringify(this.entries));
    this.dirty = false;
  }
}

export interface HashOptions {
  /** Hash links and special files inside a folder by what they are instead of refusing them. */
  letSpecialFilesThrough?: boolean;
}

export type RefusedKind = 'symbolic link' | 'FIFO' | 'socket' | 'device' | 'unknown file type';

/** A file that is not an input: a link (which may point outside the folder) or a special file. */
export interface RefusedFile {
  path: string;
  kind: RefusedKind;
}

function kindOf(st: Stats): RefusedKind {
  if (st.isSymbolicLink()) return 'symbolic link';
  if (st.isFIFO()) return 'FIFO';
  if (st.isSocket()) return 'socket';
  if (st.isBlockDevice() || st.isCharacterDevice()) return 'device';
  return 'unknown file type';
}

export class InputRefusedError extends Error {
  constructor(readonly input: string, readonly refused: RefusedFile[]) {
    super(describeRefused(refused, (p) => p));
  }
}

/** "a.csv is a symbolic link, b is a FIFO: only regular files are inputs ...", with paths shown by `show`. */
export function describeRefused(refused: RefusedFile[], show: (path: string) => string): string {
  const items = refused.map((r) => `${show(r.path)} is a ${r.kind}`).join(', ');
  const links = refused.some((r) => r.kind === 'symbolic link');
  return `${items}: only regular files are inputs${links ? ' (a link can point outside the folder, and what it points at would not be part of the cache key)' : ''}; replace ${refused.length === 1 ? 'it' : 'them'} with the file itself`;
}

/**
 * Regular files below dir, sorted by path, so a tree hash does not depend on readdir order, and
 * every entry that is neither a regular file nor a folder (links are not followed).
 */
export function scanTree(dir: string): { files: string[]; refused: RefusedFile[] } {
  const files: string[] = [];
  const refused: RefusedFile[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile()) files.push(p);
      else refused.push({ path: p, kind: kindOf(lstatSync(p)) });
    }
  };
  walk(dir);
  return { files, refused };
}

/** Regular files below dir, sorted by path (links and special files are left out: see scanTree). */
export function listFiles(dir: string): string[] {
  return scanTree(dir).files;
}
