// Student's t and the standard normal distribution, written out here because no package in the
// pinned stack provides them. The t CDF goes through the regularised incomplete beta function
// (continued fraction, modified Lentz), the normal CDF through the regularised incomplete gamma
// function, so both stay accurate to ~1e-14 far into the tails, where p-values live.
// Everything is a pure function of its arguments: same numbers in, same bits out.

const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** log Γ(x) for x > 0 (Lanczos, g = 7), relative error ~1e-15. */
export function logGamma(x: number): number {
  if (!(x > 0)) throw new RangeError('logGamma needs x > 0');
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x); // reflection keeps precision near 0
  const z = x - 1;
  let a = LANCZOS[0]!;
  const t = z + LANCZOS_G + 0.5;
  for (let i = 1; i < LANCZOS.length; i++) a += LANCZOS[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Stirling remainder log Γ(x) - [(x - 1/2) log x - x + log √(2π)] for x >= 10, error < 1e-14. */
function stirlingRemainder(x: number): number {
  const x2 = 1 / (x * x);
  return (1 / x) * (1 / 12 - x2 * (1 / 360 - x2 * (1 / 1260 - x2 * (1 / 1680 - x2 / 1188))));
}

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * log B(a, b). Subtracting log-gammas of large arguments loses digits (log Γ(5e4) ~ 5e5), so
 * for large arguments the Stirling terms that cancel are cancelled algebraically first, as in
 * R's lbeta.
 */
export function logBeta(a: number, b: number): number {
  const p = Math.min(a, b);
  const q = Math.max(a, b);
  if (p >= 10) {
    const corr = stirlingRemainder(p) + stirlingRemainder(q) - stirlingRemainder(p + q);
    return -0.5 * Math.log(q) + LOG_SQRT_2PI + corr + (p - 0.5) * Math.log(p / (p + q)) + q * Math.log1p(-p / (p + q));
  }
  if (q >= 10) {
    const corr = stirlingRemainder(q) - stirlingRemainder(p + q);
    return logGamma(p) + corr + p - p * Math.log(p + q) + (q - 0.5) * Math.log1p(-p / (p + q));
  }
  return logGamma(p) + logGamma(q) - logGamma(p + q);
}

const TINY = 1e-300;
const EPS = 1e-16;

/** Continued fraction for the incomplete beta function (Numerical Recipes betacf, modified Lentz). */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  // Convergence takes O(sqrt(max(a, b))) steps; a large cap covers df in the millions.
  for (let m = 1; m <= 100000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) return h;
  }
  throw new Error(`incomplete beta did not converge (a=${a}, b=${b}, x=${x})`);
}

/**
 * Regularised incomplete beta I_x(a, b) for 0 <= x <= 1, a, b > 0. `y` = 1 - x may be given
 * when the caller can compute it without cancellation (x near 1 loses digits in 1 - x).
 */
export function incompleteBeta(x: number, a: number, b: number, y = 1 - x): number {
  if (!(a > 0 && b > 0)) throw new RangeError('incompleteBeta needs a, b > 0');
  if (!(x >= 0 && x <= 1)) throw new RangeError('incompleteBeta needs 0 <= x <= 1');
  if (x === 0) return 0;
  if (x === 1) return 1;
  const logFront = a * Math.log(x) + b * Math.log(y) - logBeta(a, b);
  const front = Math.exp(logFront);
  // Use the continued fraction where it converges fast, the symmetry relation elsewhere.
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(x, a, b)) / a;
  return 1 - (front * betaContinuedFraction(y, b, a)) / b;
}

/** Regularised lower incomplete gamma P(a, x) and upper Q(a, x) = 1 - P(a, x). */
export function incompleteGamma(a: number, x: number): { lower: number; upper: number } {
  if (!(a > 0)) throw new RangeError('incompleteGamma needs a > 0');
  if (!(x >= 0)) throw new RangeError('incompleteGamma needs x >= 0');
  if (x === 0) return { lower: 0, upper: 1 };
  const logFront = -x + a * Math.log(x) - logGamma(a);
  if (x < a + 1) {
    // Series for P.
    let ap = a;
    let sum = 1 / a;
    let del = sum;
    for (let n = 0; n < 100000; n++) {
      ap += 1;
      del *= x / ap;
      sum += del;
      if (Math.abs(del) < Math.abs(sum) * EPS) {
        const lower = sum * Math.exp(logFront);
        return { lower, upper: 1 - lower };
      }
    }
    throw new Error('incomplete gamma series did not converge');
  }
  // Continued fraction for Q (modified Lentz).
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 100000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) {
      const upper = Math.exp(logFront) * h;
      return { lower: 1 - upper, upper };
    }
  }
  throw new Error('incomplete gamma continued fraction did not converge');
}

/** P(Z > |z|) for the standard normal, without cancellation in the tail. */
function normalUpperTail(absZ: number): number {
  return 0.5 * incompleteGamma(0.5, (absZ * absZ) / 2).upper;
}

/** Standard normal CDF Φ(z). */
export function normalCdf(z: number): number {
  if (Number.isNaN(z)) return NaN;
  const tail = normalUpperTail(Math.abs(z));
  return z >= 0 ? 1 - tail : tail;
}

/** P(T > |t|) for Student's t with df degrees of freedom (df may be fractional; Infinity = normal). */
function tUpperTail(absT: number, df: number): number {
  if (df === Infinity) return normalUpperTail(absT);
  const t2 = absT * absT;
  return 0.5 * incompleteBeta(df / (df + t2), df / 2, 0.5, t2 / (df + t2));
}

function checkDf(df: number): void {
  if (!(df > 0)) throw new RangeError('degrees of freedom must be > 0');
}

/** Student's t CDF P(T <= t). */
export function tCdf(t: number, df: number): number {
  checkDf(df);
  if (Number.isNaN(t)) return NaN;
  if (t === Infinity) return 1;
  if (t === -Infinity) return 0;
  const tail = tUpperTail(Math.abs(t), df);
  return t >= 0 ? 1 - tail : tail;
}

/** Two-sided p-value P(|T| >= |t|), computed from the tail directly (no 1 - x cancellation). */
export function tTwoSidedP(t: number, df: number): number {
  checkDf(df);
  if (Number.isNaN(t)) return NaN;
  if (!Number.isFinite(t)) return 0;
  return Math.min(1, 2 * tUpperTail(Math.abs(t), df));
}

/**
 * Quantile of Student's t: the t with P(T <= t) = p. Bisection on the upper tail to the last
 * representable digit: slow by numerical standards (a few hundred tail evaluations) but the
 * metrics stage needs a few dozen quantiles, and bisection cannot diverge.
 */
export function tQuantile(p: number, df: number): number {
  checkDf(df);
  if (!(p > 0 && p < 1)) {
    if (p === 0) return -Infinity;
    if (p === 1) return Infinity;
    throw new RangeError('quantile needs 0 <= p <= 1');
  }
  if (p === 0.5) return 0;
  const tail = Math.min(p, 1 - p);
  let lo = 0;
  let hi = 1;
  while (tUpperTail(hi, df) > tail) {
    lo = hi;
    hi *= 2;
    if (hi > 1e300) break;
  }
  for (let i = 0; i < 2000; i++) {
    const mid = lo + (hi - lo) / 2;
    if (mid === lo || mid === hi) break;
    if (tUpperTail(mid, df) > tail) lo = mid;
    else hi = mid;
  }
  const q = lo + (hi - lo) / 2;
  return p < 0.5 ? -q : q;
}

/** Quantile of the standard normal. */
export function normalQuantile(p: number): number {
  return tQuantile(p, Infinity);
}
