// report: renders the standard report (methodology §8, §10.1) from the metrics and the upstream
// summaries, as one self-contained printable HTML file, plus the same figures as JSON validated
// against schemas/results.schema.json. Deterministic: the footer carries the run's cache key and
// input hashes, never a time.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { defineStage } from '../../src/stage.ts';
import { readBalance, readIntakeSummary, readMatchReport, readMetrics, readModel, readRequest } from './inputs.ts';
import { renderReport } from './render.ts';
import { buildResults } from './results.ts';
import { buildView } from './view.ts';
import { erratum, readShared } from './erratum.ts';
import { keptVersion } from './withheld.ts';
import { differencingProblems } from '../metrics/disclosure.ts';
import type { Json } from '../../src/stage.ts';

const TEMPLATES = '../../templates';
const SCHEMA = '../../schemas/results.schema.json';

function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}

export function validateResults(schemaPath: string, results: unknown): void {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  const validate = ajv.compile(readJson(schemaPath) as object);
  if (!validate(results)) throw new Error(`results do not match results.schema.json: ${ajv.errorsText(validate.errors, { dataVar: 'results' })}`);
}

export default defineStage({
  name: 'report',
  description: 'The standard report (HTML) and its figures (JSON)',
  inputs: {
    metrics: 'metrics.metrics',
    request: 'intake.request',
    balance: 'propensity.balance',
    model: 'propensity.model',
    matchReport: 'linkage.matchReport',
    intakeSummary: 'intake.summary',
    // Results as shared with the provider, one frozen file per version (written by `share`).
    shared: 'file:data/requests/{request}/shared',
  },
  optionalInputs: ['shared'],
  outputs: {
    report: { format: 'html', classification: 'aggregate', publish: 'reports/{request}/report.html', description: 'the standard report, printable, self-contained' },
    results: { format: 'json', classification: 'aggregate', publish: 'reports/{request}/results.json', description: 'the report figures at published precision (schemas/results.schema.json)' },
  },
  code: [
    `${TEMPLATES}/report.njk`,
    `${TEMPLATES}/macros.njk`,
    `${TEMPLATES}/report.css`,
    SCHEMA,
  ],
  async run(ctx) {
    const { inputs } = ctx;
    const metrics = readMetrics(readJson(inputs.metrics!));
    const view = buildView({
      metrics,
      request: readRequest(readJson(inputs.request!)),
      balance: readBalance(readJson(inputs.balance!)),
      match: readMatchReport(readJson(inputs.matchReport!)),
      intake: readIntakeSummary(readJson(inputs.intakeSummary!)),
      model: readModel(readJson(inputs.model!)),
      provenance: { key: ctx.key, inputs: ctx.inputHashes },
    });
    const figures = buildResults(metrics, view);
    const shared = readShared(inputs.shared);
    const correction = erratum(shared, figures as unknown as Record<string, Json>);
    // A new version after sharing only if no count differs from a shared one by 1-4 (disclosure.ts).
    const differencing = correction.replaces ? differencingProblems(shared, figures as unknown as Json) : [];
    if (differencing.length) {
      const kept = keptVersion(inputs.shared, shared.at(-1)!);
      writeFileSync(ctx.outputs.report!, kept.html);
      writeFileSync(ctx.outputs.results!, `${JSON.stringify(kept.results, null, 2)}\n`);
      ctx.log.info(`version ${shared.at(-1)!.version} stands: ${differencing.length} count(s) would differ from a shared version by fewer than the disclosure threshold`);
      return { summary: { publishable: view.publishable, charts: 0, significant: 0, version: shared.at(-1)!.version, not_reissued: true } as Json };
    }
    const results = { ...figures, report_version: correction.version, erratum: correction.replaces ? correction : null };
    validateResults(join(ctx.dir, SCHEMA), results);
    const html = renderReport(join(ctx.dir, TEMPLATES), view, { reportVersion: correction.version, erratum: results.erratum });
    writeFileSync(ctx.outputs.report!, html);
    writeFileSync(ctx.outputs.results!, `${JSON.stringify(results, null, 2)}\n`);
    ctx.log.info(`report ${view.publishable ? 'with results' : 'without results (not publishable)'}: ${view.tables.length} tables, ${view.charts.length} charts`);
    if (correction.replaces) ctx.log.info(`version ${correction.version}: ${correction.changes.length} figure(s) changed since version ${correction.replaces.version}`);
    return { summary: { publishable: view.publishable, charts: view.charts.length, significant: view.significant.bullets.length, version: correction.version } };
  },
});
