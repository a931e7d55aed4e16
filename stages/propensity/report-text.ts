// Plain-text tables for the `psm` command: the model, the balance table and the matched counts.
// Only aggregates are printed, never a row's values.
import type { balanceJson, modelJson } from './psm.ts';

type Model = ReturnType<typeof modelJson>['model'];
type Matching = ReturnType<typeof modelJson>['matching'];
type Balance = ReturnType<typeof balanceJson>;

function table(header: string[], rows: string[][], alignLeft = 1): string {
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j]!.length)));
  const line = (cells: string[]) => cells.map((c, j) => (j < alignLeft ? c.padEnd(widths[j]!) : c.padStart(widths[j]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function fmt(x: number | null, digits = 4): string {
  if (x === null) return '';
  if (x !== 0 && (Math.abs(x) < 1e-3 || Math.abs(x) >= 1e6)) return x.toExponential(digits - 1);
  return x.toFixed(digits);
}

function fmtP(p: number | null): string {
  if (p === null) return '';
  return p < 1e-4 ? '<1e-4' : p.toFixed(4);
}

export function formatModel(model: Model): string {
  const head = `Propensity model: logistic regression, ${model.n} rows (${model.treated} treated, ${model.comparison} comparison)\n` +
    `converged: ${model.converged} in ${model.iterations} iterations; log-likelihood ${fmt(model.logLik, 4)}; deviance ${fmt(model.deviance, 4)} (null ${fmt(model.nullDeviance, 4)}); AIC ${fmt(model.aic, 4)}`;
  const refs = model.terms.filter((t) => t.kind === 'factor').map((t) => `${t.name}: ${'reference' in t ? t.reference : ''}`);
  const rows = model.coefficients.map((c) => [c.name, fmt(c.estimate, 6), fmt(c.se, 6), fmt(c.z, 3), fmtP(c.p)]);
  return `${head}\n${refs.length ? `reference levels: ${refs.join('; ')}\n` : ''}\n${table(['coefficient', 'estimate', 'std. error', 'z', 'p'], rows)}\n`;
}

export function formatBalance(balance: Balance): string {
  const rows = balance.covariates.map((c) => [
    c.covariate,
    fmt(c.before.meanTreated, 4),
    fmt(c.before.meanComparison, 4),
    fmt(c.before.smd, 4),
    fmt(c.after.meanTreated, 4),
    fmt(c.after.meanComparison, 4),
    fmt(c.after.smd, 4),
    c.after.varianceRatio === null ? '' : fmt(c.after.varianceRatio, 3),
    c.flag.replace('_', ' '),
  ]);
  const f = balance.flags;
  return (
    `Balance (SMD: ${balance.smdDefinition})\n\n` +
    table(['covariate', 'treated', 'comparison', 'SMD before', 'treated (m)', 'comparison (w)', 'SMD after', 'var. ratio', 'flag'], rows) +
    `\n\nmax |SMD| before ${fmt(balance.maxAbsSmdBefore, 4)}, after ${fmt(balance.maxAbsSmdAfter, 4)}; ` +
    `${f.well_matched} well matched (< ${balance.thresholds.wellMatched}), ${f.acceptable} acceptable, ${f.poor} poor (> ${balance.thresholds.acceptable})\n`
  );
}

export function formatCounts(matching: Matching): string {
  const c = matching.counts;
  const how =
    matching.method === 'caliper'
      ? `caliper matching with replacement, caliper ${matching.caliper} SD of the ${matching.distance} (width ${fmt(matching.caliperWidth, 6)})`
      : `nearest neighbour 1:${matching.ratio} ${matching.replace ? 'with' : 'without'} replacement on the ${matching.distance}${matching.caliper === null ? '' : `, caliper ${matching.caliper} SD (width ${fmt(matching.caliperWidth, 6)})`}`;
  const lines = [
    `Matching: ${how}${matching.exact.length ? `, exact on ${matching.exact.join(', ')}` : ''}`,
    `treated: ${c.treated}, matched ${c.treatedMatched}, off common support ${c.treatedOffSupport}`,
    `comparison: ${c.comparison}, used ${c.comparisonMatched}`,
  ];
  if (matching.strata.length > 1) {
    lines.push('', table(['stratum', 'treated', 'matched', 'comparison', 'used'], matching.strata.map((s) => [s.stratum, String(s.treated), String(s.treatedMatched), String(s.comparison), String(s.comparisonMatched)])));
  }
  return lines.join('\n') + '\n';
}
