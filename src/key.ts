// The cache key of a stage run. It is data before it is a hash: the whole object is kept with the
// run, so `--explain` compares two objects field by field instead of guessing from a hash.
import { sha256, type Sha256 } from './hash.ts';
import type { Json } from './stage.ts';

/** Bump when the meaning of a key changes, so old cache entries can never be mistaken for new. */
export const KEY_VERSION = 1;

export interface KeyObject {
  v: number;
  stage: string;
  /** Project-relative file path -> content hash, sorted by path. */
  code: Record<string, Sha256>;
  params: Json;
  /** Input name -> content hash of the bytes read (upstream output or external file). */
  inputs: Record<string, Sha256>;
  env: Record<string, string>;
}

export function makeKey(fields: Omit<KeyObject, 'v'>): KeyObject {
  // Fixed field order; nested objects are sorted when serialised.
  return { v: KEY_VERSION, stage: fields.stage, code: sortObject(fields.code), params: fields.params, inputs: sortObject(fields.inputs), env: sortObject(fields.env) };
}

export function keyHash(key: KeyObject): Sha256 {
  return sha256(canonicalJson(key));
}

/** JSON with object keys sorted at every level and no whitespace: equal values, equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`cannot hash a non-finite number (${value})`);
    if (value === undefined) return 'null';
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

function sortObject<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
