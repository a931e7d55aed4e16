// The propensity stage's output contracts, as written: model.json and balance.json in snake_case,
// like every other stage output. The model code keeps its camelCase TypeScript names; the keys
// are converted once, where the JSON is written, and a reader (the report) imports these types,
// so a renamed field fails to compile instead of being read as missing.
import type { balanceJson, modelJson } from './psm.ts';
import type { ScoreOverlap } from './overlap.ts';

type SnakeCase<S extends string> = S extends `${infer H}${infer T}` ? `${H extends Lowercase<H> ? H : `_${Lowercase<H>}`}${SnakeCase<T>}` : S;

/** The type of `snakeCaseKeys(value)`. */
export type SnakeKeys<T> = T extends readonly (infer U)[] ? SnakeKeys<U>[] : T extends object ? { [K in keyof T as K extends string ? SnakeCase<K> : K]: SnakeKeys<T[K]> } : T;

const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Objects keyed by data (covariate and factor names), whose own keys are left as they are. */
const DATA_KEYED = new Set(['by_covariate', 'by_factor', 'transforms', 'spline_knots']);

/** Object keys in snake_case, recursively; the keys of data-keyed maps are kept as written. */
export function snakeCaseKeys<T>(value: T, keepKeys = false): SnakeKeys<T> {
  if (Array.isArray(value)) return value.map((v) => snakeCaseKeys(v)) as SnakeKeys<T>;
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => {
        const key = keepKeys ? k : snake(k);
        return [key, keepKeys ? snakeCaseKeys(v) : snakeCaseKeys(v, DATA_KEYED.has(key))];
      }),
    ) as SnakeKeys<T>;
  }
  return value as SnakeKeys<T>;
}

/** balance.json */
export type BalanceJson = SnakeKeys<ReturnType<typeof balanceJson>>;

/** model.json: the model, the matching, the cohort's linked events and withdrawn count and the score overlap (overlap.ts). */
export type ModelJson = SnakeKeys<ReturnType<typeof modelJson> & { cohort: { linkedEvents: number; linkedEventsNotInRegister: number; withdrawn: number }; overlap: ScoreOverlap }>;
