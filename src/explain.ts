// Why a stage runs or not. The runner decides with these same predicates, so the explanation can
// never drift from the decision. Changes are named by the exact key field: this SQL file, that
// param, that input's content hash, the DuckDB version.
import { canonicalJson, type KeyObject } from './key.ts';
import type { Json } from './stage.ts';

export interface Change {
  field: 'v' | 'code' | 'params' | 'inputs' | 'env';
  /** The file, param path, input or env entry that differs. */
  name: string;
  before?: string;
  after?: string;
  /**
   * For a folder input: the file inside it that was added, removed or changed (path relative to
   * the folder, e.g. corrections/2026-11-29-cohort.csv); before and after are then that file's
   * hashes. One Change per file.
   */
  file?: string;
}

/** The files of folder inputs with their hashes: input name -> relative path -> sha256. */
export type InputFiles = Record<string, Record<string, string>>;

export type Reason =
  | { kind: 'cached'; run?: string }
  | { kind: 'forced' }
  | { kind: 'uncached' }
  | { kind: 'new' }
  | { kind: 'changed'; since: string; changes: Change[] }
  | { kind: 'outputMissing'; outputs: string[] }
  | { kind: 'pending'; upstream: string[]; changes: Change[] };

function diffRecords(field: Change['field'], before: Record<string, string>, after: Record<string, string>): Change[] {
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return names.filter((n) => before[n] !== after[n]).map((n) => ({ field, name: n, before: before[n], after: after[n] }));
}

export function codeChanged(prev: KeyObject, next: KeyObject): Change[] {
  return diffRecords('code', prev.code, next.code);
}

export function inputChanged(prev: KeyObject, next: KeyObject): Change[] {
  return diffRecords('inputs', prev.inputs, next.inputs);
}

export function envChanged(prev: KeyObject, next: KeyObject): Change[] {
  return diffRecords('env', prev.env, next.env);
}

/** Param differences by dotted path, with the values (params are never personal data). */
export function paramsChanged(prev: KeyObject, next: KeyObject): Change[] {
  const out: Change[] = [];
  const walk = (path: string, a: Json | undefined, b: Json | undefined) => {
    const isObj = (x: unknown): x is Record<string, Json> => !!x && typeof x === 'object' && !Array.isArray(x);
    if (isObj(a) && isObj(b)) {
      for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) walk(path ? `${path}.${k}` : k, a[k], b[k]);
    } else if (canonicalJson(a) !== canonicalJson(b)) {
      out.push({ field: 'params', name: path || '(all)', before: a === undefined ? undefined : canonicalJson(a), after: b === undefined ? undefined : canonicalJson(b) });
    }
  };
  walk('', prev.params, next.params);
  return out;
}

export function versionChanged(prev: KeyObject, next: KeyObject): Change[] {
  return prev.v === next.v ? [] : [{ field: 'v', name: 'key format', before: String(prev.v), after: String(next.v) }];
}

/**
 * Every field that differs between two key objects, in key order. With the folder inputs' file
 * lists of both sides, a changed folder input is named by the files that changed in it.
 */
export function keyChanges(prev: KeyObject, next: KeyObject, files?: { before?: InputFiles; after?: InputFiles }): Change[] {
  const inputs = inputChanged(prev, next).flatMap((c) => {
    const a = files?.before?.[c.name];
    const b = files?.after?.[c.name];
    if (!a || !b) return [c];
    const changed = diffRecords('inputs', a, b).map((f) => ({ field: 'inputs' as const, name: c.name, file: f.name, before: f.before, after: f.after }));
    return changed.length ? changed : [c];
  });
  return [...versionChanged(prev, next), ...codeChanged(prev, next), ...paramsChanged(prev, next), ...inputs, ...envChanged(prev, next)];
}

export interface Decision {
  run: boolean;
  reason: Reason;
}

/**
 * The cache decision for one stage. `cachedRecordExists`: a stage record with this key exists;
 * `missingOutputs`: its outputs whose blobs are gone (purged or deleted); `previous`: the key this
 * request used last time, to say what changed.
 */
export function decide(args: {
  key: KeyObject;
  cache: boolean;
  forced: boolean;
  cachedRecordExists: boolean;
  missingOutputs: string[];
  previous?: { run: string; key: KeyObject; inputFiles?: InputFiles };
  /** This run's folder-input file lists, to name the file that changed. */
  inputFiles?: InputFiles;
}): Decision {
  if (!args.cache) return { run: true, reason: { kind: 'uncached' } };
  if (args.forced) return { run: true, reason: { kind: 'forced' } };
  if (args.cachedRecordExists && args.missingOutputs.length === 0) return { run: false, reason: { kind: 'cached', run: args.previous?.run } };
  if (args.cachedRecordExists) return { run: true, reason: { kind: 'outputMissing', outputs: args.missingOutputs } };
  if (!args.previous) return { run: true, reason: { kind: 'new' } };
  const changes = keyChanges(args.previous.key, args.key, { before: args.previous.inputFiles, after: args.inputFiles });
  // Same key as last time but no record: the store was cleaned (gc) or the record removed.
  if (!changes.length) return { run: true, reason: { kind: 'outputMissing', outputs: ['(stage record)'] } };
  return { run: true, reason: { kind: 'changed', since: args.previous.run, changes } };
}

const short = (h?: string) => (h && /^[0-9a-f]{64}$/.test(h) ? h.slice(0, 12) : h ?? '(none)');

export function describeChange(c: Change): string {
  const what = c.field === 'code' ? `code file ${c.name}` : c.field === 'params' ? `param ${c.name}` : c.field === 'inputs' ? `input ${c.name}${c.file ? `, file ${c.file},` : ''}` : c.field === 'env' ? `env ${c.name}` : c.name;
  if (c.before === undefined) return `${what} added (${short(c.after)})`;
  if (c.after === undefined) return `${what} removed (was ${short(c.before)})`;
  return `${what} changed: ${short(c.before)} -> ${short(c.after)}`;
}

export function describeReason(r: Reason): string {
  switch (r.kind) {
    case 'cached':
      return 'cached: nothing changed';
    case 'forced':
      return 'forced with --force';
    case 'uncached':
      return 'always runs (not cached)';
    case 'new':
      return 'never run before for this request';
    case 'changed':
      return r.changes.map(describeChange).join('; ');
    case 'outputMissing':
      return `cached outputs missing: ${r.outputs.join(', ')}`;
    case 'pending':
      return `waits for ${r.upstream.join(', ')} to run; re-runs only if their outputs change${r.changes.length ? `; also ${r.changes.map(describeChange).join('; ')}` : ''}`;
  }
}

/** The reason as lines: one per changed key field (what --explain prints under each stage). */
export function reasonLines(r: Reason): string[] {
  if (r.kind === 'changed') return r.changes.map(describeChange);
  if (r.kind === 'pending') return [`waits for ${r.upstream.join(', ')} to run; re-runs only if their outputs change`, ...r.changes.map(describeChange)];
  return [describeReason(r)];
}
