// The machine-readable results beside the report: the same figures the report prints, at the
// precision it prints them (methodology §9), and nothing the disclosure gates withhold.
import type { AnalysisResult, MeasureResult } from '../metrics/analyse.ts';
import type { Profile } from '../metrics/profile.ts';
import { formatP, roundHalfAway } from '../metrics/rounding.ts';
import type { Metrics } from './inputs.ts';
import { published, type ReportView } from './view.ts';

export const RESULTS_FORMAT_VERSION = 1;

function measureOut(m: MeasureResult, units: Record<string, string>) {
  const shown = m.gates.shown;
  const k = m.kind;
  const group = (g: { n: number; mean: number | null; lower: number | null; upper: number | null }) => ({
    n: g.n,
    mean: published(k, g.mean),
    lower: published(k, g.lower),
    upper: published(k, g.upper),
  });
  return {
    measure: m.measure,
    table: m.table,
    court: m.court,
    unit: units[m.measure]!,
    shown,
    withheld_reason: m.gates.withheld_reason,
    treatment: shown ? group(m.treatment) : null,
    comparison: shown ? group(m.comparison) : null,
    difference: shown ? { estimate: published(k, m.difference.estimate), lower: published(k, m.difference.lower), upper: published(k, m.difference.upper) } : null,
    p: shown && m.difference.p !== null ? roundHalfAway(m.difference.p, 2) : null,
    p_display: shown && m.difference.p !== null ? formatP(m.difference.p) : null,
    significant: shown ? m.significant : null,
    number_needed: shown ? m.number_needed : null,
  };
}

function analysisOut(a: AnalysisResult, units: Record<string, string>) {
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
        }
      : null,
    measures: a.measures.map((m) => measureOut(m, units)),
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
    analyses: metrics.analyses.map((a) => analysisOut(a, view.units)),
    significant_results: view.significant.bullets,
    profile: view.profile ? profileOut(metrics.profile) : null,
    not_included: view.notIncluded ? { ...profileOut(metrics.not_included), in_register: metrics.not_included.in_register } : null,
    matching: { ...view.matching.counts, summary: view.matching.summary },
    attrition: {
      submitted: view.attrition.numbers.submitted,
      losses: view.attrition.steps.map((s) => ({ reason: s.reason, count: s.n, suppressed: s.n === null, text: s.text })),
      treatment: view.attrition.treatment.n,
      comparison: view.publishable ? view.attrition.numbers.comparison : null,
    },
    rounding_note: view.roundingNote !== null,
    provenance: { key: view.provenance.key, inputs: Object.fromEntries(view.provenance.inputs.map((i) => [i.name, i.hash])) },
  };
}
