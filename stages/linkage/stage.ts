// The linkage stage: each cohort row to at most one register person, identifiers first, then the
// Fellegi-Sunter model of the linkage-model stage (see link.ts, model.ts), and to the index event
// its intervention belongs to. One output row per cohort row, with the tier that linked it or the
// reason it was lost, and an aggregate match report for the attrition diagram.
// A row's evidence (its candidates, their weights, how their sentences fit its dates) depends on
// the row's content, the register and the model only, and is kept as an output keyed by a hash of
// that content: after a correction only rows whose content changed are linked again, and the
// decisions over all rows are taken afresh, so the links are the same bytes as a full re-link.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defineStage } from '../../src/stage.ts';
import { LINKAGE_SQL, NAME_VARIANTS_FILE, decideLinks, matchReport, rowEvidence, writeJson, writeLinks } from './link.ts';
import { validateModel } from './model.ts';

interface RequestJson {
  analysis_period?: { from?: string; to?: string };
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

const memoTable = (description: string) => ({ format: 'parquet' as const, classification: 'personal' as const, key: ['row_key'], description });

export default defineStage({
  name: 'linkage',
  description: 'Linkage of the cohort to the register and choice of each person\'s index event',
  inputs: {
    cohort: 'intake.cohort',
    request: 'intake.request',
    register: 'linkage-model.register',
    nameKeys: 'linkage-model.nameKeys',
    prisonNumbers: 'linkage-model.prisonNumbers',
    forenameSex: 'linkage-model.forenameSex',
    nameBlockSizes: 'linkage-model.nameBlockSizes',
    frequencies: 'linkage-model.frequencies',
    model: 'linkage-model.model',
    events: 'register.events',
    // the conviction date and sentence end of each index event, to match the provider's dates
    disposals: 'file:data/reference/disposals.parquet',
  },
  // Only the cohort and the request form (its analysis period, used in the decisions) change
  // from one correction to the next: the earlier run's row evidence is then offered for reuse.
  reuse: { varying: ['cohort', 'request'] },
  // Up to this many rows to link, the register's tables are read in place instead of loaded
  // (load-model-views.sql): the same results, faster for a correction, slower for a new cohort.
  params: { registerInPlaceUpTo: 500 },
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
    rowStats: memoTable('Per distinct row content: the number of candidate and plausible pairs'),
    rowEvidence: memoTable('Per distinct row content and plausible register person: comparison levels, identifiers, evidence in bits'),
    rowEvents: memoTable('Per distinct row content, plausible person and index event: how the event fits the row\'s dates'),
  },
  code: ['load-cohort.sql', 'load-model.sql', 'load-model-views.sql', 'load-events.sql', 'memo-load.sql', 'memo-fresh.sql', 'memo-merge.sql', 'write-memo.sql',
    ...LINKAGE_SQL, NAME_VARIANTS_FILE, 'model.ts', 'link.ts'],
  // Only counts, model parameters rounded to 6 digits and per-row rounded probabilities reach
  // the links; per-row odds are added in a fixed order; every output is sorted before writing.
  duckdb: { threads: 2 },
  async run({ db, inputs, outputs, dir, log, previous, params }) {
    const request = JSON.parse(await readFile(inputs.request!, 'utf8')) as RequestJson;
    const from = request.analysis_period?.from;
    const to = request.analysis_period?.to;
    if (!from || !to || !ISO_DATE.test(from) || !ISO_DATE.test(to)) throw new Error('request: analysis_period.from/to missing or not YYYY-MM-DD');
    const model = validateModel(JSON.parse(await readFile(inputs.model!, 'utf8')));
    const say = (m: string) => log.info(m);
    await db.file(join(dir, 'load-cohort.sql'), { cohort: inputs.cohort! });
    await db.file(join(dir, 'macros.sql'));
    await db.file(join(dir, 'variants.sql'), { name_variants: join(dir, NAME_VARIANTS_FILE) });
    if (previous?.rowStats && previous.rowEvidence && previous.rowEvents) {
      await db.file(join(dir, 'memo-load.sql'), { stats: previous.rowStats, evidence: previous.rowEvidence, events: previous.rowEvents });
    }
    await db.file(join(dir, 'memo-fresh.sql'));
    const counts = (await db.one<{ fresh: number; all: number }>('SELECT (SELECT count(*) FROM cohort_in)::INTEGER AS fresh, (SELECT count(DISTINCT row_key) FROM cohort_all_in)::INTEGER AS "all"'))!;
    say(`${counts.fresh} of ${counts.all} distinct rows to link (${counts.all - counts.fresh} kept from the previous run)`);
    // A few rows (a correction) read the register in place; many (a new cohort) load it once.
    await db.file(join(dir, counts.fresh <= params.registerInPlaceUpTo ? 'load-model-views.sql' : 'load-model.sql'), {
      register: inputs.register!, name_keys: inputs.nameKeys!, prison_numbers: inputs.prisonNumbers!,
      forename_sex: inputs.forenameSex!, name_block_sizes: inputs.nameBlockSizes!, frequencies: inputs.frequencies!,
    });
    const options = { withEvents: true, period: { from, to }, log: say, source: 'register' as const, model };
    await rowEvidence(db, dir, options, () => db.file(join(dir, 'load-events.sql'), { events: inputs.events!, disposals: inputs.disposals! }));
    await db.file(join(dir, 'memo-merge.sql'));
    const result = await decideLinks(db, dir, options, model);
    const rows = await writeLinks(db, outputs.links!);
    await db.file(join(dir, 'write-memo.sql'), { stats: outputs.rowStats!, evidence: outputs.rowEvidence!, events: outputs.rowEvents! });
    const report = await matchReport(db, options, result);
    await writeJson(outputs.matchReport!, report);
    const r = report as { linked: number; cohort_rows: number };
    return { rows: { links: rows }, summary: { cohort_rows: r.cohort_rows, linked: r.linked, rows_linked_again: counts.fresh } };
  },
});
