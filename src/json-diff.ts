// A structural diff of two JSON values: numbers compared against tolerances, arrays of objects
// matched by a label field when they have one. Pure; used by the reviewers' diff and by the
// report's erratum.
import type { Json } from './stage.ts';

export interface Tolerance {
  /** A numeric change at most this large (in absolute value) is noise. */
  abs: number;
  /** A numeric change at most this fraction of the larger magnitude is noise. */
  rel: number;
}

export interface JsonChange {
  path: string;
  kind: 'added' | 'removed' | 'changed';
  before?: Json;
  after?: Json;
  /** Numbers only: after - before, and that relative to |before| (null when before is 0). */
  delta?: number;
  relative?: number | null;
  withinTolerance?: boolean;
}

export interface JsonDiff {
  changes: number;
  beyondTolerance: number;
  withinTolerance: number;
  valuesShown: boolean;
  /** The first `limit` changes, beyond-tolerance ones first; empty when values may not be shown. */
  shown: JsonChange[];
}

export function diffJsonValues(a: Json, b: Json, tolerance: Tolerance, limit: number, valuesShown: boolean): JsonDiff {
  const all: JsonChange[] = [];
  const walk = (path: string, x: Json | undefined, y: Json | undefined) => {
    if (x === undefined) return void all.push({ path, kind: 'added', after: y });
    if (y === undefined) return void all.push({ path, kind: 'removed', before: x });
    if (typeof x === 'number' && typeof y === 'number') {
      if (x === y) return;
      const delta = y - x;
      const withinTolerance = Math.abs(delta) <= tolerance.abs || Math.abs(delta) <= tolerance.rel * Math.max(Math.abs(x), Math.abs(y));
      return void all.push({ path, kind: 'changed', before: x, after: y, delta, relative: x === 0 ? null : delta / Math.abs(x), withinTolerance });
    }
    const isObj = (v: Json): v is { [k: string]: Json } => !!v && typeof v === 'object' && !Array.isArray(v);
    if (isObj(x) && isObj(y)) {
      for (const k of [...new Set([...Object.keys(x), ...Object.keys(y)])]) walk(`${path}.${/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? k : JSON.stringify(k)}`, x[k], y[k]);
      return;
    }
    if (Array.isArray(x) && Array.isArray(y)) {
      const label = labelField(x, y);
      if (label) {
        const byLabel = (arr: Json[]) => new Map(arr.map((e) => [String((e as Record<string, Json>)[label]), e]));
        const mx = byLabel(x);
        const my = byLabel(y);
        for (const l of [...new Set([...mx.keys(), ...my.keys()])]) walk(`${path}[${label}=${l}]`, mx.get(l), my.get(l));
      } else {
        for (let i = 0; i < Math.max(x.length, y.length); i++) walk(`${path}[${i}]`, i < x.length ? x[i] : undefined, i < y.length ? y[i] : undefined);
      }
      return;
    }
    if (JSON.stringify(x) !== JSON.stringify(y)) all.push({ path, kind: 'changed', before: x, after: y });
  };
  walk('$', a, b);
  const beyond = all.filter((c) => c.withinTolerance !== true);
  const within = all.length - beyond.length;
  const shown = valuesShown ? [...beyond, ...all.filter((c) => c.withinTolerance === true)].slice(0, limit) : [];
  return { changes: all.length, beyondTolerance: beyond.length, withinTolerance: within, valuesShown, shown };
}

/** A string field present in every element of both arrays, with distinct values on each side. */
function labelField(x: Json[], y: Json[]): string | undefined {
  const objs = [...x, ...y];
  if (!objs.length || !objs.every((e) => !!e && typeof e === 'object' && !Array.isArray(e))) return undefined;
  const first = objs[0] as Record<string, Json>;
  for (const field of Object.keys(first)) {
    const ok = (arr: Json[]) => {
      const values = arr.map((e) => (e as Record<string, Json>)[field]);
      return values.every((v) => typeof v === 'string') && new Set(values).size === values.length;
    };
    if (ok(x) && ok(y)) return field;
  }
  return undefined;
}

