// Corrected results (DPIA: a provider may send corrected data, or withdraw people; results already
// shared are then re-issued with an explanation). Each time results are shared, `share` freezes
// them as shared/v<N>-results.json in the request folder. When the figures now differ from the
// last shared version, the report becomes version N+1 with an erratum built from the two results
// files alone: what the provider changed (from the file name and number of entries, never a
// value), then the changes that alter what the report says (a significance that flips, an
// interval that now crosses zero, the summary, the group sizes), then changed wording, then every
// other changed figure, each with a label a reader understands and numbers as the report prints
// them.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Json } from '../../src/stage.ts';
import { MEASURES } from '../metrics/measures.ts';
import { withThousands } from '../metrics/rounding.ts';

export interface SharedVersion {
  version: number;
  shared_on: string;
  results: Record<string, Json>;
}

export interface Change {
  what: string;
  before: string;
  after: string;
}

export interface Erratum {
  /** The report's version: 1 until results were shared, then N, or N+1 once the figures change. */
  version: number;
  replaces: { version: number; shared_on: string } | null;
  /** The first sentence: the most serious change, in words. */
  lead: string;
  /** What the provider changed, without personal data. */
  why: string;
  /** Changes that alter what the report says, most serious first. */
  material: string[];
  /** Changed sentences, whole. */
  wording: Change[];
  /** Every other changed figure. */
  changes: Change[];
}

const FILE = /^v(\d+)-results\.json$/;

export function readShared(dir: string | undefined): SharedVersion[] {
  if (!dir || !existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => FILE.test(f))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as SharedVersion)
    .sort((a, b) => a.version - b.version);
}

/**
 * The figures of a results file: what a reader compares, without provenance, versioning, source,
 * or the report's date (sharing sets dates.results_shared, which dates the report: that alone is
 * not a new version).
 */
export function figures(results: Record<string, Json>): Record<string, Json> {
  const { provenance: _p, report_version: _v, erratum: _e, source: _s, approval: _a, report_date: _d, ...rest } = results;
  return rest;
}

// ---------------------------------------------------------------------------------------------
// Reading a results file loosely: an older version may lack a field; a missing field is skipped.

type O = Record<string, Json>;
const isO = (x: Json | undefined): x is O => typeof x === 'object' && x !== null && !Array.isArray(x);
const arr = (x: Json | undefined): Json[] => (Array.isArray(x) ? x : []);
const get = (o: Json | undefined, path: string): Json | undefined => {
  let v: Json | undefined = o;
  for (const k of path.split('.')) v = isO(v) ? v[k] : undefined;
  return v;
};

const UNIT_SUFFIX: Record<string, string> = { rate: '%', frequency: '', time: ' days' };
const DIFF_SUFFIX: Record<string, string> = { rate: ' percentage points', frequency: ' per person', time: ' days' };

function kindOf(measure: string): string {
  return MEASURES.find((m) => m.id === measure)?.kind ?? 'frequency';
}

function label(measure: string): string {
  return MEASURES.find((m) => m.id === measure)?.label ?? measure.replace(/_/g, ' ');
}

/** A primitive as the report prints it; objects never reach here (no "[object Object]"). */
function show(v: Json | undefined, suffix = ''): string {
  if (v === undefined || v === null) return 'not shown';
  if (typeof v === 'boolean') return v ? 'Yes' : 'No';
  if (typeof v === 'number') return `${withThousands(v)}${suffix}`;
  if (typeof v === 'string') return `${v}${suffix && /\d$/.test(v) ? suffix : ''}`;
  return 'not shown';
}

function byKey(list: Json[], key: string): Map<string, O> {
  const m = new Map<string, O>();
  for (const x of list) if (isO(x) && typeof x[key] === 'string') m.set(x[key] as string, x);
  return m;
}

function crossesZero(d: Json | undefined): boolean | null {
  const lo = get(d, 'lower');
  const hi = get(d, 'upper');
  if (typeof lo !== 'number' || typeof hi !== 'number') return null;
  return lo <= 0 && hi >= 0;
}

function intervalText(d: Json | undefined, kind: string): string {
  const printed = get(d, 'printed');
  if (typeof printed === 'string') return `${printed}${DIFF_SUFFIX[kind]}`;
  const lo = get(d, 'lower');
  const hi = get(d, 'upper');
  return typeof lo === 'number' && typeof hi === 'number' ? `${withThousands(lo)} to ${withThousands(hi)}${DIFF_SUFFIX[kind]}` : 'not shown';
}

/** What the provider changed, from the source file's name and its number of entries (never a value). */
function whyText(before: Json | undefined, after: Json | undefined): string {
  const fileBefore = get(before, 'cohort_file');
  const file = get(after, 'cohort_file');
  const was = get(before, 'entries');
  const now = get(after, 'entries');
  // Same people (results.source's cohort fingerprint and withdrawn count): the lab's own analysis changed.
  const hashBefore = get(before, 'cohort_sha256');
  if (typeof hashBefore === 'string' && hashBefore === get(after, 'cohort_sha256') && typeof get(before, 'withdrawn') === 'number' && get(before, 'withdrawn') === get(after, 'withdrawn'))
    return `After those results were shared, the Justice Data Lab found an error in its own analysis and corrected it. The data the figures come from has not changed (the same ${typeof now === 'number' ? `${withThousands(now)} ` : ''}entries); the corrected figures replace the ones shared.`;
  const fileText = typeof file === 'string' && file.startsWith('corrections/') ? `a corrected data file (${file})` : 'corrected data';
  const rerun = 'The analysis was run again on it.';
  if (typeof was !== 'number' || typeof now !== 'number') return typeof file === 'string' && file !== fileBefore && file.startsWith('corrections/') ? `After those results were shared, the organisation sent ${fileText}. ${rerun}` : 'The analysis was run again after those results were shared.';
  if (now < was) {
    const n = was - now;
    return `After those results were shared, the organisation sent ${fileText} with ${withThousands(n)} ${n === 1 ? 'entry' : 'entries'} fewer (${withThousands(was)} → ${withThousands(now)}): a withdrawal or a correction. ${rerun}`;
  }
  if (now > was) {
    const n = now - was;
    return `After those results were shared, the organisation sent ${fileText} with ${withThousands(n)} ${n === 1 ? 'entry' : 'entries'} more (${withThousands(was)} → ${withThousands(now)}). ${rerun}`;
  }
  if (typeof file === 'string' && file !== fileBefore) return `After those results were shared, the organisation sent ${fileText} with the same number of entries (${withThousands(now)}) and some details corrected. ${rerun}`;
  return `The analysis was run again after those results were shared. The data file has the same name and number of entries (${withThousands(now)}), so the change lies in the details of the data or in the analysis itself.`;
}

/** Top-level parts of the results that a version shared before they existed does not have. */
const ADDED_SINCE = new Set(['linkage_model']);

/** Which version this report is, and what changed since the last version that was shared. */
export function erratum(shared: SharedVersion[], current: Record<string, Json>): Erratum {
  const last = shared.at(-1);
  const none = (version: number): Erratum => ({ version, replaces: null, lead: '', why: '', material: [], wording: [], changes: [] });
  if (!last) return none(1);
  const a = figures(last.results);
  // A part of the results added to the report after a version was shared (the annex on linkage)
  // is not a correction of what was shared: compared only once a shared version has it.
  const b = Object.fromEntries(Object.entries(figures(current)).filter(([k]) => k in a || !ADDED_SINCE.has(k)));
  if (JSON.stringify(a) === JSON.stringify(b)) return none(last.version);

  const material: { rank: number; text: string }[] = [];
  const wording: Change[] = [];
  const changes: Change[] = [];
  const change = (what: string, x: Json | undefined, y: Json | undefined, suffix = '') => {
    if (x === undefined && y === undefined) return;
    if (JSON.stringify(x) === JSON.stringify(y)) return;
    changes.push({ what, before: show(x, suffix), after: show(y, suffix) });
  };
  const v = last.version;

  // Publishable at all.
  if (a.publishable !== b.publishable) material.push({ rank: 0, text: b.publishable ? `The analysis now meets the minimum criteria for publication; version ${v} gave no results.` : `The analysis no longer meets the minimum criteria for publication: no results are given (version ${v} gave results).` });

  // Measures, analysis by analysis.
  const analysesA = byKey(arr(a.analyses), 'id');
  for (const an of arr(b.analyses)) {
    if (!isO(an)) continue;
    const id = an.id as string;
    const prefix = id === 'headline' ? '' : `${String(an.label ?? id)}: `;
    const old = analysesA.get(id);
    const gsA = get(old, 'group_sizes');
    const gsB = an.group_sizes;
    const sizeLabels: [string, string][] = [
      ['treatment', 'treatment group, people'],
      ['treatment_reoffenders', 'treatment group, reoffenders'],
      ['comparison', 'comparison group, people'],
      ['comparison_reoffenders', 'comparison group, reoffenders (unweighted)'],
      ['comparison_weighted_reoffenders', 'comparison group, weighted reoffenders'],
      ['comparison_effective', 'comparison group, effective size'],
    ];
    const sizeChanges = sizeLabels.filter(([k]) => JSON.stringify(get(gsA, k)) !== JSON.stringify(get(gsB, k)) && (get(gsA, k) !== undefined || get(gsB, k) !== undefined));
    for (const [k, l] of sizeLabels) change(`${prefix}Group sizes: ${l}`, get(gsA, k), get(gsB, k));
    const main = sizeChanges.filter(([k]) => k === 'treatment' || k === 'comparison');
    if (main.length) material.push({ rank: 3, text: `${prefix}Group sizes changed: ${main.map(([k, l]) => `${l} ${show(get(gsA, k))} → ${show(get(gsB, k))}`).join('; ')}.` });

    const measuresA = byKey(arr(get(old, 'measures')), 'measure');
    for (const m of arr(an.measures)) {
      if (!isO(m)) continue;
      const id2 = m.measure as string;
      const k = kindOf(id2);
      const name = `${prefix}${label(id2)}`;
      const o = measuresA.get(id2);
      if (!o) continue;
      if (o.shown !== m.shown) {
        material.push({ rank: 1, text: m.shown ? `${name}: now shown (version ${v} withheld it).` : `${name}: now withheld (${String(m.withheld_reason ?? 'disclosure rules').replace(/_/g, ' ')}); version ${v} showed it.` });
        continue;
      }
      if (!m.shown) continue;
      const sigA = o.significant;
      const sigB = m.significant;
      if (typeof sigA === 'boolean' && typeof sigB === 'boolean' && sigA !== sigB) {
        material.push({
          rank: 0,
          text: `${name}: the difference is ${sigB ? 'now statistically significant' : 'no longer statistically significant'} (p-value ${show(o.p_display)} → ${show(m.p_display)}; 95% interval ${intervalText(o.difference, k)} → ${intervalText(m.difference, k)}).`,
        });
      } else {
        const ca = crossesZero(o.difference);
        const cb = crossesZero(m.difference);
        if (ca !== null && cb !== null && ca !== cb) material.push({ rank: 1, text: `${name}: the 95% interval ${cb ? 'now crosses zero' : 'no longer crosses zero'} (${intervalText(o.difference, k)} → ${intervalText(m.difference, k)}).` });
      }
      const unit = UNIT_SUFFIX[k]!;
      change(`${name}: treatment group, number`, get(o, 'treatment.n'), get(m, 'treatment.n'));
      change(`${name}: treatment group`, get(o, 'treatment.mean'), get(m, 'treatment.mean'), unit);
      change(`${name}: comparison group, number (unweighted)`, get(o, 'comparison.n'), get(m, 'comparison.n'));
      change(`${name}: comparison group (weighted)`, get(o, 'comparison.mean'), get(m, 'comparison.mean'), unit);
      change(`${name}: comparison group, effective size`, get(o, 'comparison.effective_n'), get(m, 'comparison.effective_n'));
      change(`${name}: estimated difference`, get(o, 'difference.estimate'), get(m, 'difference.estimate'), DIFF_SUFFIX[k]);
      const ia = intervalText(o.difference, k);
      const ib = intervalText(m.difference, k);
      if (ia !== ib) changes.push({ what: `${name}: 95% confidence interval of the difference`, before: ia, after: ib });
      change(`${name}: p-value`, o.p_display, m.p_display);
      change(`${name}: statistically significant`, sigA, sigB);
      // number_needed only where the report prints it (a headline rate that is not significant).
      const nnA = get(o, 'number_needed.shown') === true ? get(o, 'number_needed.value') : undefined;
      const nnB = get(m, 'number_needed.shown') === true ? get(m, 'number_needed.value') : undefined;
      change(`${name}: treatment group size for an 80% chance of a significant result, if the observed difference were true`, nnA ?? null, nnB ?? null);
    }
  }

  // Sentences, whole.
  const sentence = (what: string, x: Json | undefined, y: Json | undefined) => {
    if (JSON.stringify(x ?? null) === JSON.stringify(y ?? null)) return;
    if (x === undefined && y === undefined) return;
    const s = (z: Json | undefined) => (typeof z === 'string' ? z : Array.isArray(z) ? z.filter((t) => typeof t === 'string').join(' ') : z === null || z === undefined ? '(none)' : '(none)');
    wording.push({ what, before: s(x), after: s(y) });
  };
  if (a.summary !== b.summary && typeof b.summary === 'string') material.push({ rank: 2, text: `The summary now reads: “${b.summary}” Version ${v} said: “${typeof a.summary === 'string' ? a.summary : '(no summary)'}”` });
  sentence('Summary', a.summary, b.summary);
  const headA = byKey(arr(get(a, 'text.headline')), 'measure');
  for (const h of arr(get(b, 'text.headline'))) {
    if (!isO(h)) continue;
    const o = headA.get(h.measure as string);
    const topic = label(h.measure as string).toLowerCase();
    sentence(`Overall measurements: the ${topic} of the treatment group`, o?.treatment, h.treatment);
    sentence(`Overall estimates: the ${topic}`, o?.estimate, h.estimate);
    sentence(`What you can say about the ${topic}`, o?.can_say, h.can_say);
    sentence(`What you cannot say about the ${topic}`, o?.cannot_say, h.cannot_say);
  }
  sentence('Introduction', get(a, 'text.intro'), get(b, 'text.intro'));
  sentence('Notes on fragile results', get(a, 'text.fragile_notes'), get(b, 'text.fragile_notes'));
  sentence('Number of people needed', get(a, 'text.number_needed'), get(b, 'text.number_needed'));
  sentence('Significant results', get(a, 'text.significant_intro'), get(b, 'text.significant_intro'));
  const bulletsA = arr(a.significant_results).map((x) => get(x, 'text')).filter((x) => typeof x === 'string');
  const bulletsB = arr(b.significant_results).map((x) => get(x, 'text')).filter((x) => typeof x === 'string');
  sentence('Significant results: evidence that', bulletsA.length ? bulletsA.join('; ') : '(none)', bulletsB.length ? bulletsB.join('; ') : '(none)');
  sentence('How the comparison group was built', get(a, 'text.method'), get(b, 'text.method'));
  sentence('Matching quality', get(a, 'matching.summary'), get(b, 'matching.summary'));

  // Other figures: attrition, linkage, profiles, matching.
  change('People submitted (entries)', get(a, 'attrition.submitted'), get(b, 'attrition.submitted'));
  const lossA = byKey(arr(get(a, 'attrition.losses')), 'reason');
  const lossB = byKey(arr(get(b, 'attrition.losses')), 'reason');
  for (const r of new Set([...lossA.keys(), ...lossB.keys()])) {
    const t = (lossB.get(r) ?? lossA.get(r))!;
    change(`Not in the treatment group: ${String(t.text ?? r.replace(/_/g, ' '))}`, lossA.get(r)?.count ?? 0, lossB.get(r)?.count ?? 0);
  }
  change('Treatment group (people)', get(a, 'attrition.treatment'), get(b, 'attrition.treatment'));
  change('Comparison group (people)', get(a, 'attrition.comparison'), get(b, 'attrition.comparison'));
  const tierA = byKey(arr(get(a, 'linkage.tiers')), 'tier');
  const tierB = byKey(arr(get(b, 'linkage.tiers')), 'tier');
  for (const t of new Set([...tierA.keys(), ...tierB.keys()])) change(`Found on the register by ${t}`, tierA.get(t)?.count ?? 0, tierB.get(t)?.count ?? 0);
  change('Found on the register, total', get(a, 'linkage.total'), get(b, 'linkage.total'));
  for (const [key, title] of [['profile', 'Profile of the treatment group'], ['not_included', 'Participants not included']] as const) {
    change(`${title}: people`, get(a, `${key}.${key === 'not_included' ? 'total' : 'n'}`), get(b, `${key}.${key === 'not_included' ? 'total' : 'n'}`));
    const secA = byKey(arr(get(a, `${key}.sections`)), 'section');
    for (const s of arr(get(b, `${key}.sections`))) {
      if (!isO(s)) continue;
      const sa = secA.get(s.section as string);
      const cellsA = byKey(arr(sa?.cells), 'category');
      const section = String(s.section).replace(/_/g, ' ');
      for (const c of arr(s.cells)) {
        if (!isO(c)) continue;
        const ca = cellsA.get(c.category as string);
        const cell = (z: O | undefined) => (z === undefined ? undefined : z.suppressed === true ? '~' : z.count);
        change(`${title}, ${section}: ${String(c.category)} (number)`, cell(ca), cell(c));
        change(`${title}, ${section}: ${String(c.category)} (per cent)`, ca?.suppressed === true ? '~' : ca?.percent, c.suppressed === true ? '~' : c.percent, '%');
      }
    }
    change(`${title}: mean age`, get(a, `${key}.age.mean`), get(b, `${key}.age.mean`));
  }
  // The annex on linkage: the model's parameters and the histogram of match weights.
  sentence('Annex: how people were found on the register', get(a, 'linkage_model.text'), get(b, 'linkage_model.text'));
  change('Linkage: match probability needed to link', get(a, 'linkage_model.threshold_percent'), get(b, 'linkage_model.threshold_percent'), '%');
  change('Linkage: share of entries expected to have a match', get(a, 'linkage_model.expected_match_share'), get(b, 'linkage_model.expected_match_share'), '%');
  const comparisonsA = byKey(arr(get(a, 'linkage_model.comparisons')), 'comparison');
  for (const c of arr(get(b, 'linkage_model.comparisons'))) {
    if (!isO(c)) continue;
    const levelsA = byKey(arr(comparisonsA.get(c.comparison as string)?.levels), 'label');
    for (const l of arr(c.levels)) {
      if (!isO(l)) continue;
      const o = levelsA.get(l.label as string);
      const what = `Linkage model, ${String(c.comparison)}, ${String(l.label)}`;
      change(`${what}: m`, o?.m, l.m);
      change(`${what}: u`, o?.u, l.u);
      change(`${what}: weight (bits)`, o?.weight_bits, l.weight_bits);
    }
  }
  const binsA = byKey(arr(get(a, 'linkage_model.histogram.bins')), 'category');
  const binsB = byKey(arr(get(b, 'linkage_model.histogram.bins')), 'category');
  for (const k of new Set([...binsA.keys(), ...binsB.keys()])) {
    const cellsA = byKey(arr(binsA.get(k)?.cells), 'category');
    const cellsB = byKey(arr(binsB.get(k)?.cells), 'category');
    const cell = (z: O | undefined) => (z === undefined ? undefined : z.suppressed === true ? '~' : z.count);
    for (const side of ['found', 'discarded']) change(`Match weights ${k} bits: entries ${side}`, cell(cellsA.get(side)) ?? 0, cell(cellsB.get(side)) ?? 0);
  }
  const varsA = byKey(arr(get(a, 'matching.variables')), 'variable');
  for (const x of arr(get(b, 'matching.variables'))) {
    if (!isO(x)) continue;
    const o = varsA.get(x.variable as string);
    if (!o) continue;
    const name = String(x.label ?? x.variable);
    change(`Matching, ${name}: standardised difference after matching`, o.smd_after, x.smd_after);
    change(`Matching, ${name}: variance ratio after matching`, o.variance_ratio, x.variance_ratio);
    change(`Matching, ${name}: assessment`, o.quality, x.quality);
  }

  material.sort((p, q) => p.rank - q.rank);
  const materialText = material.map((m) => m.text);
  return {
    version: v + 1,
    replaces: { version: v, shared_on: last.shared_on },
    lead: materialText[0] ?? `Some figures changed; no statistically significant result, no interval's relation to zero and no summary sentence changed.`,
    why: whyText(get(last.results, 'source'), current.source),
    material: materialText,
    wording,
    changes,
  };
}
