// purge: the DAG's last stage, never cached. Before the due date it deletes nothing and says when
// it will be due; from the due date it asks the framework to delete the request's personal data
// (and pseudonymised data where the provider opted out). The framework does the deleting and the
// register; this stage only applies the service's rule.
import { readFileSync, writeFileSync } from 'node:fs';
import { defineStage } from '../../src/stage.ts';
import { retentionDecision, type RetentionFields } from './retention.ts';

export default defineStage({
  name: 'purge',
  description: 'Apply the retention rule: delete person-level data once the review period and a month after publication have passed.',
  cache: false,
  // It reads one JSON file: no DuckDB, so a no-op re-run never loads it.
  duckdb: false,
  inputs: { request: 'intake.request', results: 'report.results' },
  outputs: { decision: { format: 'json', classification: 'aggregate', description: 'The due date, the rule, and whether this run purged.' } },
  async run({ inputs, outputs, log, today }) {
    const request = JSON.parse(readFileSync(inputs.request!, 'utf8')) as RetentionFields;
    const decision = retentionDecision(request);
    const isDue = decision.due !== null && decision.due <= today;
    writeFileSync(outputs.decision!, JSON.stringify({ ...decision, status: isDue ? 'due' : 'not due' }, null, 2) + '\n');
    if (!isDue) {
      log.info(decision.due ? `nothing deleted: purge due on ${decision.due} (${decision.rule})` : `nothing deleted: ${decision.rule}`);
      return {};
    }
    log.info(`due since ${decision.due}: purging ${decision.classifications.join(' and ')} data`);
    return { purge: { classifications: decision.classifications, reason: 'retention period ended', rule: decision.rule } };
  },
});
