// The disclosure rules in one place (methodology §9; DPIA: only aggregated information goes back to
// the provider). Everything a provider sees is built through these:
// - counts under the threshold are suppressed, with secondary suppression where a total would
//   give them back (suppression.ts);
// - no minimum or maximum is published: ages are shown as bands (which follow the same rules) and
//   a mean, since the extremes describe single people and, beside a suppressed band, reveal it;
// - attrition counts under the threshold read "fewer than 5";
// - after results were shared, a new version is issued only if every count in it differs from
//   every earlier version's by zero or by at least the threshold: otherwise the difference of two
//   versions would describe fewer people than the rule allows (a withdrawn person's ethnicity,
//   nationality and reoffending), and the shared figures stand with a note. Every count: those
//   published at the same path, and those a reader can work out in both versions from counts
//   that add up (derived-counts.ts: histogram bins that moved, suppressed cells with a total).
import type { Json } from '../../src/stage.ts';
import { suppress, SUPPRESSION_THRESHOLD } from './suppression.ts';
import { derivedDifferences, type DerivedDifference } from './derived-counts.ts';

export const DISCLOSURE_THRESHOLD = SUPPRESSION_THRESHOLD;
export const FEWER_THAN = `fewer than ${DISCLOSURE_THRESHOLD}`;

export interface ShownCount {
  key: string;
  /** null when suppressed */
  count: number | null;
  suppressed: boolean;
  /** 'primary' (under the threshold) or 'secondary' (hidden so a total cannot give back another) */
  reason: 'primary' | 'secondary' | null;
}

/** Counts that add up to a published total (attrition steps), suppressed as a table's cells are. */
export function suppressCounts(cells: { key: string; count: number }[]): ShownCount[] {
  return suppress(cells.map((c) => ({ category: c.key, count: c.count })), DISCLOSURE_THRESHOLD).map((c) => ({ key: c.category, count: c.suppressed ? null : c.count, suppressed: c.suppressed, reason: c.reason }));
}

/** The words for a suppressed count: "fewer than 5" for a small one, "some" for one hidden to protect it. */
export function suppressedWords(reason: ShownCount['reason']): string {
  return reason === 'primary' ? FEWER_THAN : 'some';
}

/**
 * A part of a published total (people of a group the register holds): shown only when neither it
 * nor the rest is a small count, since either gives the other back. null when withheld.
 */
export function shownPart(part: number, total: number): number | null {
  const small = (n: number) => n > 0 && n < DISCLOSURE_THRESHOLD;
  return small(part) || small(total - part) ? null : part;
}

/** Keys that hold a count of people in the results file (leaf names). */
const COUNT_KEYS = new Set(['n', 'count', 'total', 'treatment', 'comparison', 'submitted', 'treatment_reoffenders', 'comparison_reoffenders', 'in_register', 'known']);

/** Fields that name an element of an array, so two versions' arrays are compared element by element. */
const ELEMENT_KEYS = ['id', 'measure', 'section', 'category', 'reason'];

/** Every count of a results file by a stable path (array elements named by their id/measure/section/category/reason). */
export function countsByPath(value: Json, path = '$', out = new Map<string, number>()): Map<string, number> {
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      const named = v && typeof v === 'object' && !Array.isArray(v) ? ELEMENT_KEYS.find((k) => typeof (v as Record<string, Json>)[k] === 'string') : undefined;
      countsByPath(v, named ? `${path}[${named}=${(v as Record<string, Json>)[named]}]` : `${path}[${i}]`, out);
    });
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (typeof v === 'number' && COUNT_KEYS.has(k) && Number.isInteger(v)) out.set(`${path}.${k}`, v);
      else if (v && typeof v === 'object') countsByPath(v, `${path}.${k}`, out);
    }
  }
  return out;
}

export interface DifferencingProblem {
  /** The count's path; for a derived count, its set's path and the interval or group (derived-counts.ts). */
  path: string;
  /** 'count': published at this path in both versions; 'interval' or 'group': worked out in both (derived-counts.ts). */
  kind: 'count' | DerivedDifference['kind'];
  version: number;
  before: number;
  after: number;
}

/**
 * The counts of `current` that differ from an earlier version's by more than zero and less than
 * the threshold: each would let a reader of both versions learn about fewer people than the rule
 * allows. Empty when the new version may be issued. Compared: every count published at the same
 * path in both, and every count a reader can work out in both from the sets that add up
 * (derived-counts.ts: runs of histogram bins between boundaries common to both versions, counted
 * from either end too, and groups of categories whose suppressed cells a total gives back).
 * Unions of runs that are not adjacent, or of several category groups, are derivable too but are
 * not compared: after a withdrawal, which only removes people, any such union that differs by 1 to
 * 4 holds a run or group that does, so it is caught; a correction that moves people both ways
 * could hide a small net change in such a union, and checking every union would refuse almost any
 * correction.
 */
export function differencingProblems(earlier: { version: number; results: Json }[], current: Json, threshold = DISCLOSURE_THRESHOLD): DifferencingProblem[] {
  const now = countsByPath(current);
  const problems: DifferencingProblem[] = [];
  for (const e of earlier) {
    for (const [path, before] of countsByPath(e.results)) {
      const after = now.get(path);
      if (after === undefined) continue;
      const d = Math.abs(after - before);
      if (d > 0 && d < threshold) problems.push({ path, kind: 'count', version: e.version, before, after });
    }
    for (const p of derivedDifferences(e.results, current, threshold)) problems.push({ ...p, version: e.version });
  }
  return problems;
}
