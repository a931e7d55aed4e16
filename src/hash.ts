// Content hashing with a stat memo: a file whose (size, mtime, ctime, inode) are unchanged is not
// re-read, which keeps a no-op re-run over gigabytes of inputs under a second.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, readdirSync, statSync, type BigIntStats } from 'node:fs';
import { join, relative, sep } from 'node:path';
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

  /** Hash of a file's bytes, re-read only when its stat fingerprint changed. */
  async hashFile(path: string): Promise<Sha256> {
    const st = statSync(path, { bigint: true });
    const fp = fingerprint(st);
    const known = this.entries[path];
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
      this.entries[path] = { ...fp, hash };
      this.dirty = true;
    }
    return hash;
  }

  /**
   * Hash of a folder as a tree: sorted relative paths with their content hashes. Renaming a file
   * changes it, and so does adding or removing one.
   */
  async hashTree(dir: string): Promise<Sha256> {
    const lines: string[] = [];
    for (const file of listFiles(dir)) lines.push(`${relative(dir, file).split(sep).join('/')}\0${await this.hashFile(file)}\n`);
    return sha256(lines.join(''));
  }

  async hashPath(path: string): Promise<Sha256> {
    return statSync(path).isDirectory() ? this.hashTree(path) : this.hashFile(path);
  }

  save(): void {
    if (!this.file || !this.dirty) return;
    // Forget entries of files that no longer exist, so the memo does not grow forever.
    for (const path of Object.keys(this.entries)) if (!existsSync(path)) delete this.entries[path];
    writeFileAtomic(this.file, JSON.stringify(this.entries));
    this.dirty = false;
  }
}

/** Regular files below dir, sorted by path, so a tree hash does not depend on readdir order. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile()) out.push(p);
    }
  };
  walk(dir);
  return out;
}
