// Everything the report template shows, decided here (pure), so the template only lays it out:
// which rows are withheld by the gates, every sentence, every rounded number, chart geometry.
import type { AnalysisResult, MeasureResult } from '../metrics/analyse.ts';
import type { Profile } from '../metrics/profile.ts';
import { measureDef, type MeasureId } from '../metrics/measures.ts';
import { attritionPercent, fixed, formatP, roundHalfAway, roundingMismatch, ROUNDING_NOTE, tableInterval, tableValue, whole, type MeasureKind } from '../metrics/rounding.ts';
import { SUPPRESSED } from '../metrics/suppression.ts';
import { barChart, iconChart, type ChartGeometry, type IconChartGeometry } from './charts.ts';
import { suppressCounts, suppressedWords } from '../metrics/disclosure.ts';
import type { AttritionStep, BalanceVariable, IntakeCounts, MatchSummary, Metrics, RequestInfo } from './inputs.ts';
import {
  canSay, canSayHeading, cannotSay, cannotSayHeading, ciPhrase, estimateLead, icon, introParagraph, MATCH_QUALITY_LABEL,
  matchingSummary, matchQuality, measurementComparison, measurementTreatment, monthYear, NOT_PUBLISHABLE, numberNeededSentence,
  periodPhrase, significantBullet, significantIntro, summarySentence, TIME_WITHHELD, withheldRowText, type Icon, type MatchQuality,
} from './wording.ts';

export interface ReportInputs {
  metrics: Metrics;
  request: RequestInfo;
  balance: BalanceVariable[];
  match: MatchSummary;
  intake: IntakeCounts;
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
            tableInterval(kind, m.difference.lower, m.difference.upper),
            m.significant ? 'Yes' : 'No',
            formatP(m.difference.p),
          ],
          significant: m.significant === true,
          withheld: null,
        });
      }
    }
    const notes: string[] = [];
    if (n >= 3) notes.push('Tables 3 to 7 include reoffenders only.');
    if (npOmitted) notes.push(`${npOmitted} court outcome ${npOmitted === 1 ? 'row is' : 'rows are'} not shown because too few reoffences of that kind were recorded in the treatment group (n × p below 10).`);
    if (rows.some((r) => r.significant)) notes.push('Highlighted rows show a statistically significant difference (p-value of 0.05 or less).');
    tables.push({ id: `table-${n}`, number: n, title: tableTitle(n, org, term, groups), headers: tableHeaders(n, many), rows, notes });
  }
  return tables;
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
  steps: { reason: string; n: number | null; count: string; percent: string; text: string }[];
  treatment: { n: number; count: string; percent: string };
  comparison: string;
  /** Unformatted, for the results file. */
  numbers: { submitted: number; comparison: number };
}

export function buildAttrition(intake: IntakeCounts, match: MatchSummary, treated: number, comparison: number): AttritionView {
  const submitted = intake.submitted;
  const steps: AttritionStep[] = [];
  if (intake.unusable > 0) steps.push({ reason: 'unusable', count: intake.unusable });
  // Intake's duplicates are a separate loss only when they are not already inside "unusable".
  if (intake.duplicates > 0 && intake.usable + intake.unusable + intake.duplicates === submitted) steps.push({ reason: 'duplicates', count: intake.duplicates });
  steps.push(...match.losses.filter((l) => l.count > 0));
  const accounted = steps.reduce((s, l) => s + l.count, 0);
  const remainder = submitted - accounted - treated;
  if (remainder > 0) steps.push({ reason: 'off_support', count: remainder });
  return {
    submitted: whole(submitted),
    steps: suppressCounts(steps.map((s) => ({ key: s.reason, count: s.count }))).map((s, i) => ({
      reason: s.key,
      n: s.count,
      count: s.suppressed ? suppressedWords(s.reason) : whole(s.count!),
      percent: s.suppressed ? 'percentage not shown' : attritionPercent(s.count!, submitted),
      text: lossText(steps[i]!.reason),
    })),
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
export function buildNotIncluded(p: Metrics['not_included'], term: string) {
  const sections = profileTables(p.sections, 'not-included', { ...PROFILE_TITLES, age_band: 'Age at the start of the intervention' });
  const age =
    p.age.mean !== null
      ? `Mean age ${p.age.mean} at the start of the intervention (ages by band in the table).`
      : p.n > 0
        ? 'Ages are not shown because too few of them have a recorded age.'
        : '';
  // in_register is withheld (null) when it or the rest is a small count (metrics/disclosure.ts).
  const outside = p.in_register === null ? null : p.n - p.in_register;
  return {
    n: p.n,
    count: whole(p.n),
    intro:
      p.n === 0
        ? `All the ${term} sent to the Justice Data Lab were included in the analysis.`
        : `${whole(p.n)} ${term} sent to the Justice Data Lab were not included in the analysis. ${age}`,
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
    const quality = matchQuality(Math.abs(b.smdAfter));
    return {
      name: b.name,
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
    });
  }
  return out;
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
  const notIncluded = i.intake.submitted - headline.group_sizes.treatment;

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

  const groupSizes = metrics.analyses.map((a) => ({
    label: a.label,
    controlled: a.by === 'region' ? 'Yes' : 'No',
    publishable: a.publishable,
    treatment: a.publishable ? whole(a.group_sizes.treatment) : 'fewer than 60',
    comparison: a.publishable ? whole(a.group_sizes.comparison) : '–',
    treatmentReoffenders: a.publishable ? whole(a.group_sizes.treatment_reoffenders) : '–',
    comparisonReoffenders: a.publishable ? whole(a.group_sizes.comparison_reoffenders) : '–',
  }));

  const matching = buildMatching(i.balance);
  const caveats = [
    'The comparison group is matched on characteristics recorded in the national offender register: demographics, criminal history, employment and benefit history, and risks and needs where they were assessed. Differences that are not recorded, such as motivation to take part, cannot be ruled out and may explain part of any difference.',
    'The results apply to people similar to those in the treatment group. The support may have had a different impact on people who did not meet the criteria for analysis.',
    'Eleven measures are tested, with no correction for multiple comparisons: some apparently significant differences among the additional measures may arise by chance.',
    'Reoffending is measured by proven reoffences: offences committed within one year and proven by a court conviction or caution within that year or a further six months. Penalty notices for disorder are excluded.',
    ...(metrics.analyses.length > 1
      ? ['Sub-analyses compare the part of the treatment group in each category with the members of the comparison group in the same category, weighted as in the headline matching; they are not matched separately.']
      : []),
    ...(matching.counts.poor ? [`Some matching variables were poorly matched (standardised differences above 10%); see the matching section.`] : []),
  ];

  return {
    title: `Justice Data Lab analysis: Reoffending behaviour after support from ${org}`,
    date: monthYear(dateSource),
    org,
    orgDescription: request.organisation.description,
    programme: request.programme.name,
    programmeDescription: request.programme.description,
    ownWords: paragraphs(request.provider_text?.own_words),
    response: paragraphs(request.provider_text?.response),
    term,
    publishable,
    notPublishable: publishable ? null : NOT_PUBLISHABLE,
    summary: publishable ? summarySentence(headlineViews.map((h) => ({ kind: h.kind, difference: measure(headline, h.id).difference.estimate!, significant: measure(headline, h.id).significant === true }))) : null,
    intro: introParagraph({
      treated: headline.group_sizes.treatment,
      term,
      period: periodPhrase(request.analysis_period.from, request.analysis_period.to),
      org,
      notIncluded: notIncluded > 0 ? notIncluded : null,
    }),
    headline: headlineViews,
    roundingNote: headlineViews.some((h) => h.mismatch) ? ROUNDING_NOTE : null,
    timeWithheld: publishable && !timeShown ? TIME_WITHHELD : null,
    numberNeeded: publishable && rate.significant === false && rate.number_needed !== null ? numberNeededSentence(rate.number_needed, term) : null,
    charts,
    groupSizes,
    measuresList: ['Rate of reoffending', 'Frequency of reoffending', 'Time to first reoffence', 'Rate of first reoffence by court outcome', 'Frequency of reoffences by court outcome', 'Rate of custodial sentencing for first reoffence', 'Frequency of custodial sentencing'],
    significant: { intro: significantIntro(significant.length, published.length), bullets },
    tables: publishable ? buildTables(metrics.analyses, org, term) : [],
    profile: publishable ? buildProfile(metrics.profile) : null,
    notIncluded: publishable ? buildNotIncluded(metrics.not_included, term) : null,
    matching,
    attrition: buildAttrition(i.intake, i.match, headline.group_sizes.treatment, headline.group_sizes.comparison),
    linkageTiers: suppressCounts(i.match.tiers.map((t) => ({ key: t.tier, count: t.count }))).map((t) => ({ tier: TIER_TEXT[t.key] ?? t.key.replace(/_/g, ' '), count: t.suppressed ? suppressedWords(t.reason) : whole(t.count!) })),
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
