// Fingerprints of identifiers: keyed hashes (HMAC-SHA256) of normalised values, taken before a
// purge (and of a withdrawn person) from outputs that declare identifier columns, so the audit can
// look for leftovers without keeping any identifier. The key is not in the file: it is derived
// from the project's secret in the private folder, outside data/ (src/keys.ts). Without it a
// fingerprint cannot be tested against a guess, however small the space of guesses (every person
// of a national register, every date of birth for a known name). One file per request, named by
// the request only: a withdrawn person joins their request's file, so no file name marks anyone.
import { createHmac } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from './fsutil.ts';
import type { Duck } from './duck.ts';
import type { OutputSpec } from './stage.ts';

export interface FingerprintFile {
  v: 2;
  request: string;
  fingerprints: string[];
}

export interface IdentifierRow {
  names: string[];
  dates: string[];
  ids: string[];
}

/** Upper case, accents folded, runs of space collapsed: the same person written two ways matches. */
export function normaliseToken(value: string): string {
  return value.normalize('NFD').replace(/\p{M}/gu, '').toUpperCase().replace(/\s+/g, ' ').trim();
}

export function fingerprint(key: Buffer, text: string): string {
  return createHmac('sha256', key).update(text).digest('hex');
}

export function fingerprintFile(dir: string, request: string): string {
  return join(dir, `${request}.json`);
}

/** A request's fingerprints; a file of the old format (its salt stored beside the hashes) is reported, not used. */
export function loadFingerprints(dir: string, request: string): FingerprintFile | undefined {
  const f = fingerprintFile(dir, request);
  if (!existsSync(f)) return undefined;
  const parsed = JSON.parse(readFileSync(f, 'utf8')) as Partial<FingerprintFile> & { salt?: string };
  if (parsed.v !== 2 || parsed.salt !== undefined) throw new Error(`${f} is a fingerprint file of the old format, which keeps its key beside its hashes: delete it`);
  return parsed as FingerprintFile;
}

/**
 * The texts to fingerprint for one row: each id; each pair of names (both orders); each pair of
 * names with each date. A single name with a date is not used: surnames such as White or Wales
 * are also category values, and would collide with dates in pseudonymised tables.
 */
export function identifierTexts(row: IdentifierRow): string[] {
  const names = row.names.map(normaliseToken).filter((n) => n.length >= 2);
  const ids = row.ids.map(normaliseToken).filter((n) => n.length >= 4);
  const out = new Set<string>(ids);
  for (let i = 0; i < names.length; i++) {
    for (let j = 0; j < names.length; j++) {
      if (i === j) continue;
      out.add(`${names[i]} ${names[j]}`);
      for (const d of row.dates) if (d) out.add(`${names[i]} ${names[j]}|${d}`);
    }
  }
  return [...out];
}

/** Add fingerprints of the given rows to a request's file; returns how many it holds. */
export function addFingerprints(dir: string, request: string, key: Buffer, rows: IdentifierRow[]): number {
  const set = new Set(loadFingerprints(dir, request)?.fingerprints ?? []);
  for (const row of rows) for (const t of identifierTexts(row)) set.add(fingerprint(key, t));
  const file: FingerprintFile = { v: 2, request, fingerprints: [...set].sort() };
  writeFileAtomic(fingerprintFile(dir, request), JSON.stringify(file), 0o600);
  return set.size;
}

/** The identifier rows of a parquet output, by its declared identifier columns. */
export async function identifierRows(db: Duck, parquet: string, spec: NonNullable<OutputSpec['identifiers']>): Promise<IdentifierRow[]> {
  const names = spec.names ?? [];
  const dates = spec.dates ?? [];
  const ids = spec.ids ?? [];
  const cols = [...names, ...dates, ...ids];
  if (!cols.length) return [];
  // Column names come from the stage's declaration (code), never from data; quote them anyway.
  const q = (c: string) => `"${c.replaceAll('"', '""')}"`;
  const select = cols.map((c) => `CAST(${q(c)} AS VARCHAR) AS ${q(c)}`).join(', ');
  const rows = await db.all<Record<string, string | null>>(`SELECT ${select} FROM read_parquet($p)`, { p: parquet });
  return rows.map((r) => ({ names: names.map((c) => r[c] ?? ''), dates: dates.map((c) => (r[c] ?? '').slice(0, 10)), ids: ids.map((c) => r[c] ?? '') }));
}

/** Fingerprints of a parquet output's identifiers, in memory (a live request's, for the audit). */
export async function fingerprintSet(db: Duck, parquet: string, spec: NonNullable<OutputSpec['identifiers']>, key: Buffer): Promise<Set<string>> {
  const set = new Set<string>();
  for (const row of await identifierRows(db, parquet, spec)) for (const t of identifierTexts(row)) set.add(fingerprint(key, t));
  return set;
}

/** Read the identifier columns of a parquet output and add their fingerprints to the request's file. */
export async function harvestFingerprints(db: Duck, parquet: string, spec: NonNullable<OutputSpec['identifiers']>, dir: string, request: string, key: Buffer): Promise<number> {
  return addFingerprints(dir, request, key, await identifierRows(db, parquet, spec));
}

const DATE_ISO = /\b(\d{4})-(\d{2})-(\d{2})\b/g;
const DATE_UK = /\b(\d{1,2})\/(\d{1,2})\/(\d{4})\b/g;

/** Candidate texts in one line of text, built the same way identifierTexts builds fingerprints. */
export function lineCandidates(line: string): string[] {
  const norm = normaliseToken(line);
  const dates = new Set<string>();
  for (const m of norm.matchAll(DATE_ISO)) dates.add(`${m[1]}-${m[2]}-${m[3]}`);
  for (const m of norm.matchAll(DATE_UK)) dates.add(`${m[3]}-${m[2]!.padStart(2, '0')}-${m[1]!.padStart(2, '0')}`);
  const words = norm.split(/[^A-Z0-9/'-]+/).filter(Boolean);
  const out = new Set<string>();
  for (const w of words) if (w.length >= 4 && /\d/.test(w)) out.add(w); // id-like tokens
  const nameWords = words.filter((w) => /^[A-Z][A-Z'-]+$/.test(w));
  for (let i = 0; i + 1 < nameWords.length; i++) {
    const pair = `${nameWords[i]} ${nameWords[i + 1]}`;
    out.add(pair);
    for (const d of dates) out.add(`${pair}|${d}`);
  }
  return [...out];
}
