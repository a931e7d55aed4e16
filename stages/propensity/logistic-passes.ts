// The passes over the data that logistic regression makes, as segment kernels for
// src/parallel.ts: each computes one segment of rows and the fit adds the segments up in order,
// so the result is the same on any number of threads.
//
// Every kernel reads arrays = [y (0/1 Uint8Array), x_1 .. x_p (Float64Array columns)], possibly
// followed by an output column, and must be self-contained (workers rebuild it from its source):
// constants are repeated inside, and the helpers (`dot`, `linkBlock`) are shipped with the kernels
// that use them.
//
// log(1 + e^eta) is computed as max(eta, 0) - log(q) with q = 1 / (1 + e^-|eta|) in (1/2, 1];
// the logs are summed as the log of a product of q's, which saves a logarithm per row (512
// factors of at least 1/2 cannot underflow).
import { runSegments, type KernelSpec, type SharedArray } from '../../src/parallel.ts';

/** Unrolled by four to break the add dependency chain; the sum stays in registers. */
export function dot(a: Float64Array, b: Float64Array, len: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let i = 0;
  for (; i + 3 < len; i += 4) {
    s0 += a[i]! * b[i]!;
    s1 += a[i + 1]! * b[i + 1]!;
    s2 += a[i + 2]! * b[i + 2]!;
    s3 += a[i + 3]! * b[i + 3]!;
  }
  for (; i < len; i++) s0 += a[i]! * b[i]!;
  return s0 + s1 + s2 + s3;
}

/**
 * The logistic link over one block of linear predictors: per row the residual y - mu into r and
 * the weight mu (1 - mu) into w. acc = [running log-likelihood, running count of |eta| > 30,
 * this block's sum of r, this block's sum of w]; the first two carry across blocks.
 */
function linkBlock(eta: Float64Array, y: SharedArray, from: number, len: number, r: Float64Array, w: Float64Array, acc: Float64Array): void {
  let logLik = acc[0]!;
  let extremeFits = acc[1]!;
  let q = 1;
  let positive = 0;
  let g0 = 0, h00 = 0;
  for (let i = 0; i < len; i++) {
    const e = eta[i]!;
    let mu: number;
    if (e >= 0) {
      const qi = 1 / (1 + Math.exp(-e));
      mu = qi;
      q *= qi;
      positive += e;
    } else {
      const t = Math.exp(e);
      const qi = 1 / (1 + t);
      mu = t * qi;
      q *= qi;
    }
    const wi = mu * (1 - mu);
    const yi = y[from + i]!;
    const ri = yi - mu;
    w[i] = wi;
    r[i] = ri;
    g0 += ri;
    h00 += wi;
    if (yi) logLik += e;
    if ((i & 511) === 511) {
      logLik += Math.log(q);
      q = 1;
    }
    if (e > 30 || e < -30) extremeFits++;
  }
  acc[0] = logLik + (Math.log(q) - positive);
  acc[1] = extremeFits;
  acc[2] = g0;
  acc[3] = h00;
}

/**
 * Per column j, out[6j ..]: sum, sum of squares, then the min and max among treated rows and
 * among comparison rows (for the single-covariate separation check).
 */
function columnStatsKernel(arrays: SharedArray[], _params: Float64Array, start: number, end: number, out: Float64Array): void {
  const y = arrays[0]!;
  for (let j = 0; j + 1 < arrays.length; j++) {
    const x = arrays[j + 1]!;
    let s = 0, s2 = 0;
    let minT = Infinity, maxT = -Infinity, minC = Infinity, maxC = -Infinity;
    for (let i = start; i < end; i++) {
      const v = x[i]!;
      s += v;
      s2 += v * v;
      if (y[i]) {
        if (v < minT) minT = v;
        if (v > maxT) maxT = v;
      } else {
        if (v < minC) minC = v;
        if (v > maxC) maxC = v;
      }
    }
    out[6 * j] = s;
    out[6 * j + 1] = s2;
    out[6 * j + 2] = minT;
    out[6 * j + 3] = maxT;
    out[6 * j + 4] = minC;
    out[6 * j + 5] = maxC;
  }
}

export interface ColumnStats {
  sum: Float64Array;
  sumSquares: Float64Array;
  /** Per column: [min treated, max treated, min comparison, max comparison]. */
  ranges: Float64Array;
}

export function columnStats(x: Float64Array[], y: Uint8Array): ColumnStats {
  const p = x.length;
  const { partials, segments } = runSegments({ kernel: columnStatsKernel }, [y, ...x], [], y.length, 6 * p);
  const sum = new Float64Array(p);
  const sumSquares = new Float64Array(p);
  const ranges = new Float64Array(4 * p);
  for (let j = 0; j < p; j++) ranges.set([Infinity, -Infinity, Infinity, -Infinity], 4 * j);
  for (let s = 0; s < segments; s++) {
    for (let j = 0; j < p; j++) {
      const o = s * 6 * p + 6 * j;
      sum[j] += partials[o]!;
      sumSquares[j] += partials[o + 1]!;
      ranges[4 * j] = Math.min(ranges[4 * j]!, partials[o + 2]!);
      ranges[4 * j + 1] = Math.max(ranges[4 * j + 1]!, partials[o + 3]!);
      ranges[4 * j + 2] = Math.min(ranges[4 * j + 2]!, partials[o + 4]!);
      ranges[4 * j + 3] = Math.max(ranges[4 * j + 3]!, partials[o + 5]!);
    }
  }
  return { sum, sumSquares, ranges };
}

/**
 * A gradient-only pass with the standardisation folded into the coefficients
 * (params: c0, c_1 .. c_p with eta = c0 + sum c_j x_j). out: [sum r, sum r x_1 .. sum r x_p,
 * logLik, rows with |eta| > 30].
 */
function gradientKernel(arrays: SharedArray[], params: Float64Array, start: number, end: number, out: Float64Array): void {
  const BLOCK = 1024;
  const y = arrays[0]!;
  const p = arrays.length - 1;
  const eta = new Float64Array(BLOCK);
  const r = new Float64Array(BLOCK);
  const w = new Float64Array(BLOCK); // filled by linkBlock, unused here
  const acc = new Float64Array(4);
  const c0 = params[0]!;
  for (let from = start; from < end; from += BLOCK) {
    const len = Math.min(BLOCK, end - from);
    eta.fill(c0);
    for (let j = 0; j < p; j++) {
      const src = arrays[j + 1]!;
      const cj = params[j + 1]!;
      for (let i = 0; i < len; i++) eta[i] += cj * src[from + i]!;
    }
    linkBlock(eta, y, from, len, r, w, acc);
    out[0] += acc[2]!;
    for (let j = 0; j < p; j++) {
      const src = arrays[j + 1]!;
      let s0 = 0, s1 = 0;
      let i = 0;
      for (; i + 1 < len; i += 2) {
        s0 += r[i]! * src[from + i]!;
        s1 += r[i + 1]! * src[from + i + 1]!;
      }
      if (i < len) s0 += r[i]! * src[from + i]!;
      out[j + 1] += s0 + s1;
    }
  }
  out[p + 1] = acc[0]!;
  out[p + 2] = acc[1]!;
}

export interface Pass {
  logLik: number;
  gradient: Float64Array;
  /** Full symmetric Hessian of the negative log-likelihood (= X'WX), row-major; null when not asked for. */
  hessian: Float64Array | null;
  extremeFits: number;
}

/**
 * The data a pass reads: the original columns with their means and 1/SD, and the outcome. The
 * standardised values are formed block by block in a small buffer rather than stored: a second
 * copy of a national table would cost more to allocate (page faults) than to recompute.
 */
export interface Data {
  x: Float64Array[];
  mean: Float64Array;
  inv: Float64Array;
  y: Uint8Array;
  n: number;
}

/**
 * Gradient and log-likelihood at b (standardised scale, intercept first) from the raw columns:
 * g_j = (sum r x_j - mean_j sum r) / sd_j. The cancellation this allows is harmless: these
 * passes only steer the iterations, and the final step and the standard errors come from a
 * Hessian pass on standardised values.
 */
export function gradientPass(data: Data, b: Float64Array): Pass {
  const { x, mean, inv, y, n } = data;
  const p = x.length;
  const m = p + 1;
  const c = new Float64Array(m);
  c[0] = b[0]!;
  for (let j = 0; j < p; j++) {
    c[j + 1] = b[j + 1]! * inv[j]!;
    c[0] -= c[j + 1]! * mean[j]!;
  }
  const { partials, segments } = runSegments({ kernel: gradientKernel, helpers: [linkBlock] }, [y, ...x], c, n, m + 2);
  const raw = new Float64Array(m);
  let logLik = 0;
  let extremeFits = 0;
  for (let s = 0; s < segments; s++) {
    const o = s * (m + 2);
    for (let j = 0; j < m; j++) raw[j] += partials[o + j]!;
    logLik += partials[o + m]!;
    extremeFits += partials[o + m + 1]!;
  }
  const g = new Float64Array(m);
  g[0] = raw[0]!;
  for (let j = 0; j < p; j++) g[j + 1] = (raw[j + 1]! - mean[j]! * raw[0]!) * inv[j]!;
  return { logLik, gradient: g, hessian: null, extremeFits };
}

/**
 * Gradient, Hessian (upper triangle) and log-likelihood on standardised values. params:
 * b_0 .. b_p, then mean_1 .. mean_p, then 1/sd_1 .. 1/sd_p. out: [g (m), H row-major (m × m,
 * upper triangle filled), logLik, rows with |eta| > 30]. Per block, the standardised columns,
 * weights and weighted columns sit in small buffers that stay in cache, and each Hessian entry is
 * one tight dot product over the block.
 */
function hessianKernel(arrays: SharedArray[], params: Float64Array, start: number, end: number, out: Float64Array): void {
  const BLOCK = 1024;
  const y = arrays[0]!;
  const p = arrays.length - 1;
  const m = p + 1;
  const z: Float64Array[] = [];
  const wz: Float64Array[] = [];
  for (let j = 0; j < p; j++) {
    z.push(new Float64Array(BLOCK));
    wz.push(new Float64Array(BLOCK));
  }
  const eta = new Float64Array(BLOCK);
  const w = new Float64Array(BLOCK);
  const r = new Float64Array(BLOCK);
  const h = m; // the Hessian's offset in out
  const acc = new Float64Array(4);
  const b0 = params[0]!;
  for (let from = start; from < end; from += BLOCK) {
    const len = Math.min(BLOCK, end - from);
    eta.fill(b0);
    for (let j = 0; j < p; j++) {
      const src = arrays[j + 1]!;
      const col = z[j]!;
      const mj = params[m + j]!;
      const ij = params[m + p + j]!;
      const bj = params[j + 1]!;
      for (let i = 0; i < len; i++) {
        const v = (src[from + i]! - mj) * ij;
        col[i] = v;
        eta[i] += bj * v;
      }
    }
    linkBlock(eta, y, from, len, r, w, acc);
    out[0] += acc[2]!;
    for (let j = 0; j < p; j++) out[j + 1] += dot(r, z[j]!, len);
    out[h] += acc[3]!;
    for (let j = 0; j < p; j++) {
      const col = z[j]!;
      const a = wz[j]!;
      let s = 0;
      for (let i = 0; i < len; i++) {
        const v = w[i]! * col[i]!;
        a[i] = v;
        s += v;
      }
      out[h + j + 1] += s;
    }
    for (let j = 0; j < p; j++) {
      const a = wz[j]!;
      const row = h + (j + 1) * m + 1;
      for (let k = j; k < p; k++) out[row + k] += dot(a, z[k]!, len);
    }
  }
  out[m + m * m] = acc[0]!;
  out[m + m * m + 1] = acc[1]!;
}

/** Gradient, Hessian and log-likelihood at b (standardised scale, intercept first). */
export function hessianPass(data: Data, b: Float64Array): Pass {
  const { x, mean, inv, y, n } = data;
  const p = x.length;
  const m = p + 1;
  const params = new Float64Array(m + 2 * p);
  params.set(b, 0);
  params.set(mean, m);
  params.set(inv, m + p);
  const width = m + m * m + 2;
  const { partials, segments } = runSegments({ kernel: hessianKernel, helpers: [dot, linkBlock] }, [y, ...x], params, n, width);
  const g = new Float64Array(m);
  const h = new Float64Array(m * m);
  let logLik = 0;
  let extremeFits = 0;
  for (let s = 0; s < segments; s++) {
    const o = s * width;
    for (let j = 0; j < m; j++) g[j] += partials[o + j]!;
    for (let j = 0; j < m; j++) for (let k = j; k < m; k++) h[j * m + k] += partials[o + m + j * m + k]!;
    logLik += partials[o + m + m * m]!;
    extremeFits += partials[o + m + m * m + 1]!;
  }
  for (let j = 0; j < m; j++) for (let k = j + 1; k < m; k++) h[k * m + j] = h[j * m + k]!;
  return { logLik, gradient: g, hessian: h, extremeFits };
}

/**
 * The linear predictor of every row into arrays[1] (params: b_0, then b_j / sd_j and mean_j
 * for each column, i.e. eta = b_0 + sum (b_j / sd_j)(x_j - mean_j)), and the log-likelihood.
 * arrays = [y, eta (output), x_1 .. x_p].
 */
function predictorKernel(arrays: SharedArray[], params: Float64Array, start: number, end: number, out: Float64Array): void {
  const y = arrays[0]!;
  const eta = arrays[1]!;
  const p = arrays.length - 2;
  eta.fill(params[0]!, start, end);
  for (let j = 0; j < p; j++) {
    const col = arrays[j + 2]!;
    const bj = params[1 + 2 * j]!;
    const mj = params[2 + 2 * j]!;
    for (let i = start; i < end; i++) eta[i] += bj * (col[i]! - mj);
  }
  let logLik = 0;
  let q = 1;
  for (let i = start; i < end; i++) {
    const e = eta[i]!;
    if (y[i]) logLik += e;
    if (e >= 0) logLik -= e;
    q /= 1 + Math.exp(-Math.abs(e));
    if ((i & 511) === 511) {
      logLik += Math.log(q);
      q = 1;
    }
  }
  out[0] = logLik + Math.log(q);
}

/** The linear predictor (logit of the score) of every row, into `eta`, and the log-likelihood at b. */
export function predictorPass(data: Data, b: Float64Array, eta: Float64Array): number {
  const { x, mean, inv, y, n } = data;
  const p = x.length;
  const params = new Float64Array(1 + 2 * p);
  params[0] = b[0]!;
  for (let j = 0; j < p; j++) {
    params[1 + 2 * j] = b[j + 1]! * inv[j]!;
    params[2 + 2 * j] = mean[j]!;
  }
  const { partials, segments } = runSegments({ kernel: predictorKernel }, [y, eta, ...x], params, n, 1);
  let logLik = 0;
  for (let s = 0; s < segments; s++) logLik += partials[s]!;
  return logLik;
}
