// Fingerprints of identifiers: keyed hashes (HMAC-SHA256 with a per-request salt) of normalised
// values, taken before a purge from outputs that declare identifier columns. The audit scans the
// data folder for them without the audit itself keeping any identifier.
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from './fsutil.ts';
import type { Duck } from './duck.ts';
import type { OutputSpec } from './stage.ts';

export interface FingerprintFile {
  request: string;
  salt: string;
  fingerprints: string[];
}

/** Upper case, accents folded, runs of space collapsed: the same person written two ways matches. */
export function normaliseToken(value: string): string {
  return value.normalize('NFD').replace(/\p{M}/gu, '').toUpperCase().replace(/\s+/g, ' ').trim();
}

export function fingerprint(salt: string, text: string): string {
  return createHmac('sha256', salt).update(text).digest('hex');
}

export function fingerprintFile(dir: string, request: string): string {
  return join(dir, `${request}.json`);
}

export function loadFingerprints(dir: string, request: string): FingerprintFile | undefined {
  const f = fingerprintFile(dir, request);
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as FingerprintFile) : undefined;
}

/**
 * The texts to fingerprint for one row: each id; each pair of names (both orders); each pair of
 * names with each date. A single name with a date is not used: surnames such as White or Wales
 * are also category values, and would collide with dates in pseudonymised tables.
 */
export function identifierTexts(row: { names: string[]; dates: string[]; ids: string[] }): string[] {
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

/** Add fingerprints of the given rows to a fingerprint file (`name` is what the audit reports). */
export function addFingerprints(dir: string, name: string, rows: { names: string[]; dates: string[]; ids: string[] }[]): number {
  const existing = loadFingerprints(dir, name);
  const salt = existing?.salt ?? randomBytes(32).toString('hex');
  const set = new Set(existing?.fingerprints ?? []);
  for (const row of rows) for (const t of identifierTexts(row)) set.add(fingerprint(salt, t));
  writeFileAtomic(fingerprintFile(dir, name), JSON.stringify({ request: name, salt, fingerprints: [...set].sort() }), 0o600);
  return set.size;
}

/** Read the identifier columns of a parquet output and add their fingerprints to the request's file. */
export async function harvestFingerprints(db: Duck, parquet: string, spec: NonNullable<OutputSpec['identifiers']>, dir: string, request: string): Promise<number> {
  const existing = loadFingerprints(dir, request);
  const salt = existing?.salt ?? randomBytes(32).toString('hex');
  const set = new Set(existing?.fingerprints ?? []);
  const names = spec.names ?? [];
  const dates = spec.dates ?? [];
  const ids = spec.ids ?? [];
  const cols = [...names, ...dates, ...ids];
  if (!cols.length) return 0;
  // Column names come from the stage's declaration (code), never from data; quote them anyway.
  const select = cols.map((c) => `CAST("${c.replaceAll('"', '""')}" AS VARCHAR) AS "${c.replaceAll('"', '""')}"`).join(', ');
  const rows = await db.all<Record<string, string | null>>(`SELECT ${select} FROM read_parquet($p)`, { p: parquet });
  for (const r of rows) {
    const texts = identifierTexts({ names: names.map((c) => r[c] ?? ''), dates: dates.map((c) => (r[c] ?? '').slice(0, 10)), ids: ids.map((c) => r[c] ?? '') });
    for (const t of texts) set.add(fingerprint(salt, t));
  }
  writeFileAtomic(fingerprintFile(dir, request), JSON.stringify({ request, salt, fingerprints: [...set].sort() }), 0o600);
  return set.size;
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
