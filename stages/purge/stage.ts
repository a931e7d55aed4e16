// purge: the DAG's last stage, never cached. Before the due date it deletes nothing and says when
// it will be due; from the due date it asks the framework to delete the request's person-level
// data (retention.ts). The framework does the deleting and the register; this stage only applies
// the service's rule.
import { readFileSync, writeFileSync } from 'node:fs';
import { defineStage } from '../../src/stage.ts';
import { DEFAULT_RETENTION, retentionDecision, type RetentionFields, type RetentionSettings } from './retention.ts';

export default defineStage<RetentionSettings & { [key: string]: number }>({
  name: 'purge',
  description: 'Apply the retention rule: delete person-level data once the review period and a month after publication have passed.',
  cache: false,
  // It reads one JSON file: no DuckDB, so a no-op re-run never loads it.
  duckdb: false,
  inputs: { request: 'intake.request', results: 'report.results' },
  outputs: { decision: { format: 'json', classification: 'aggregate', description: 'The due date, the rule, and whether this run purged.' } },
  // The limits for a refused request and one never shared (pipeline.config.ts sets them for schedule too).
  params: { ...DEFAULT_RETENTION },
  async run({ inputs, outputs, log, today, params }) {
    const request = JSON.parse(readFileSync(inputs.request!, 'utf8')) as RetentionFields;
    const decision = retentionDecision(request, {}, { ...DEFAULT_RETENTION, ...params });
    const isDue = decision.due !== null && decision.due <= today;
    writeFileSync(outputs.decision!, JSON.stringify({ ...decision, status: isDue ? 'due' : 'not due' }, null, 2) + '\n');
    if (!isDue) {
      log.info(decision.due ? `nothing deleted: purge due on ${decision.due} (${decision.rule})` : `nothing deleted: ${decision.rule}`);
      return {};
    }
    log.info(`due since ${decision.due}: purging ${decision.classifications.join(' and ')} data`);
    return { purge: { classifications: decision.classifications, reason: decision.reason, rule: decision.rule } };
  },
});
