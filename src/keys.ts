// The private folder: the one place outside the data folder that holds what must never sit beside
// the data: the project's secret key (fingerprints of purged identifiers and the deletion
// register's MAC are keyed with it), the register's last head, and person-level state a live
// request needs but must not keep under data/ (e.g. who was withdrawn). Whoever holds a copy of
// data/ alone, plus the national register, can therefore neither test a guessed identity against
// a fingerprint nor rewrite the deletion register consistently (docs/privacy.md).
import { createHmac, randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, realpathSync, statSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import { sha256 } from './hash.ts';

export interface PrivateConfig {
  root: string;
  dataDir: string;
  /** `privateDir` of the DAG config, relative to the config file. */
  privateDir?: string;
}

/**
 * Where the private folder is: PIPELINE_PRIVATE_DIR, else the config's `privateDir`, else a folder
 * of the user's configuration named after the data folder (so two projects never share a key).
 */
export function privateDir(config: PrivateConfig): string {
  const fromEnv = process.env.PIPELINE_PRIVATE_DIR;
  const dir = fromEnv
    ? resolve(fromEnv)
    : config.privateDir
      ? resolve(config.root, config.privateDir)
      : join(process.env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'justice-data-lab', sha256(canonicalPath(config.dataDir)).slice(0, 16));
  const rel = relative(canonicalPath(config.dataDir), canonicalPath(dir));
  if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) throw new Error(`the private folder ${dir} is inside the data folder ${config.dataDir}: it must be kept apart from the data it protects`);
  return dir;
}

function canonicalPath(p: string): string {
  // The folder may not exist yet: canonicalise its nearest existing parent.
  let head = resolve(p);
  const tail: string[] = [];
  while (!existsSync(head)) {
    const parent = resolve(head, '..');
    if (parent === head) break;
    tail.unshift(basename(head));
    head = parent;
  }
  return join(realpathSync(head), ...tail);
}

/** The private folder, created owner-only. */
export function ensurePrivateDir(config: PrivateConfig): string {
  const dir = privateDir(config);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  return dir;
}

export function keyFile(config: PrivateConfig): string {
  return join(privateDir(config), 'key');
}

const cache = new Map<string, Buffer>();

/**
 * The project's secret (32 random bytes, hex, mode 0600), created on first use. A key file that
 * others may read is refused: a key anyone can read protects nothing.
 */
export function projectKey(config: PrivateConfig, create = true): Buffer | undefined {
  const file = keyFile(config);
  const hit = cache.get(file);
  if (hit && existsSync(file)) return hit;
  if (!existsSync(file)) {
    if (!create) return undefined;
    ensurePrivateDir(config);
    let fd: number;
    try {
      fd = openSync(file, 'wx', 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      return projectKey(config, false); // another process created it first
    }
    try {
      writeSync(fd, randomBytes(32).toString('hex') + '\n');
    } finally {
      closeSync(fd);
    }
  }
  const mode = statSync(file).mode & 0o777;
  if (mode & 0o077) throw new Error(`the key file ${file} is readable by others (mode ${mode.toString(8)}): chmod 600 it`);
  const text = readFileSync(file, 'utf8').trim();
  if (!/^[0-9a-f]{64}$/.test(text)) throw new Error(`the key file ${file} is not 64 hex digits`);
  const key = Buffer.from(text, 'hex');
  cache.set(file, key);
  return key;
}

/** A key for one purpose, derived from the project's secret, so one purpose's key never serves another. */
export function purposeKey(config: PrivateConfig, purpose: 'fingerprint' | 'deletion-register' | 'file-name', create = true): Buffer | undefined {
  const key = projectKey(config, create);
  return key ? createHmac('sha256', key).update(`justice-data-lab/${purpose}`).digest() : undefined;
}

/** A file path input may name the private folder as `{private}` (e.g. `file:{private}/withdrawn/{request}.json`). */
export function resolveInputPath(config: PrivateConfig, path: string, request: string): string {
  const withRequest = path.replaceAll('{request}', request);
  if (!withRequest.includes('{private}')) return resolve(config.root, withRequest);
  return resolve(withRequest.replaceAll('{private}', privateDir(config)));
}
