// The machine-readable results beside the report: every figure and every sentence the report
// publishes, at the precision it prints them (methodology §9), and nothing the disclosure gates
// withhold. The erratum of a re-issued report and the reviewer's diff are built from this file
// alone, so a number the report shows but this file lacks could change unnoticed (issue 20):
// test/report/published-numbers.test.ts checks that every number of the report is here.
import type { AnalysisResult, MeasureResult } from '../metrics/analyse.ts';
import type { Profile } from '../metrics/profile.ts';
import { fixed, roundHalfAway } from '../metrics/rounding.ts';
import type { Metrics } from './inputs.ts';
import { published, type ReportView } from './view.ts';
import { fragility, pText, tableIntervalText } from './wording.ts';

// 2: sentences (text), weighted and effective sizes, fragility, method, balance rows, linkage.
export const RESULTS_FORMAT_VERSION = 2;

/** A bound of the difference as printed: one more decimal when the usual precision would make it 0 (wording.ts boundMagnitude). */
function publishedBound(kind: MeasureResult['kind'], x: number | null): number | null {
  const p = published(kind, x);
  if (x === null || p === null || p !== 0 || x === 0) return p;
  const scale = kind === 'rate' ? 100 : 1;
  const dp = kind === 'frequency' ? 3 : 1;
  return roundHalfAway(x * scale, dp);
}

function measureOut(m: MeasureResult, units: Record<string, string>, numberNeededShown: boolean) {
  const shown = m.gates.shown;
  const k = m.kind;
  const group = (g: { n: number; mean: number | null; lower: number | null; upper: number | null }) => ({
    n: g.n,
    mean: published(k, g.mean),
    lower: published(k, g.lower),
    upper: published(k, g.upper),
  });
  const d = m.difference;
  const full = shown && d.lower !== null && d.upper !== null && d.p !== null;
  const f = full ? fragility(k, d.lower!, d.upper!, d.p!) : null;
  return {
    measure: m.measure,
    table: m.table,
    court: m.court,
    unit: units[m.measure]!,
    shown,
    withheld_reason: m.gates.withheld_reason,
    treatment: shown ? group(m.treatment) : null,
    comparison: shown ? { ...group(m.comparison), effective_n: m.comparison.n_effective === null ? null : roundHalfAway(m.comparison.n_effective, 0) } : null,
    difference: shown
      ? { estimate: published(k, d.estimate), lower: publishedBound(k, d.lower), upper: publishedBound(k, d.upper), printed: full ? tableIntervalText(k, d.lower!, d.upper!) : null }
      : null,
    p: shown && d.p !== null ? roundHalfAway(d.p, 3) : null,
    p_display: shown && d.p !== null ? pText(d.p) : null,
    significant: shown ? m.significant : null,
    fragile: f ? { fragile: f.fragile, p_near_005: f.pNear, bound_near_zero: f.boundNearZero } : null,
    // The treatment-group size (people, or reoffenders for reoffender-only measures) that would give
    // an 80% chance of a significant result if the observed difference were true; the report prints
    // it only where number_needed.shown says (methodology §7: a rate that is not significant).
    number_needed: shown && m.number_needed !== null ? { value: m.number_needed, counts: m.population === 'reoffenders' ? 'reoffenders' : 'people', shown: numberNeededShown } : null,
  };
}

function analysisOut(a: AnalysisResult, view: ReportView, headline: boolean) {
  const sizes = view.groupSizes.find((g) => g.label === a.label)?.numbers ?? { weighted_size: null, weighted_reoffenders: null, effective_size: null };
  return {
    id: a.id,
    label: a.label,
    publishable: a.publishable,
    group_sizes: a.publishable
      ? {
          treatment: a.group_sizes.treatment,
          comparison: a.group_sizes.comparison,
          treatment_reoffenders: a.group_sizes.treatment_reoffenders,
          comparison_reoffenders: a.group_sizes.comparison_reoffenders,
          comparison_weighted: sizes.weighted_size,
          comparison_weighted_reoffenders: sizes.weighted_reoffenders,
          comparison_effective: sizes.effective_size,
        }
      : null,
    measures: a.measures.map((m) => measureOut(m, view.units, headline && m.measure === 'reoff' && view.numberNeeded !== null)),
  };
}

/** A profile as published: suppressed cells carry no count; ages only when there are enough. */
function profileOut(p: Profile) {
  return {
    n: p.n,
    sections: p.sections.map((s) => ({ section: s.section, total: s.total, cells: s.cells.map((c) => ({ category: c.category, count: c.count, percent: c.percent, suppressed: c.suppressed })) })),
    age: p.age.mean === null ? null : { min: p.age.min, max: p.age.max, mean: p.age.mean },
  };
}

/** Every sentence of the report that carries a finding, so that a changed sentence can be named. */
function textOut(view: ReportView) {
  return {
    summary: view.summary,
    intro: view.intro,
    headline: view.headline.map((h) => ({
      measure: h.id,
      treatment: h.treatment,
      comparison: h.comparison,
      estimate: [h.lead, h.phrase.text, h.phrase.significant ? 'This is a statistically significant result.' : '', h.phrase.more ?? ''].filter(Boolean).join(' '),
      can_say: h.can,
      cannot_say: h.cannot,
    })),
    fragile_notes: view.fragileNotes,
    number_needed: view.numberNeeded,
    time_withheld: view.timeWithheld,
    method: view.method.sentences,
    method_box: view.method.box.paragraphs,
    significant_intro: view.significant.intro,
    table_notes: view.tables.flatMap((t) => t.notes.map((n) => `Table ${t.number}: ${n}`)),
    caveats: view.caveats,
    not_included: view.notIncluded ? view.notIncluded.intro : null,
  };
}

export function buildResults(metrics: Metrics, view: ReportView) {
  return {
    format: 'jdl-results',
    version: RESULTS_FORMAT_VERSION,
    request: metrics.request,
    organisation: view.org,
    programme: view.programme,
    people_term: view.term,
    publishable: view.publishable,
    summary: view.summary,
    report_date: view.date,
    analysis_period: view.period,
    text: textOut(view),
    // The numbers of the headline sentences, per 100 people (or days) as printed.
    headline: view.headline.map((h) => ({ measure: h.id, ...h.figures })),
    analyses: metrics.analyses.map((a) => analysisOut(a, view, a.id === metrics.headline)),
    significant_results: view.significant.bullets,
    profile: view.profile ? profileOut(metrics.profile) : null,
    not_included: view.notIncluded ? { ...profileOut(metrics.not_included), in_register: metrics.not_included.in_register, outside_register: view.notIncluded.numbers.outside_register, total: view.notIncluded.total } : null,
    matching: {
      ...view.matching.counts,
      total: view.matching.rows.length,
      summary: view.matching.summary,
      variables: view.matching.rows.map((r) => ({ variable: r.variable, label: r.name, ...numericLevel(r.variable), smd_before: r.before, smd_after: r.after, variance_ratio: r.varianceRatio, quality: r.quality })),
      overlap: view.overlap ? view.overlap.numbers : null,
    },
    method: {
      covariates: view.method.covariates,
      covariate_count: view.method.covariates.length,
      missing_treated: view.method.missingTreated,
      off_support: view.method.offSupport,
      exact: view.method.exact,
      matching: view.method.matching,
      caliper_sd: view.method.caliper,
      caliper_width: view.method.caliperWidth === null ? null : Number(fixed(view.method.caliperWidth, 3)),
      ratio: view.method.ratio,
      replace: view.method.replace,
    },
    attrition: {
      submitted: view.attrition.numbers.submitted,
      losses: view.attrition.steps.map((s) => ({ reason: s.reason, count: s.n, suppressed: s.n === null, percent: s.percent, unit: s.rows ? 'entries' : 'people', text: s.text })),
      treatment: view.attrition.treatment.n,
      treatment_percent: view.attrition.treatment.percent,
      comparison: view.publishable ? view.attrition.numbers.comparison : null,
    },
    // What the figures were computed from: the file's name and its number of entries (the erratum
    // says from these what the provider changed); never a value from the file. cohort_sha256 and
    // withdrawn tell whether the people changed since a shared version (provider-data.ts).
    source: { cohort_file: view.source.file, entries: view.source.submitted, cohort_sha256: view.source.cohortSha256, withdrawn: view.source.withdrawn },
    linkage: { tiers: view.linkage.tiers.map((t) => ({ tier: t.tier, count: t.n })), total: view.linkage.totalN, note: view.linkage.note },
    // The annex: the linkage model as printed and the histogram of match weights (suppressed cells
    // carry no count); null when the match report did not record the model.
    linkage_model: view.linkageAnnex.numbers,
    rounding_note: view.roundingNote !== null,
    provenance: { key: view.provenance.key, inputs: Object.fromEntries(view.provenance.inputs.map((i) => [i.name, i.hash])) },
  };
}

/** A factor level that is a number (the year of the sentence, "index_year=2020") as data, since its label prints it. */
function numericLevel(variable: string): { level?: number } {
  const m = /=(-?\d+(?:\.\d+)?)$/.exec(variable);
  return m ? { level: Number(m[1]) } : {};
}
