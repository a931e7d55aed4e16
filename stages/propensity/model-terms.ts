// The propensity model's specification: how each numeric covariate enters the logistic model.
// The balance table still reports the covariates themselves (design.ts); only the model sees
// the transformed columns. Factor dummies enter as they are.
//
// Why these forms (a statistician's defaults, chosen without knowing how selection works):
// - counts (previous offences, convictions, cautions, custodial sentences) are skewed with a
//   long tail, and the tenth previous offence says less than the first: log(1 + x), with an
//   indicator of any (x > 0) where zero is a distinct state (no history at all);
// - days in work or on benefit in the last year: mostly 0 or 365, so an indicator of any and
//   the share of the year;
// - ages: a restricted cubic spline (Harrell), linear beyond the outer knots, with knots at
//   fixed quantiles of the treated rows, where the model needs to be right for the ATT;
// - anything else: linear.
// Knots are data-driven but deterministic (quantiles of a sorted copy), so the same table gives
// the same model.
import { sharedFloat64 } from '../../src/parallel.ts';
import type { Design } from './design.ts';

export type Transform = 'linear' | 'log1p' | 'any' | 'share_of_year' | 'spline';

export const TRANSFORMS: readonly Transform[] = ['linear', 'log1p', 'any', 'share_of_year', 'spline'];

/** Covariate name -> the columns it contributes to the model (default ['linear']). */
export type ModelSpec = Record<string, Transform[]>;

/** Knot quantiles of a 4-knot restricted cubic spline (Harrell, Regression Modeling Strategies, 2.4.6). */
const KNOT_QUANTILES = [0.05, 0.35, 0.65, 0.95];

export interface ModelColumn {
  /** Model column name, e.g. `log1p(prev_offences)`, `prev_offences>0`, `age_index:rcs1`. */
  name: string;
  /** The covariate (balance term) it derives from. */
  term: string;
  transform: Transform | 'dummy' | 'square';
  values: Float64Array;
}

export interface ModelTerms {
  columns: ModelColumn[];
  /** Spline knots by covariate. */
  knots: Record<string, number[]>;
}

export class ModelSpecError extends Error {}

/** Model columns for a design under a specification, in covariate order, dummies after. */
export function modelTerms(design: Design, spec: ModelSpec = {}): ModelTerms {
  for (const [name, transforms] of Object.entries(spec)) {
    for (const t of transforms) {
      if (!TRANSFORMS.includes(t)) throw new ModelSpecError(`covariate “${name}”: unknown transform “${t}” (one of ${TRANSFORMS.join(', ')})`);
    }
  }
  const out: ModelColumn[] = [];
  const knots: Record<string, number[]> = {};
  for (const term of design.terms) {
    if (term.kind === 'factor') {
      for (const c of term.columns) out.push({ name: design.names[c]!, term: term.name, transform: 'dummy', values: design.columns[c]! });
      continue;
    }
    const x = design.columns[term.columns[0]!]!;
    const transforms = spec[term.name] ?? ['linear'];
    for (const t of transforms) {
      if (t === 'linear') out.push({ name: term.name, term: term.name, transform: t, values: x });
      else if (t === 'log1p') {
        out.push({ name: `log1p(${term.name})`, term: term.name, transform: t, values: mapColumn(x, (v) => Math.log1p(v), term.name, 'log1p', (v) => v > -1) });
      } else if (t === 'any') {
        out.push({ name: `${term.name}>0`, term: term.name, transform: t, values: mapColumn(x, (v) => (v > 0 ? 1 : 0), term.name, 'any', () => true) });
      } else if (t === 'share_of_year') {
        out.push({ name: `${term.name}/365`, term: term.name, transform: t, values: mapColumn(x, (v) => v / 365, term.name, 'share_of_year', () => true) });
      } else {
        const k = splineKnots(x, design.treat);
        knots[term.name] = k;
        out.push({ name: term.name, term: term.name, transform: 'linear', values: x });
        for (const [j, basis] of rcsBasis(x, k).entries()) {
          out.push({ name: `${term.name}:rcs${j + 1}`, term: term.name, transform: 'spline', values: basis });
        }
      }
    }
  }
  return { columns: out, knots };
}

function mapColumn(x: Float64Array, f: (v: number) => number, name: string, transform: string, valid: (v: number) => boolean): Float64Array {
  const y = sharedFloat64(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (!valid(v)) throw new ModelSpecError(`covariate “${name}”: transform ${transform} needs values above -1 (row ${i + 1} of the model table is not)`);
    y[i] = f(v);
  }
  return y;
}

/**
 * Knots at the KNOT_QUANTILES of the treated rows' values (type-7 quantiles), duplicates removed.
 * Fewer than three distinct knots means no spline terms (the covariate stays linear).
 */
export function splineKnots(x: Float64Array, treat: Uint8Array): number[] {
  const values: number[] = [];
  for (let i = 0; i < x.length; i++) if (treat[i] === 1) values.push(x[i]!);
  const sorted = Float64Array.from(values).sort();
  if (sorted.length < 5) return [];
  const q = (p: number) => {
    const h = (sorted.length - 1) * p;
    const lo = Math.floor(h);
    const hi = Math.min(sorted.length - 1, lo + 1);
    return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
  };
  const k: number[] = [];
  for (const p of KNOT_QUANTILES) {
    const v = q(p);
    if (!k.length || v > k[k.length - 1]! + 1e-9) k.push(v);
  }
  return k.length >= 3 ? k : [];
}

/**
 * Nonlinear columns of a restricted cubic spline with knots t_1 < ... < t_k (k - 2 columns), in
 * Harrell's parametrisation scaled by (t_k - t_1)², so the columns are on the scale of x:
 *   (x - t_j)+³ - (x - t_{k-1})+³ (t_k - t_j) / (t_k - t_{k-1}) + (x - t_k)+³ (t_{k-1} - t_j) / (t_k - t_{k-1}).
 */
export function rcsBasis(x: Float64Array, knots: number[]): Float64Array[] {
  const k = knots.length;
  if (k < 3) return [];
  const tk = knots[k - 1]!, tk1 = knots[k - 2]!;
  const scale = (tk - knots[0]!) ** 2;
  const cube = (v: number) => (v > 0 ? v * v * v : 0);
  const out: Float64Array[] = [];
  for (let j = 0; j < k - 2; j++) {
    const tj = knots[j]!;
    const col = sharedFloat64(x.length);
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      col[i] = (cube(v - tj) - (cube(v - tk1) * (tk - tj)) / (tk - tk1) + (cube(v - tk) * (tk1 - tj)) / (tk - tk1)) / scale;
    }
    out.push(col);
  }
  return out;
}

/** The square of a model column, centred first (so it is not nearly collinear with the column). */
export function centredSquare(column: ModelColumn): ModelColumn {
  const x = column.values;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]!;
  const mean = s / x.length;
  const y = sharedFloat64(x.length);
  for (let i = 0; i < x.length; i++) y[i] = (x[i]! - mean) * (x[i]! - mean);
  return { name: `(${column.name})^2`, term: column.term, transform: 'square', values: y };
}
