// The service's rounding rules (methodology §9), as pure formatting functions shared by the
// report and the results file. Rounding is half away from zero on the decimal representation
// (so 0.125 -> 0.13 and 2.675 -> 2.68, as a reader doing it by hand would), never to -0.

/** Round half away from zero to `dp` decimals, using the shortest decimal string of x. */
export function roundHalfAway(x: number, dp = 0): number {
  if (!Number.isFinite(x)) return x;
  const sign = x < 0 ? -1 : 1;
  // Shift the decimal point in the string, not by multiplying, so 1.005 stays 1.005 exactly;
  // the exponent is handled for numbers JS prints in exponent form (1e-7, 1e21).
  const [mantissa, exponent] = String(Math.abs(x)).split('e');
  const shifted = Number(`${mantissa}e${Number(exponent ?? 0) + dp}`);
  const [m2, e2] = String(Math.round(shifted)).split('e');
  const r = sign * Number(`${m2}e${Number(e2 ?? 0) - dp}`);
  return r === 0 ? 0 : r; // no "-0"
}

/** Fixed decimals after rounding half away from zero. */
export function fixed(x: number, dp: number): string {
  return roundHalfAway(x, dp).toFixed(dp);
}

/** Thousands separators, locale-independent: 113554 -> "113,554". */
export function withThousands(n: number): string {
  const [intPart, frac] = String(Math.abs(n)).split('.');
  const grouped = intPart!.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${n < 0 ? '-' : ''}${grouped}${frac ? `.${frac}` : ''}`;
}

/** A whole number with separators, after rounding. */
export function whole(x: number): string {
  return withThousands(roundHalfAway(x, 0));
}

/** A proportion as a whole percentage number (no sign): 0.246 -> "25". */
export function percentFromProportion(p: number): string {
  return whole(p * 100);
}

/** p-values to 2 dp, "<0.01" when they round to zero. */
export function formatP(p: number): string {
  const r = roundHalfAway(p, 2);
  return r === 0 ? '<0.01' : r.toFixed(2);
}

/** Attrition percentages: whole numbers, "<1%" for a non-zero share that rounds to 0. */
export function attritionPercent(part: number, whole_: number): string {
  if (whole_ <= 0) return '0%';
  const pct = (100 * part) / whole_;
  const r = roundHalfAway(pct, 0);
  return part > 0 && r === 0 ? '<1%' : `${r}%`;
}

export type MeasureKind = 'rate' | 'frequency' | 'time';

/** Decimals used in tables for a measure's means and intervals (methodology §9). */
export function tableDecimals(kind: MeasureKind): number {
  return kind === 'frequency' ? 2 : 0;
}

/** Scale from a group mean to the unit shown: rates as %, the rest as they are. */
export function displayScale(kind: MeasureKind): number {
  return kind === 'rate' ? 100 : 1;
}

/** A mean or bound as shown in Tables 1-7: rate 0 dp %, frequency 2 dp, days 0 dp. */
export function tableValue(kind: MeasureKind, x: number): string {
  return fixedWithThousands(x * displayScale(kind), tableDecimals(kind));
}

/** An interval as shown in the tables: "lo to hi". */
export function tableInterval(kind: MeasureKind, lower: number, upper: number): string {
  return `${tableValue(kind, lower)} to ${tableValue(kind, upper)}`;
}

function fixedWithThousands(x: number, dp: number): string {
  const s = fixed(x, dp);
  const [i, f] = s.replace('-', '').split('.');
  const grouped = i!.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${s.startsWith('-') ? '-' : ''}${grouped}${f !== undefined ? `.${f}` : ''}`;
}

export const ROUNDING_NOTE = 'Please note totals may not appear to equal the sum of the component parts due to rounding.';

/**
 * Whether a shown difference disagrees with the difference of the shown (rounded) group values,
 * which is when the report must print the rounding note. `scale`/`dp` are those of the display.
 */
export function roundingMismatch(treat: number, comparison: number, scale: number, dp: number): boolean {
  const shownDiff = roundHalfAway((treat - comparison) * scale, dp);
  const diffOfShown = roundHalfAway(roundHalfAway(treat * scale, dp) - roundHalfAway(comparison * scale, dp), dp);
  return Math.abs(shownDiff) !== Math.abs(diffOfShown);
}
