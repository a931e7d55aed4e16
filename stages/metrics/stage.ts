// metrics: the eleven one-year reoffending measures for the treatment group and the weighted
// comparison group, Welch tests on effective sample sizes, 95 % intervals, number_needed and the
// disclosure gates, for the headline analysis and any sub-analyses; plus the suppressed profile
// of the treatment group. Person-level rows never leave the stage: the output is aggregate.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readColumns, type ColumnKind } from '../../src/columns.ts';
import type { Duck } from '../../src/duck.ts';
import { defineStage, type Json } from '../../src/stage.ts';
import { analyse, type AnalysisResult, type OutcomeRows } from './analyse.ts';
import { ALPHA, MIN_NP, MIN_REOFFENDERS, MIN_TREATED } from './gates.ts';
import { loadMatched, readMatched } from './matched.ts';
import { MEASURE_IDS, type MeasureId } from './measures.ts';
import { buildAge, buildSection, type NotIncluded, type Profile, type ProfileSection } from './profile.ts';
import { SUPPRESSION_THRESHOLD } from './suppression.ts';
import { shownPart } from './disclosure.ts';

/** Columns a sub-analysis may split by: a fixed list, because identifiers cannot be bound. */
export const SUB_ANALYSIS_COLUMNS = ['region', 'sentence_type', 'gender'] as const;
type SubAnalysisColumn = (typeof SUB_ANALYSIS_COLUMNS)[number];

const LABELS: Record<SubAnalysisColumn, string> = { region: 'Region', sentence_type: 'Sentence type', gender: 'Sex' };

export interface MetricsParams {
  [key: string]: Json;
  /** Split the analysis by these event columns (each value of the treatment group becomes one sub-analysis). */
  subAnalyses: string[];
  confidence: number;
  power: number;
}

// 2: adds not_included (the profile of the cohort people outside the treatment group).
export const METRICS_FORMAT_VERSION = 2;

function sql(dir: string, name: string): string {
  return readFileSync(join(dir, name), 'utf8');
}

export default defineStage<MetricsParams>({
  name: 'metrics',
  description: 'Reoffending measures, Welch tests, intervals, number needed and disclosure gates',
  // The cohort, its links and the register's people are read only for the profile of the people
  // not included in the analysis; like everything else here they leave the stage as counts.
  inputs: { matched: 'propensity.matched', events: 'register.events', request: 'intake.request', cohort: 'intake.cohort', links: 'linkage.links', reference: 'file:data/reference' },
  outputs: {
    metrics: { format: 'json', classification: 'aggregate', description: 'per analysis and measure: n, mean, CI, difference, p, number_needed, gates; suppressed profile' },
  },
  code: ['./rows.sql', './missing.sql', './outcomes.sql', './split-values.sql', './age-band.sql', './profile.sql', './age.sql', './not-included.sql', './not-included-profile.sql', './not-included-age.sql'],
  params: { subAnalyses: [], confidence: 0.95, power: 0.8 },
  // DuckDB only joins, filters and counts here (every float sum is taken in JS, in event_id
  // order), so two threads cannot change an output byte.
  duckdb: { threads: 2 },
  async run(ctx) {
    const { db, inputs, params } = ctx;
    const request = JSON.parse(readFileSync(inputs.request!, 'utf8')) as { id?: string };
    for (const col of params.subAnalyses) {
      if (!(SUB_ANALYSIS_COLUMNS as readonly string[]).includes(col)) throw new Error(`param subAnalyses: ${col} is not one of ${SUB_ANALYSIS_COLUMNS.join(', ')}`);
    }

    const matched = readMatched(inputs.matched!);
    await loadMatched(db, matched);
    const missing = await db.one<{ missing: number }>(sql(ctx.dir, 'missing.sql'), { events: inputs.events! });
    if (missing && missing.missing > 0) throw new Error(`${missing.missing} matched events are not in register.events`);
    await db.file(join(ctx.dir, 'rows.sql'), { events: inputs.events! });

    const rows = await outcomeRows(db, sql(ctx.dir, 'outcomes.sql'));
    const splitValues = params.subAnalyses.length ? await splitColumns(db, sql(ctx.dir, 'split-values.sql')) : { region: [], sentence_type: [], gender: [] };
    const options = { confidence: params.confidence, alpha: ALPHA, power: params.power };

    const analyses: AnalysisResult[] = [analyse(rows, () => true, { id: 'headline', label: 'Headline analysis', by: null, value: null }, options)];
    for (const col of params.subAnalyses as SubAnalysisColumn[]) {
      const values = splitValues[col];
      const treatedValues = [...new Set(values.filter((_, i) => rows.treated[i] === 1))].sort();
      for (const value of treatedValues) {
        analyses.push(analyse(rows, (i) => values[i] === value, { id: `${col}:${value}`, label: `${LABELS[col]}: ${value}`, by: col, value }, options));
      }
    }

    await db.file(join(ctx.dir, 'age-band.sql'));
    const sectionsOf = async (file: string) => {
      const counts = await db.all<{ section: ProfileSection['section']; category: string; n: number }>(sql(ctx.dir, file));
      return (['sex', 'ethnicity', 'nationality', 'age_band'] as const).map((s) => buildSection(s, counts.filter((c) => c.section === s), SUPPRESSION_THRESHOLD));
    };
    const ages = (await db.all<{ age_index: number }>(sql(ctx.dir, 'age.sql'))).map((r) => r.age_index);
    const profile: Profile = { n: analyses[0]!.group_sizes.treatment, sections: await sectionsOf('profile.sql'), age: buildAge(ages, SUPPRESSION_THRESHOLD) };

    await db.file(join(ctx.dir, 'not-included.sql'), { cohort: inputs.cohort!, links: inputs.links!, people: join(inputs.reference!, 'people.parquet') });
    const left = await db.one<{ n: number; known: number }>('SELECT count(*)::INTEGER AS n, count(register_id)::INTEGER AS known FROM not_included');
    const leftAges = (await db.all<{ age: number }>(sql(ctx.dir, 'not-included-age.sql'))).map((r) => r.age);
    const notIncluded: NotIncluded = {
      n: left!.n,
      // Withheld (null) when it or the rest is a small count (disclosure.ts).
      in_register: shownPart(left!.known, left!.n),
      sections: await sectionsOf('not-included-profile.sql'),
      age: buildAge(leftAges, SUPPRESSION_THRESHOLD),
    };

    const significantResults = analyses.flatMap((a) =>
      a.measures
        .filter((m) => m.gates.significant_list)
        .map((m) => ({ analysis: a.id, measure: m.measure, direction: (m.difference.estimate ?? 0) < 0 ? 'lower' : 'higher' })),
    );

    const output = {
      format: 'jdl-metrics',
      version: METRICS_FORMAT_VERSION,
      request: request.id ?? ctx.request,
      settings: {
        confidence: params.confidence,
        alpha: ALPHA,
        power: params.power,
        min_treated: MIN_TREATED,
        min_reoffenders: MIN_REOFFENDERS,
        min_np: MIN_NP,
        suppression_threshold: SUPPRESSION_THRESHOLD,
        test: 'welch',
        comparison_n: 'effective sample size (sum w)^2 / sum w^2',
      },
      headline: 'headline',
      analyses,
      profile,
      not_included: notIncluded,
      significant_results: significantResults,
    };
    writeFileSync(ctx.outputs.metrics!, `${JSON.stringify(output, null, 2)}\n`);
    const h = analyses[0]!;
    ctx.log.info(`treatment ${h.group_sizes.treatment}, comparison ${h.group_sizes.comparison}, ${analyses.length} analyses, ${significantResults.length} significant results listed`);
    return {
      summary: {
        analyses: analyses.length,
        treatment: h.group_sizes.treatment,
        comparison: h.group_sizes.comparison,
        publishable: h.publishable,
        significant: significantResults.length,
      },
    };
  },
});

/** The rows of outcomes.sql as typed arrays (no row objects: a national matched set is large). */
async function outcomeRows(db: Duck, query: string): Promise<OutcomeRows> {
  const read = await readColumns(db, query, ['integer', 'double', ...MEASURE_IDS.map((): ColumnKind => 'double')]);
  const treated = Uint8Array.from(read.columns[0] as Int32Array);
  const outcomes = Object.fromEntries(MEASURE_IDS.map((id, k) => [id, read.columns[k + 2] as Float64Array])) as Record<MeasureId, Float64Array>;
  return { length: read.n, treated, weight: read.columns[1] as Float64Array, outcomes };
}

async function splitColumns(db: Duck, query: string): Promise<Record<SubAnalysisColumn, string[]>> {
  const columns = (await db.con.runAndReadAll(query)).getColumns().map((c) => c.map((v) => String(v)));
  return { region: columns[0] ?? [], sentence_type: columns[1] ?? [], gender: columns[2] ?? [] };
}
