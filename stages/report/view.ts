// Everything the report template shows, decided here (pure), so the template only lays it out:
// which rows are withheld by the gates, every sentence, every rounded number, chart geometry.
import type { AnalysisResult, MeasureResult } from '../metrics/analyse.ts';
import type { Profile } from '../metrics/profile.ts';
import { measureDef, type MeasureId } from '../metrics/measures.ts';
import { attritionPercent, fixed, roundHalfAway, roundingMismatch, ROUNDING_NOTE, tableValue, whole, type MeasureKind } from '../metrics/rounding.ts';
import { SUPPRESSED } from '../metrics/suppression.ts';
import { barChart, differenceChart, iconChart, overlapChart, type ChartGeometry, type DifferenceRowInput, type IconChartGeometry } from './charts.ts';
import { DISCLOSURE_THRESHOLD, suppressCounts, suppressedWords } from '../metrics/disclosure.ts';
import type { AttritionStep, BalanceVariable, IntakeCounts, MatchSummary, Metrics, ModelSummary, RequestInfo } from './inputs.ts';
import { balanceVariableWords, buildMethod, covariateWords } from './method.ts';
import { buildLinkageAnnex } from './linkage-annex.ts';
import {
  canSay, canSayHeading, cannotSay, cannotSayHeading, ciPhrase, estimateLead, icon, introParagraph, MATCH_QUALITY_LABEL,
  matchingSummary, matchQuality, measurementComparison, measurementTreatment, monthYear, NOT_PUBLISHABLE, numberNeededSentence,
  periodPhrase, significantBullet, significantIntro, summarySentence, TIME_WITHHELD, withheldRowText, type Icon, type MatchQuality,
  boundMagnitude, fragileNote, fragility, pText, tableBound, tableIntervalText, type Fragility,
} from './wording.ts';

export interface ReportInputs {
  metrics: Metrics;
  request: RequestInfo;
  balance: BalanceVariable[];
  match: MatchSummary;
  intake: IntakeCounts;
  model: ModelSummary;
  provenance: { key: string; inputs: Record<string, string> };
}

export interface TableRow {
  cells: string[];
  significant: boolean;
  /** A gate's message spanning the numeric columns, or null. */
  withheld: string | null;
}

export interface ReportTable {
  id: string;
  number: number;
  title: string;
  headers: string[];
  rows: TableRow[];
  notes: string[];
}

const HEADLINE_IDS: MeasureId[] = ['reoff', 'reoff_freq', 'days_to_first'];

function measure(a: AnalysisResult, id: MeasureId): MeasureResult {
  const m = a.measures.find((x) => x.measure === id);
  if (!m) throw new Error(`metrics: analysis ${a.id} lacks measure ${id}`);
  return m;
}

/** A shown measure has every number the wording needs; the gates guarantee it, this checks it. */
function complete(m: MeasureResult): m is MeasureResult & {
  treatment: { mean: number }; comparison: { mean: number };
  difference: { estimate: number; lower: number; upper: number; p: number };
} {
  return m.gates.shown && m.treatment.mean !== null && m.comparison.mean !== null && m.difference.estimate !== null && m.difference.lower !== null && m.difference.upper !== null && m.difference.p !== null;
}

const UNIT: Record<MeasureId, string> = {
  reoff: '%', reoff_freq: 'offences per person', days_to_first: 'days',
  first_indictable: '%', first_either_way: '%', first_summary: '%',
  freq_indictable: 'offences per person', freq_either_way: 'offences per person', freq_summary: 'offences per person',
  first_custody: '%', custody_freq: 'sentences per person',
};

function tableTitle(n: number, org: string, term: string, groups: string): string {
  switch (n) {
    case 1: return `Proportion of ${term} who committed a proven reoffence in a one-year period after support from ${org}, compared with ${groups}`;
    case 2: return `Number of proven reoffences committed in a one-year period by ${term} who received support from ${org}, compared with ${groups} (offences per person)`;
    case 3: return `Average time to first proven reoffence in a one-year period for ${term} who received support from ${org}, compared with ${groups}, for reoffenders only (days)`;
    case 4: return `Proportion of ${term} who received support from ${org} whose first proven reoffence in a one-year period was of each court outcome, compared with ${groups}, for reoffenders only`;
    case 5: return `Number of proven reoffences in a one-year period by court outcome for ${term} who received support from ${org}, compared with ${groups}, for reoffenders only (offences per person)`;
    case 6: return `Proportion of ${term} who received a custodial sentence for their first proven reoffence after support from ${org}, compared with ${groups}, for reoffenders only`;
    default: return `Number of custodial sentences received in a one-year period by ${term} who received support from ${org}, compared with ${groups}, for reoffenders only (sentences per person)`;
  }
}

function tableHeaders(n: number, manyAnalyses: boolean): string[] {
  const kind = n === 3 ? 'time' : n === 2 || n === 5 || n === 7 ? 'frequency' : 'rate';
  const what = kind === 'rate' ? 'rate (%)' : kind === 'time' ? 'average (days)' : n === 7 ? 'frequency (sentences per person)' : 'frequency (offences per person)';
  const diffUnit = kind === 'rate' ? '% points' : kind === 'time' ? 'days' : n === 7 ? 'sentences per person' : 'offences per person';
  return [
    ...(manyAnalyses ? ['Analysis'] : []),
    ...(n === 4 || n === 5 ? ['Court outcome'] : []),
    'Number in treatment group',
    'Number in comparison group',
    `Treatment group ${what}`,
    `Comparison group ${what}`,
    `Estimated difference (${diffUnit})`,
    'Significant difference?',
    'p-value',
  ];
}

export function buildTables(analyses: AnalysisResult[], org: string, term: string): ReportTable[] {
  const many = analyses.length > 1;
  const groups = many ? 'matched comparison groups' : 'a matched comparison group';
  const tables: ReportTable[] = [];
  for (let n = 1; n <= 7; n++) {
    const rows: TableRow[] = [];
    const fragileNotes: string[] = [];
    let npOmitted = 0;
    const withheldShown = new Set<string>();
    for (const a of analyses) {
      for (const m of a.measures.filter((x) => x.table === n)) {
        const lead = [...(many ? [a.label] : []), ...(m.court ? [m.court] : [])];
        if (m.gates.withheld_reason === 'np_below_10') {
          npOmitted++;
          continue;
        }
        if (!complete(m)) {
          // One message per analysis and reason, not one per court category.
          const reason = m.gates.withheld_reason ?? 'not_computable';
          if (withheldShown.has(`${a.id}|${reason}`)) continue;
          withheldShown.add(`${a.id}|${reason}`);
          rows.push({ cells: many ? [a.label] : [], significant: false, withheld: withheldRowText(reason) });
          continue;
        }
        const kind = m.kind;
        rows.push({
          cells: [
            ...lead,
            whole(m.treatment.n),
            whole(m.comparison.n),
            tableValue(kind, m.treatment.mean),
            tableValue(kind, m.comparison.mean),
            tableIntervalText(kind, m.difference.lower, m.difference.upper),
            m.significant ? 'Yes' : 'No',
            pText(m.difference.p),
          ],
          significant: m.significant === true,
          withheld: null,
        });
        const f = fragility(kind, m.difference.lower, m.difference.upper, m.difference.p);
        if (f.fragile) fragileNotes.push(fragileNote([...(many ? [a.label] : []), measureDef(m.measure).label].join(', '), f, m.difference.p, nearBoundText(kind, m.difference.lower, m.difference.upper)));
      }
    }
    const notes: string[] = [];
    if (n >= 3) notes.push('Tables 3 to 7 include reoffenders only.');
    if (npOmitted) notes.push(`${npOmitted} court outcome ${npOmitted === 1 ? 'row is' : 'rows are'} not shown because too few reoffences of that kind were recorded in the treatment group (n × p below 10).`);
    if (rows.some((r) => r.significant)) notes.push('Highlighted rows show a statistically significant difference (p-value of 0.05 or less).');
    notes.push(...fragileNotes);
    tables.push({ id: `table-${n}`, number: n, title: tableTitle(n, org, term, groups), headers: tableHeaders(n, many), rows, notes });
  }
  return tables;
}

const DIFF_UNIT: Record<MeasureKind, string> = { rate: 'percentage points', frequency: 'per person', time: 'days' };

/** The bound nearest zero as printed in the tables, with its unit, for a fragility note. */
function nearBoundText(kind: MeasureKind, lower: number, upper: number): string {
  const b = Math.abs(lower) < Math.abs(upper) ? lower : upper;
  return `${tableBound(kind, b)} ${DIFF_UNIT[kind]}`;
}

function chartFor(kind: MeasureKind, m: MeasureResult & { treatment: { mean: number }; comparison: { mean: number } }, term: string): ChartGeometry | IconChartGeometry {
  const scale = kind === 'rate' ? 100 : 1;
  const dp = kind === 'frequency' ? 2 : 0;
  const suffix = kind === 'rate' ? '%' : kind === 'time' ? ' days' : '';
  const text = (v: number) => `${fixed(Math.max(0, v * scale), dp)}${suffix}`;
  const bar = (label: string, g: { mean: number | null; lower: number | null; upper: number | null }, group: 'treatment' | 'comparison') => ({
    label,
    group,
    value: (g.mean ?? 0) * scale,
    lower: g.lower === null ? null : g.lower * scale,
    upper: g.upper === null ? null : g.upper * scale,
    valueText: text(g.mean ?? 0),
    intervalText: g.lower !== null && g.upper !== null ? `95% CI ${text(g.lower)} to ${text(g.upper)}` : '',
  });
  const titles: Record<MeasureKind, [string, string, string]> = {
    rate: ['chart-rate', 'One-year proven reoffending rate', `Proven reoffenders per 100 ${term} (%)`],
    frequency: ['chart-frequency', 'One-year proven reoffending frequency', 'Proven reoffences per person'],
    time: ['chart-time', 'Average time to first proven reoffence', 'Days (reoffenders only)'],
  };
  const [id, title, axis] = titles[kind];
  if (kind === 'rate') {
    // As the JDL draws it: 100 people per group, the reoffenders among them coloured.
    const people = (label: string, g: { mean: number | null; lower: number | null; upper: number | null }, group: 'treatment' | 'comparison') => {
      const per100 = roundHalfAway(Math.max(0, (g.mean ?? 0) * 100), 0);
      const intervalText = g.lower !== null && g.upper !== null ? `95% CI ${text(g.lower)} to ${text(g.upper)}` : '';
      return { label, group, per100, valueText: `${per100} in 100`, intervalText };
    };
    return iconChart({ id, title: `${title}: proven reoffenders in every 100 ${term}`, groups: [people('Treatment group', m.treatment, 'treatment'), people('Comparison group', m.comparison, 'comparison')] });
  }
  return barChart({ id, title, axis, bars: [bar('Treatment group', m.treatment, 'treatment'), bar('Comparison group', m.comparison, 'comparison')] });
}

const LOSS_TEXT: Record<string, string> = {
  unusable: 'had missing or invalid details',
  duplicates: 'duplicated another entry in the submission',
  duplicate: 'duplicated another entry in the submission',
  no_match: 'could not be found on the national offender register',
  suspect: 'had only an uncertain match to the register',
  no_eligible_sentence: 'had no sentence or caution that the support could relate to',
  outside_period: 'had a sentence or caution outside the analysis period',
  off_support: 'had no similar person available for the comparison group',
  missing_covariate: 'lacked a characteristic needed for matching',
  not_analysed: 'were not analysed for another reason',
};

const TIER_TEXT: Record<string, string> = {
  pnc: 'PNC ID',
  prison_number: 'Prison number',
  exact: 'Name, date of birth and sex (exact)',
  fuzzy: 'Name, date of birth and sex (close match)',
};

export function lossText(reason: string): string {
  return LOSS_TEXT[reason] ?? reason.replace(/_/g, ' ');
}

export interface AttritionView {
  submitted: string;
  /** n is null where the count is suppressed (disclosure.ts). */
  steps: { reason: string; n: number | null; count: string; percent: string; text: string; rows: boolean }[];
  treatment: { n: number; count: string; percent: string };
  comparison: string;
  /** Unformatted, for the results file. */
  numbers: { submitted: number; comparison: number };
}

/** Rows, not people: a duplicate row is the same person sent twice. */
const ROW_LOSSES = new Set(['duplicates']);

export function buildAttrition(intake: IntakeCounts, match: MatchSummary, treated: number, comparison: number, model?: ModelSummary): AttritionView {
  const submitted = intake.submitted;
  const steps: AttritionStep[] = [];
  if (intake.unusable > 0) steps.push({ reason: 'unusable', count: intake.unusable });
  // Intake's duplicates are a separate loss only when they are not already inside "unusable".
  if (intake.duplicates > 0 && intake.usable + intake.unusable + intake.duplicates === submitted) steps.push({ reason: 'duplicates', count: intake.duplicates });
  steps.push(...match.losses.filter((l) => l.count > 0));
  // The propensity stage says why linked people did not reach the treatment group.
  if (model && model.missingTreated > 0) steps.push({ reason: 'missing_covariate', count: model.missingTreated });
  if (model && model.counts.treatedOffSupport > 0) steps.push({ reason: 'off_support', count: model.counts.treatedOffSupport });
  const accounted = steps.reduce((s, l) => s + l.count, 0);
  const remainder = submitted - accounted - treated;
  if (remainder > 0) steps.push({ reason: model ? 'not_analysed' : 'off_support', count: remainder });
  return {
    submitted: whole(submitted),
    steps: suppressCounts(steps.map((s) => ({ key: s.reason, count: s.count }))).map((s) => {
      const text = s.key === 'missing_covariate' && model ? `${lossText(s.key)} (${Object.keys(model.missingByCovariate).map(covariateWords).join(', ')})` : lossText(s.key);
      return {
        reason: s.key,
        n: s.count,
        count: s.suppressed ? suppressedWords(s.reason) : whole(s.count!),
        percent: s.suppressed ? 'percentage not shown' : attritionPercent(s.count!, submitted),
        text,
        rows: ROW_LOSSES.has(s.key),
      };
    }),
    treatment: { n: treated, count: whole(treated), percent: attritionPercent(treated, submitted) },
    comparison: whole(comparison),
    numbers: { submitted, comparison },
  };
}

const PROFILE_TITLES: Record<string, string> = {
  sex: 'Sex',
  ethnicity: 'Ethnicity',
  nationality: 'Nationality',
  age_band: 'Age at the beginning of the one-year period',
};

/** The breakdown tables of a profile, with suppression marks and the rounding check. */
function profileTables(sections: Profile['sections'], idPrefix: string, titles: Record<string, string>) {
  return sections.map((s) => {
    const rows = s.cells.map((c) => ({
      category: c.category,
      count: c.suppressed || c.count === null ? SUPPRESSED : whole(c.count),
      percent: c.suppressed || c.percent === null ? SUPPRESSED : `${c.percent}%`,
      suppressed: c.suppressed,
    }));
    const allShown = s.cells.every((c) => !c.suppressed && c.percent !== null);
    const sumPct = s.cells.reduce((t, c) => t + (c.percent ?? 0), 0);
    return { id: `${idPrefix}-${s.section.replace('_', '-')}`, title: titles[s.section] ?? s.section, total: whole(s.total), rows, roundingGap: allShown && s.total > 0 && sumPct !== 100 };
  });
}

/** The provider's text as paragraphs (blank lines separate them); null when there is none. */
export function paragraphs(text: string | undefined): string[] | null {
  const parts = (text ?? '').split(/\r?\n\s*\r?\n/).map((p) => p.trim()).filter(Boolean);
  return parts.length ? parts : null;
}

export function buildProfile(p: Metrics['profile']) {
  const sections = profileTables(p.sections, 'profile', PROFILE_TITLES);
  const age =
    p.age.mean !== null
      ? `Mean age ${p.age.mean} at the beginning of their one-year period (ages by band in the table).`
      : 'Ages are not shown because too few people in the treatment group have a recorded age.';
  return {
    n: whole(p.n),
    sections,
    age,
    anySuppressed: sections.some((s) => s.rows.some((r) => r.suppressed)),
    roundingNote: sections.some((s) => s.roundingGap) ? ROUNDING_NOTE : null,
  };
}

/**
 * The box "Participants not included in analysis" (methodology §10.1 item 11): the same
 * breakdowns for the cohort people outside the treatment group, and why some are unknown.
 */
export function buildNotIncluded(p: Metrics['not_included'], term: string, unusable = 0) {
  const sections = profileTables(p.sections, 'not-included', { ...PROFILE_TITLES, age_band: 'Age at the start of the intervention' });
  const age =
    p.age.mean !== null
      ? `Mean age ${p.age.mean} at the start of the intervention (ages by band in the table).`
      : p.n > 0
        ? 'Ages are not shown because too few of them have a recorded age.'
        : '';
  // in_register is withheld (null) when it or the rest is a small count (metrics/disclosure.ts).
  const outside = p.in_register === null ? null : p.n - p.in_register;
  const total = p.n + unusable;
  const numbers = { outside_register: outside };
  const invalid =
    unusable === 0 ? '' : p.n === 0 ? ` They had missing or invalid details, so nothing about them can be described.` : ` ${peopleCount(unusable)} of them had missing or invalid details and cannot be described; the tables describe the other ${peopleCount(p.n)}.`;
  return {
    n: p.n,
    total,
    numbers,
    count: peopleCount(total),
    intro:
      total === 0
        ? `All the ${term} sent to the Justice Data Lab were included in the analysis.`
        : `${peopleCount(total)} ${term} sent to the Justice Data Lab were not included in the analysis (entries that repeated another person are not counted).${invalid} ${age}`.trim(),
    note:
      outside === null || outside > 0
        ? `Information about the index offence is not available for these ${term}. ${outside === null ? 'Some' : whole(outside)} of them could not be found in the reoffending database, which holds no personal information about them: their ethnicity and nationality are shown as unknown. Sex and age are as the organisation sent them.`
        : `Information about the index offence is not available for these ${term}. Sex and age are as the organisation sent them.`,
    sections: p.n > 0 ? sections : [],
    anySuppressed: sections.some((s) => s.rows.some((r) => r.suppressed)),
  };
}

export function buildMatching(balance: BalanceVariable[]) {
  const rows = balance.map((b) => {
    const quality = matchQuality(Math.abs(b.smdAfter), b.varianceRatioAfter);
    return {
      variable: b.name,
      name: balanceVariableWords(b.name),
      before: b.smdBefore === null ? '–' : `${fixed(b.smdBefore, 1)}%`,
      after: `${fixed(b.smdAfter, 1)}%`,
      varianceRatio: b.varianceRatioAfter === null ? '–' : fixed(b.varianceRatioAfter, 2),
      quality,
      qualityLabel: MATCH_QUALITY_LABEL[quality],
    };
  });
  const counts: Record<MatchQuality, number> = { well: 0, reasonable: 0, poor: 0 };
  for (const r of rows) counts[r.quality]++;
  return { rows, counts, summary: matchingSummary(counts, rows.filter((r) => r.quality === 'poor').map((r) => r.name)) };
}

export interface HeadlineView {
  kind: MeasureKind;
  id: MeasureId;
  label: string;
  treatment: string;
  comparison: string;
  icon: Icon;
  lead: string;
  phrase: { text: string; significant: boolean; more: string | null };
  canHeading: string;
  can: string;
  cannotHeading: string;
  cannot: string;
  mismatch: boolean;
  fragile: Fragility;
  fragileNote: string | null;
  /** The numbers the headline sentences print, for the results file. */
  figures: HeadlineFigures;
}

export interface HeadlineFigures {
  /** Per 100 people (rate, frequency) or days (time), as printed in the measurements and estimates. */
  treatment: number;
  comparison: number;
  difference: number;
  lower: string;
  upper: string;
  /** Frequency only: offences per person to 1 dp, as in the measurements sentence. */
  treatment_per_person: number | null;
  comparison_per_person: number | null;
}

function headlineFigures(kind: MeasureKind, t: number, c: number, d: number, lower: number, upper: number): HeadlineFigures {
  const per = kind === 'time' ? 1 : 100;
  return {
    treatment: roundHalfAway(t * per, 0),
    comparison: roundHalfAway(c * per, 0),
    difference: roundHalfAway(d * per, 0),
    lower: `${lower < 0 ? '-' : ''}${boundMagnitude(lower * per)}`,
    upper: `${upper < 0 ? '-' : ''}${boundMagnitude(upper * per)}`,
    treatment_per_person: kind === 'frequency' ? roundHalfAway(t, 1) : null,
    comparison_per_person: kind === 'frequency' ? roundHalfAway(c, 1) : null,
  };
}

function headlineFragility(kind: MeasureKind, id: MeasureId, lower: number, upper: number, p: number, term: string): { fragile: Fragility; fragileNote: string | null } {
  const f = fragility(kind, lower, upper, p);
  if (!f.fragile) return { fragile: f, fragileNote: null };
  const per = kind === 'time' ? 1 : 100;
  const near = Math.abs(lower) < Math.abs(upper) ? lower : upper;
  const unit = kind === 'rate' ? `${term} per 100` : kind === 'frequency' ? 'offences per 100 people' : 'days';
  return { fragile: f, fragileNote: fragileNote(measureDef(id).label, f, p, `${near < 0 ? '-' : ''}${boundMagnitude(near * per)} ${unit}`) };
}

export function buildHeadline(a: AnalysisResult, org: string, term: string): HeadlineView[] {
  const out: HeadlineView[] = [];
  for (const id of HEADLINE_IDS) {
    const m = measure(a, id);
    if (!complete(m)) continue;
    const kind = m.kind;
    const significant = m.significant === true;
    out.push({
      kind,
      id,
      label: measureDef(id).label,
      treatment: measurementTreatment(kind, m.treatment.mean, m.difference.estimate, term),
      comparison: measurementComparison(kind, m.comparison.mean, term),
      icon: icon(kind, m.difference.estimate, significant),
      lead: estimateLead(kind, term),
      phrase: ciPhrase(kind, m.difference.lower, m.difference.upper, term),
      canHeading: canSayHeading(kind),
      can: canSay(kind, m.difference.lower, m.difference.upper, org, term),
      cannotHeading: cannotSayHeading(kind),
      cannot: cannotSay(kind, m.difference.lower, m.difference.upper, org),
      mismatch: roundingMismatch(m.treatment.mean, m.comparison.mean, kind === 'time' ? 1 : 100, 0),
      ...headlineFragility(kind, id, m.difference.lower, m.difference.upper, m.difference.p, term),
      figures: headlineFigures(kind, m.treatment.mean, m.comparison.mean, m.difference.estimate, m.difference.lower, m.difference.upper),
    });
  }
  return out;
}

/** Row labels short enough for the chart's left margin. */
const DIFF_LABEL: Record<MeasureId, string> = {
  reoff: 'Reoffending rate', reoff_freq: 'Reoffending frequency', days_to_first: 'Time to first reoffence',
  first_indictable: 'First reoffence indictable', first_either_way: 'First reoffence either way', first_summary: 'First reoffence summary',
  freq_indictable: 'Indictable reoffences', freq_either_way: 'Either way reoffences', freq_summary: 'Summary reoffences',
  first_custody: 'Custody for first reoffence', custody_freq: 'Custodial sentences',
};

/** The difference charts: one per unit, a row per measure of the headline analysis that is shown. */
export function buildDifferenceCharts(a: AnalysisResult, term: string) {
  const groups: { kind: MeasureKind; id: string; title: string; axis: string }[] = [
    { kind: 'rate', id: 'chart-difference-rate', title: 'Estimated differences in rates (treatment minus comparison group), with 95% confidence intervals', axis: 'Difference in percentage points' },
    { kind: 'frequency', id: 'chart-difference-frequency', title: 'Estimated differences in frequencies (treatment minus comparison group), with 95% confidence intervals', axis: 'Difference per person' },
    { kind: 'time', id: 'chart-difference-time', title: 'Estimated difference in the time to first proven reoffence (treatment minus comparison group), with its 95% confidence interval', axis: 'Difference in days' },
  ];
  const out = [];
  for (const g of groups) {
    const rows: DifferenceRowInput[] = [];
    for (const m of a.measures.filter((x) => x.kind === g.kind)) {
      if (!complete(m)) continue;
      const scale = g.kind === 'rate' ? 100 : 1;
      const dp = g.kind === 'frequency' ? 2 : 0;
      const significant = m.significant === true;
      const favourable = m.favourable === null ? null : (m.favourable === 'lower') === m.difference.estimate < 0;
      const tone = !significant || favourable === null ? 'neutral' : favourable ? 'good' : 'bad';
      const est = fixed(m.difference.estimate * scale, dp);
      rows.push({
        label: DIFF_LABEL[m.measure],
        short: `${est} (${tableIntervalText(g.kind, m.difference.lower, m.difference.upper)})${significant ? ' *' : ''}`,
        estimate: m.difference.estimate * scale,
        lower: m.difference.lower * scale,
        upper: m.difference.upper * scale,
        tone,
        text: `${measureDef(m.measure).label}: ${est} (95% CI ${tableIntervalText(g.kind, m.difference.lower, m.difference.upper)}), ${significant ? 'statistically significant' : 'not statistically significant'}`,
      });
    }
    if (rows.length) out.push(differenceChart({ id: g.id, title: g.title, axis: g.axis, rows }));
  }
  void term;
  return out;
}

/** The overlap plot, with a text alternative that gives its numbers. */
export function buildOverlap(model: ModelSummary) {
  const o = model.overlap;
  if (!o) return null;
  const supported = (side: { treated: number[]; comparison: number[] }) => side.treated.reduce((s, t, k) => s + ((side.comparison[k] ?? 0) > 0 ? t : 0), 0);
  const maxGap = (side: { treated: number[]; comparison: number[] }) => Math.max(0, ...side.treated.map((t, k) => Math.abs(t - (side.comparison[k] ?? 0))));
  const pct = (x: number) => `${fixed(x * 100, 0)}%`;
  const alt =
    `Propensity scores (logit) from ${fixed(o.edges[0]!, 1)} to ${fixed(o.edges[o.edges.length - 1]!, 1)}. ` +
    `Before matching, ${pct(supported(o.before))} of the treatment group had scores in a range where there were also comparison people; the largest difference between the groups in one band was ${pct(maxGap(o.before))} of a group. ` +
    `After matching, the largest difference in one band was ${pct(maxGap(o.after))}.`;
  return {
    chart: overlapChart({ id: 'chart-overlap', title: 'Propensity scores of the treatment group (above the line) and the comparison group (below), before and after matching', edges: o.edges, before: o.before, after: o.after, alt }),
    numbers: {
      logit_from: roundHalfAway(o.edges[0]!, 1),
      logit_to: roundHalfAway(o.edges[o.edges.length - 1]!, 1),
      supported_before: roundHalfAway(supported(o.before) * 100, 0),
      max_gap_before: roundHalfAway(maxGap(o.before) * 100, 0),
      max_gap_after: roundHalfAway(maxGap(o.after) * 100, 0),
    },
  };
}

/** The people linked to the register by tier, with a total that reconciles with the treatment group. */
/** A count of people for a sentence: "fewer than 5" rather than a small count (disclosure.ts). */
function peopleCount(n: number): string {
  return n > 0 && n < DISCLOSURE_THRESHOLD ? suppressedWords('primary') : whole(n);
}

export function buildLinkage(match: MatchSummary, model: ModelSummary, treated: number) {
  const tiers = suppressCounts(match.tiers.map((t) => ({ key: t.tier, count: t.count }))).map((t) => ({ tier: TIER_TEXT[t.key] ?? t.key.replace(/_/g, ' '), n: t.count, count: t.suppressed ? suppressedWords(t.reason) : whole(t.count!) }));
  const total = match.tiers.reduce((s, t) => s + t.count, 0);
  const lost = total - treated;
  const parts: string[] = [];
  if (model.missingTreated) parts.push(`${peopleCount(model.missingTreated)} lacked a characteristic needed for matching`);
  if (model.counts.treatedOffSupport) parts.push(`${peopleCount(model.counts.treatedOffSupport)} had nobody similar enough to match`);
  const other = lost - model.missingTreated - model.counts.treatedOffSupport;
  if (other > 0) parts.push(`${peopleCount(other)} were not analysed for another reason`);
  const note = !tiers.length
    ? null
    : lost === 0
      ? `All ${whole(total)} people found on the register formed the treatment group.`
      : `Of the ${whole(total)} people found on the register, ${parts.join(', ') || `${peopleCount(lost)} did not reach the treatment group`}, so ${whole(treated)} formed the treatment group.`;
  return { tiers, total: whole(total), totalN: total, note };
}

export function buildView(i: ReportInputs) {
  const { metrics, request } = i;
  const org = request.organisation.name;
  const term = request.programme.people_term;
  const headline = metrics.analyses.find((a) => a.id === metrics.headline);
  if (!headline) throw new Error(`metrics: headline analysis ${metrics.headline} not found`);
  const publishable = headline.publishable;
  const published = metrics.analyses.filter((a) => a.publishable);
  const dateSource = request.dates.publication ?? request.dates.results_shared ?? request.dates.received;

  const headlineViews = publishable ? buildHeadline(headline, org, term) : [];
  const timeShown = headlineViews.some((h) => h.kind === 'time');
  const rate = measure(headline, 'reoff');
  const notIncluded = buildNotIncluded(metrics.not_included, term, i.intake.unusable);

  const significant = metrics.significant_results.filter((s) => published.some((a) => a.id === s.analysis));
  const manyAnalyses = published.length > 1;
  const bullets = significant.map((s) => {
    const a = published.find((x) => x.id === s.analysis)!;
    const text = significantBullet(s.measure, s.direction === 'lower', org);
    return { analysis: s.analysis, measure: s.measure, direction: s.direction, text: manyAnalyses ? `${a.label}: ${text}` : text };
  });

  const charts = publishable
    ? HEADLINE_IDS.map((id) => measure(headline, id)).filter(complete).map((m) => chartFor(m.kind, m, term))
    : [];

  const groupSizes = metrics.analyses.map((a) => {
    const r = a.measures.find((x) => x.measure === 'reoff');
    const weightSum = a.group_sizes.comparison_weight_sum;
    const weightedReoffenders = r && r.comparison.mean !== null && weightSum !== null ? r.comparison.mean * weightSum : null;
    const pct = (x: number | null) => (x === null ? '' : ` (${fixed(x * 100, 0)}%)`);
    return {
      label: a.label,
      controlled: a.by === 'region' ? 'Yes' : 'No',
      publishable: a.publishable,
      treatment: a.publishable ? whole(a.group_sizes.treatment) : 'fewer than 60',
      treatmentReoffenders: a.publishable ? `${whole(a.group_sizes.treatment_reoffenders)}${pct(r?.treatment.mean ?? null)}` : '–',
      comparison: a.publishable ? whole(a.group_sizes.comparison) : '–',
      comparisonReoffenders: a.publishable ? whole(a.group_sizes.comparison_reoffenders) : '–',
      weighted: a.publishable && weightSum !== null ? whole(weightSum) : '–',
      weightedReoffenders: a.publishable && weightedReoffenders !== null ? `${whole(weightedReoffenders)}${pct(r?.comparison.mean ?? null)}` : '–',
      effective: a.publishable && a.group_sizes.comparison_effective !== null ? whole(a.group_sizes.comparison_effective) : '–',
      numbers: {
        weighted_size: weightSum === null ? null : roundHalfAway(weightSum, 0),
        weighted_reoffenders: weightedReoffenders === null ? null : roundHalfAway(weightedReoffenders, 0),
        effective_size: a.group_sizes.comparison_effective === null ? null : roundHalfAway(a.group_sizes.comparison_effective, 0),
      },
    };
  });

  const method = buildMethod(i.model, { treatment: headline.group_sizes.treatment, comparison: headline.group_sizes.comparison, effective: headline.group_sizes.comparison_effective, weightSum: headline.group_sizes.comparison_weight_sum }, metrics.analyses.length);
  const matching = buildMatching(i.balance);
  const caveats = [
    `${method.matchedOn} Differences that are not recorded there, such as motivation to take part, cannot be ruled out and may explain part of any difference.`,
    'The results apply to people similar to those in the treatment group. The support may have had a different impact on people who did not meet the criteria for analysis.',
    'Eleven measures are tested, with no correction for multiple comparisons: some apparently significant differences among the additional measures may arise by chance.',
    'Reoffending is measured by proven reoffences: offences committed within one year and proven by a court conviction or caution within that year or a further six months. Penalty notices for disorder are excluded.',
    ...(metrics.analyses.length > 1
      ? ['Sub-analyses compare the part of the treatment group in each category with the members of the comparison group in the same category, weighted as in the headline matching; they are not matched separately.']
      : []),
    ...(matching.counts.poor ? [`Some matching variables were poorly matched (a standardised difference above 10%, or a variance ratio outside 0.5 to 2); see the matching section.`] : []),
  ];
  // Binned scores of fewer than 60 people could single someone out: only with published results.
  const overlap = publishable ? buildOverlap(i.model) : null;
  const linkage = buildLinkage(i.match, i.model, headline.group_sizes.treatment);
  const attrition = buildAttrition(i.intake, i.match, headline.group_sizes.treatment, headline.group_sizes.comparison, i.model);
  // The histogram's columns add up to figures of the attrition: when it hides a count, so do they.
  const linkageAnnex = buildLinkageAnnex(i.match.linkageModel, { publishable, attritionHidden: attrition.steps.some((s) => s.n === null) || linkage.tiers.some((t) => t.n === null) });
  const contact = request.contact?.name || request.contact?.email ? { name: request.contact.name ?? null, email: request.contact.email ?? null } : null;

  return {
    title: `Justice Data Lab analysis: Reoffending behaviour after support from ${org}`,
    date: monthYear(dateSource),
    period: { from: request.analysis_period.from, to: request.analysis_period.to },
    org,
    orgDescription: request.organisation.description,
    programme: request.programme.name,
    programmeDescription: request.programme.description,
    ownWords: paragraphs(request.provider_text?.own_words),
    ownWordsPlaceholder: `${org} has not provided a description of its work in its own words for this report.`,
    response: paragraphs(request.provider_text?.response),
    responsePlaceholder: `${org} has not provided a response to this analysis.`,
    contact,
    term,
    publishable,
    notPublishable: publishable ? null : NOT_PUBLISHABLE,
    summary: publishable ? summarySentence(headlineViews.map((h) => ({ kind: h.kind, difference: measure(headline, h.id).difference.estimate!, significant: measure(headline, h.id).significant === true }))) : null,
    intro: introParagraph({
      treated: headline.group_sizes.treatment,
      term,
      period: periodPhrase(request.analysis_period.from, request.analysis_period.to),
      org,
      notIncluded: notIncluded.total > 0 ? notIncluded.total : null,
    }),
    headline: headlineViews,
    fragileNotes: headlineViews.map((h) => h.fragileNote).filter((x): x is string => x !== null),
    roundingNote: headlineViews.some((h) => h.mismatch) ? ROUNDING_NOTE : null,
    timeWithheld: publishable && !timeShown ? TIME_WITHHELD : null,
    numberNeeded: publishable && rate.significant === false && rate.number_needed !== null ? numberNeededSentence(rate.number_needed, term) : null,
    charts,
    differenceCharts: publishable ? buildDifferenceCharts(headline, term) : [],
    overlap,
    method,
    groupSizes,
    measuresList: ['Rate of reoffending', 'Frequency of reoffending', 'Time to first reoffence', 'Rate of first reoffence by court outcome', 'Frequency of reoffences by court outcome', 'Rate of custodial sentencing for first reoffence', 'Frequency of custodial sentencing'],
    significant: { intro: significantIntro(significant.length, published.length), bullets },
    tables: publishable ? buildTables(metrics.analyses, org, term) : [],
    profile: publishable ? buildProfile(metrics.profile) : null,
    notIncluded: publishable ? notIncluded : null,
    matching,
    attrition,
    linkage,
    linkageAnnex,
    linkageTiers: linkage.tiers,
    source: { file: i.intake.file, submitted: i.intake.submitted, cohortSha256: i.intake.cohortSha256, withdrawn: i.model.withdrawn },
    caveats,
    provenance: { key: i.provenance.key, inputs: Object.keys(i.provenance.inputs).sort().map((name) => ({ name, hash: i.provenance.inputs[name]! })) },
    units: UNIT,
  };
}

export type ReportView = ReturnType<typeof buildView>;

/** Display precision per kind, for the machine-readable results. */
export function published(kind: MeasureKind, x: number | null): number | null {
  if (x === null) return null;
  return kind === 'rate' ? roundHalfAway(x * 100, 0) : kind === 'frequency' ? roundHalfAway(x, 2) : roundHalfAway(x, 0);
}
