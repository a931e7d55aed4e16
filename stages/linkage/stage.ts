// The linkage stage: each cohort row to at most one register person, identifiers first, then a
// Fellegi-Sunter model with weights estimated on the data (see link.ts, model.ts), and
// to the index event its intervention belongs to. One output row per cohort row, with the tier
// that linked it or the reason it was lost, and an aggregate match report for the attrition
// diagram.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defineStage, type Json } from '../../src/stage.ts';
import { LINKAGE_SQL, NAME_VARIANTS_FILE, PIPELINE_THRESHOLD, link, matchReport, writeJson, writeLinks } from './link.ts';

interface RequestJson {
  analysis_period?: { from?: string; to?: string };
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export default defineStage({
  name: 'linkage',
  description: 'Tiered linkage of the cohort to the register and choice of each person\'s index event',
  inputs: {
    cohort: 'intake.cohort',
    request: 'intake.request',
    people: 'file:data/reference/people.parquet',
    prisonNumbers: 'file:data/reference/prison_numbers.parquet',
    events: 'register.events',
    // the conviction date and sentence end of each index event, to match the provider's dates
    disposals: 'file:data/reference/disposals.parquet',
  },
  outputs: {
    links: {
      format: 'parquet',
      classification: 'personal',
      key: ['row'],
      description: 'One row per cohort row: status, tier, score, register_id, event_id',
    },
    matchReport: {
      format: 'json',
      classification: 'aggregate',
      description: 'Counts and rates by tier and by loss reason, in attrition order; the model and a histogram of match weights',
    },
    model: {
      format: 'json',
      classification: 'aggregate',
      description: 'The Fellegi-Sunter model: m and u of each comparison level, EM iterations, training pair counts',
    },
  },
  code: ['load-stage.sql', 'load-events.sql', ...LINKAGE_SQL, NAME_VARIANTS_FILE, 'model.ts', 'link.ts'],
  // Only counts, model parameters rounded to 6 digits and per-row rounded probabilities reach
  // the outputs; EM runs in one thread (model.ts) and per-row odds are added in a fixed order.
  duckdb: { threads: 2 },
  async run({ db, inputs, outputs, dir, log }) {
    const request = JSON.parse(await readFile(inputs.request!, 'utf8')) as RequestJson;
    const from = request.analysis_period?.from;
    const to = request.analysis_period?.to;
    if (!from || !to || !ISO_DATE.test(from) || !ISO_DATE.test(to)) throw new Error('request: analysis_period.from/to missing or not YYYY-MM-DD');
    await db.file(join(dir, 'load-stage.sql'), { cohort: inputs.cohort!, people: inputs.people!, prison_numbers: inputs.prisonNumbers! });
    const options = { withEvents: true, period: { from, to }, log: (m: string) => log.info(m), source: 'register' as const, threshold: PIPELINE_THRESHOLD };
    const result = await link(db, dir, options, () => db.file(join(dir, 'load-events.sql'), { events: inputs.events!, disposals: inputs.disposals! }));
    const rows = await writeLinks(db, outputs.links!);
    const report = await matchReport(db, options, result);
    await writeJson(outputs.matchReport!, report);
    await writeJson(outputs.model!, result.model as unknown as Json);
    const r = report as { linked: number; cohort_rows: number };
    return { rows: { links: rows }, summary: { cohort_rows: r.cohort_rows, linked: r.linked } };
  },
});
