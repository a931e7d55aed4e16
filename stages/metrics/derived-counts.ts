// The counts a reader of two versions can work out in both, beyond the counts each publishes at
// the same path (disclosure.ts differencingProblems compares those). A results file holds count
// sets that add up: the histogram of match weights (ordered bins, whose boundaries move between
// versions when a tail is merged differently or the range moves), the profile's breakdowns, the
// attrition and the linkage tiers (categories with a published total, small cells suppressed),
// the sub-analyses (whose treatment groups split the headline's, a small one unpublished).
// A reader can add adjacent bins, count from either end, or take the total less the shown cells:
// each such count, derivable in both versions, that differs by 1 to 4 singles people out just as
// a published count would.
//
// What is derivable, in one version (the rule, applied to every count set below):
// - a shown cell is known; a suppressed cell is unknown (its flag says "fewer than 5" or
//   "hidden to protect another": a bound, not a count, and not used here);
// - a set of cells is known when it holds no suppressed cell (the sum of its shown cells), or when
//   it holds every suppressed cell of its set and the set's total is known: then it is the total
//   less the shown cells outside it (its complement). Holding some suppressed cells and not others,
//   it is unknown: the hidden cells' split is what suppression protects;
// - a category that a version does not list is an empty one (the report drops empty rows), known 0.
// Between two versions:
// - ordered bins (the histogram): the boundaries common to both versions, with -inf and +inf (no
//   entry lies outside a histogram's range), cut the axis into common intervals; every run of
//   them, [a, b) for common boundaries a < b, is a count the reader may compute in each version,
//   so the cumulative counts from either end and the total are among them. The suppressed cells of
//   either version, gathered, are one more set (known through the total) when they are not already
//   a run. A stretch empty in both versions joins its neighbour, so that one set of people is
//   compared once, under one name;
// - categories: a suppressed cell is known only together with the other suppressed cells of its
//   version, so the categories fall into groups, the smallest sets each known in both versions
//   (a category shown in both is a group of its own; cells hidden in either version are joined).
// A derived count that is one cell published at the same path in both versions is left to the
// path-by-path comparison, so nothing is reported twice. Unions of runs that are not adjacent,
// and unions of several groups, are derivable too and are not compared here (disclosure.ts says why).
//
// A column total of the histogram is not in the results file. The found column's is taken from the
// attrition, as the annex says a reader can (linkage-annex.ts: the rows found are the rows submitted
// less the unusable, duplicated, unmatched and uncertain ones; so in request 123's match reports:
// 630 submitted, 12 duplicated, then found = cohort rows - no_match - suspect), when that set of
// losses is known in that version; the discarded column's (which leaves out entries with no
// candidate) is unknown.
import type { Json } from '../../src/stage.ts';

type O = Record<string, Json>;
const isO = (x: Json | undefined): x is O => typeof x === 'object' && x !== null && !Array.isArray(x);
const arr = (x: Json | undefined): Json[] => (Array.isArray(x) ? x : []);
const int = (x: Json | undefined): number | null => (typeof x === 'number' && Number.isInteger(x) ? x : null);

/** A cell of a count set: null count when suppressed; `published` is its path when the path-by-path comparison holds it. */
export interface CountCell {
  key: string;
  count: number | null;
  published: string | null;
}

/** Categories adding up to a total (null when the total is not published). */
export interface CategorySet {
  kind: 'categories';
  path: string;
  total: number | null;
  cells: CountCell[];
}

/** Bins [from, to) of an axis in order, adding up to a total (null when unknown). */
export interface OrderedSet {
  kind: 'ordered';
  path: string;
  total: number | null;
  bins: (CountCell & { from: number; to: number })[];
}

export type CountSet = CategorySet | OrderedSet;

export interface DerivedDifference {
  /** A stable name of the derived count: the set's path, then the interval or the group. */
  path: string;
  kind: 'interval' | 'group';
  before: number;
  after: number;
}

/** Losses that keep an entry out of the histogram's found column (linkage-annex.ts). */
const NOT_FOUND = ['unusable', 'duplicates', 'no_match', 'suspect'];

/** Every count set of a results file, by path. */
export function countSets(results: Json): Map<string, CountSet> {
  const out = new Map<string, CountSet>();
  const add = (s: CountSet) => out.set(s.path, s);
  if (!isO(results)) return out;
  for (const box of ['profile', 'not_included'] as const) {
    const p = results[box];
    if (!isO(p)) continue;
    for (const s of arr(p.sections)) {
      if (!isO(s) || typeof s.section !== 'string') continue;
      const path = `$.${box}.sections[section=${s.section}]`;
      add({
        kind: 'categories',
        path,
        total: int(s.total),
        cells: arr(s.cells).filter(isO).filter((c) => typeof c.category === 'string').map((c) => ({ key: c.category as string, count: int(c.count), published: int(c.count) === null ? null : `${path}.cells[category=${c.category}].count` })),
      });
    }
    // Those the register holds and the rest, of the n described (total adds the unusable entries).
    if (box === 'not_included' && int(p.n) !== null) {
      add({
        kind: 'categories',
        path: '$.not_included',
        total: int(p.n),
        cells: [
          { key: 'in_register', count: int(p.in_register), published: int(p.in_register) === null ? null : '$.not_included.in_register' },
          // outside_register is not among the compared keys: it is a derived count here.
          { key: 'outside_register', count: int(p.outside_register), published: null },
        ],
      });
    }
  }
  // Sub-analyses split the headline's treatment group by a column's values (metrics/stage.ts):
  // their treatment groups, and their reoffenders, add up to the headline's; one not published
  // carries no sizes, so it is known only as the headline's less the published ones.
  const analyses = arr(results.analyses).filter(isO);
  const headline = analyses.find((a) => a.id === 'headline');
  const sizes = (a: O) => (isO(a.group_sizes) ? a.group_sizes : {});
  if (headline) {
    const columns = [...new Set(analyses.map((a) => String(a.id)).filter((id) => id.includes(':')).map((id) => id.slice(0, id.indexOf(':'))))];
    for (const col of columns) {
      const parts = analyses.filter((a) => String(a.id).startsWith(`${col}:`));
      for (const key of ['treatment', 'treatment_reoffenders']) {
        add({
          kind: 'categories',
          path: `$.analyses[by=${col}].${key}`,
          total: int(sizes(headline)[key]),
          cells: parts.map((a) => {
            const n = int(sizes(a)[key]);
            return { key: String(a.id).slice(col.length + 1), count: n, published: n === null ? null : `$.analyses[id=${a.id}].group_sizes.${key}` };
          }),
        });
      }
    }
  }
  const attrition = attritionSet(results);
  if (attrition) add(attrition);
  const linkage = results.linkage;
  if (isO(linkage) && int(linkage.total) !== null) {
    add({
      kind: 'categories',
      path: '$.linkage.tiers',
      total: int(linkage.total),
      cells: arr(linkage.tiers).filter(isO).map((t, i) => ({ key: String(t.tier), count: int(t.count), published: int(t.count) === null ? null : `$.linkage.tiers[${i}].count` })),
    });
  }
  const model = results.linkage_model;
  const histogram = isO(model) ? model.histogram : undefined;
  if (isO(histogram)) {
    const bins = arr(histogram.bins).filter(isO);
    for (const column of ['found', 'discarded']) {
      const cells = bins.map((b) => {
        const cell = arr(b.cells).filter(isO).find((c) => c.category === column);
        const count = cell ? int(cell.count) : 0;
        return { key: String(b.category), from: b.from_bits as number, to: b.to_bits as number, count, published: count === null ? null : `$.linkage_model.histogram.bins[category=${b.category}].cells[category=${column}].count` };
      });
      if (cells.some((c) => typeof c.from !== 'number' || typeof c.to !== 'number')) continue;
      const shown = cells.every((c) => c.count !== null) ? cells.reduce((s, c) => s + c.count!, 0) : null;
      let total = shown;
      if (total === null && column === 'found' && attrition && int((results.attrition as O).submitted) !== null) {
        const lost = groupValue(attrition, new Set(NOT_FOUND));
        if (lost !== null) total = int((results.attrition as O).submitted)! - lost;
      }
      add({ kind: 'ordered', path: `$.linkage_model.histogram[${column}]`, total, bins: cells });
    }
  }
  return out;
}

/** The attrition: the losses and the treatment group add up to the entries submitted. */
function attritionSet(results: O): CategorySet | null {
  const a = results.attrition;
  if (!isO(a) || int(a.submitted) === null) return null;
  const cells: CountCell[] = arr(a.losses).filter(isO).filter((l) => typeof l.reason === 'string').map((l) => ({ key: l.reason as string, count: int(l.count), published: int(l.count) === null ? null : `$.attrition.losses[reason=${l.reason}].count` }));
  if (int(a.treatment) === null) return null;
  cells.push({ key: 'treatment', count: int(a.treatment), published: '$.attrition.treatment' });
  return { kind: 'categories', path: '$.attrition', total: int(a.submitted), cells };
}

/**
 * The count of a set of cells in one version, or null when a reader cannot work it out: the sum of
 * its shown cells when it holds no suppressed cell, the total less the shown cells outside it when
 * it holds every suppressed cell and the total is known. A key the version does not list counts 0.
 */
function value<C extends CountCell>(cells: C[], total: number | null, inside: (c: C) => boolean): number | null {
  let shownIn = 0;
  let shownOut = 0;
  let hiddenIn = 0;
  let hiddenOut = 0;
  cells.forEach((c) => {
    const into = inside(c);
    if (c.count === null) into ? hiddenIn++ : hiddenOut++;
    else if (into) shownIn += c.count;
    else shownOut += c.count;
  });
  if (hiddenIn === 0) return shownIn;
  if (hiddenOut === 0 && total !== null) return total - shownOut;
  return null;
}

function groupValue(set: CategorySet, keys: Set<string>): number | null {
  return value(set.cells, set.total, (c) => keys.has(c.key));
}

const differs = (before: number, after: number, threshold: number) => {
  const d = Math.abs(after - before);
  return d > 0 && d < threshold;
};

/** Categories: the groups known in both versions (suppressed cells of either version joined). */
function categoryDifferences(a: CategorySet, b: CategorySet, threshold: number): DerivedDifference[] {
  const keys = [...new Set([...a.cells.map((c) => c.key), ...b.cells.map((c) => c.key)])];
  const group = new Map(keys.map((k) => [k, k]));
  const find = (k: string): string => (group.get(k) === k ? k : find(group.get(k)!));
  for (const v of [a, b]) {
    const hidden = v.cells.filter((c) => c.count === null).map((c) => c.key);
    for (const k of hidden.slice(1)) group.set(find(k), find(hidden[0]!));
  }
  const groups = new Map<string, string[]>();
  for (const k of keys) groups.set(find(k), [...(groups.get(find(k)) ?? []), k]);
  const out: DerivedDifference[] = [];
  for (const members of groups.values()) {
    const cell = (v: CategorySet) => v.cells.find((c) => c.key === members[0]);
    if (members.length === 1 && cell(a)?.published && cell(a)?.published === cell(b)?.published) continue;
    // Every category: the total, which the path-by-path comparison holds where it is published.
    if (members.length === keys.length && a.total !== null && b.total !== null) continue;
    const set = new Set(members);
    const before = groupValue(a, set);
    const after = groupValue(b, set);
    if (before === null || after === null || !differs(before, after, threshold)) continue;
    out.push({ path: `${a.path}{${members.join('+')}}`, kind: 'group', before, after });
  }
  return out;
}

/** A boundary as compared: equal to a millionth of a bit is equal, so float noise in a merged edge does not hide a common boundary. */
const edge = (x: number) => (Number.isFinite(x) ? Math.round(x * 1e6) / 1e6 : x);

function intervalName(from: number, to: number): string {
  const f = from === -Infinity ? '(-inf' : `[${from}`;
  const t = to === Infinity ? '+inf)' : `${to})`;
  return `${f},${t}`;
}

/** Ordered bins: every run of the intervals between boundaries common to both versions, and the suppressed cells gathered. */
function orderedDifferences(a: OrderedSet, b: OrderedSet, threshold: number): DerivedDifference[] {
  const edges = (v: OrderedSet) => new Set([-Infinity, Infinity, ...v.bins.flatMap((x) => [edge(x.from), edge(x.to)])]);
  const inB = edges(b);
  const boundaries = [...edges(a)].filter((x) => inB.has(x)).sort((x, y) => x - y);
  // A stretch empty in both versions adds no one: its boundary is dropped (the stretch joins the
  // interval before it, or at the low end the one after), so that one set of people is compared
  // once, under one name, and the ends of the range read as counts from either end.
  const empty = (k: number) => [a, b].every((v) => v.bins.every((x) => x.count === 0 || edge(x.from) < boundaries[k]! || edge(x.from) >= boundaries[k + 1]!));
  const common = boundaries.filter((_, k) => k === 0 || k === boundaries.length - 1 || !(empty(k) || [...Array(k).keys()].every(empty)));
  // The common interval each bin falls in (a bin lies inside one: its edges are boundaries of its version).
  const atomIndex = new Map<number, number>();
  const atomOf = (x: { from: number }) => {
    const from = edge(x.from);
    if (!atomIndex.has(from)) atomIndex.set(from, common.findLastIndex((c) => c <= from));
    return atomIndex.get(from)!;
  };
  const atoms = common.length - 1;
  const out: DerivedDifference[] = [];
  for (let i = 0; i < atoms; i++) {
    for (let j = i + 1; j <= atoms; j++) {
      const inside = (x: { from: number }) => {
        const k = atomOf(x);
        return k >= i && k < j;
      };
      // One bin at the same place in both versions, shown in both (beside empty ones): the
      // path-by-path comparison's.
      const only = (v: OrderedSet) => v.bins.filter((x) => inside(x) && x.count !== 0);
      const [oa, ob] = [only(a), only(b)];
      if (oa.length === 1 && ob.length === 1 && oa[0]!.published && oa[0]!.published === ob[0]!.published) continue;
      const before = value(a.bins, a.total, inside);
      const after = value(b.bins, b.total, inside);
      if (before === null || after === null || !differs(before, after, threshold)) continue;
      out.push({ path: `${a.path}${intervalName(common[i]!, common[j]!)}`, kind: 'interval', before, after });
    }
  }
  // The suppressed cells of both versions gathered in common intervals: known through the totals.
  const hiddenAtoms = new Set([...a.bins, ...b.bins].filter((x) => x.count === null).map(atomOf));
  const sorted = [...hiddenAtoms].sort((x, y) => x - y);
  const isRun = sorted.length > 0 && sorted.at(-1)! - sorted[0]! === sorted.length - 1;
  if (sorted.length > 0 && !isRun) {
    const inside = (x: { from: number }) => hiddenAtoms.has(atomOf(x));
    const before = value(a.bins, a.total, inside);
    const after = value(b.bins, b.total, inside);
    if (before !== null && after !== null && differs(before, after, threshold)) {
      out.push({ path: `${a.path}${sorted.map((k) => intervalName(common[k]!, common[k + 1]!)).join('+')}`, kind: 'group', before, after });
    }
  }
  return out;
}

/** The derived counts of two versions that differ by more than zero and less than the threshold. */
export function derivedDifferences(before: Json, after: Json, threshold: number): DerivedDifference[] {
  const now = countSets(after);
  const out: DerivedDifference[] = [];
  for (const [path, a] of countSets(before)) {
    const b = now.get(path);
    if (!b) continue;
    if (a.kind === 'ordered' && b.kind === 'ordered') out.push(...orderedDifferences(a, b, threshold));
    else if (a.kind === 'categories' && b.kind === 'categories') out.push(...categoryDifferences(a, b, threshold));
  }
  return out;
}
