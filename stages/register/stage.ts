// The register stage: one row per index event in the national register, with covariates as at
// the index date and the eleven one-year proven reoffending outcomes. It reads only the register
// folder, so its cache key is the same for every request and it runs once per register extract.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defineStage } from '../../src/stage.ts';
import { REGISTER_FILES, registerShapeProblems, type RegisterFile } from './shape.ts';
import { checkIntegrity } from './integrity.ts';

const SQL = ['load.sql', 'index-events.sql', 'history.sql', 'outcomes.sql', 'events.sql'] as const;

interface Extract {
  extract_date: string;
}

export default defineStage({
  name: 'register',
  description: 'Index events with covariates as at the index date and one-year proven reoffending outcomes',
  inputs: { reference: 'file:data/reference' },
  outputs: {
    events: {
      format: 'parquet',
      classification: 'pseudonymised',
      key: ['event_id'],
      description: 'One row per index event (release, community sentence start, caution) with covariates and the eleven outcomes',
    },
  },
  code: [...SQL, 'integrity.sql', 'shape.ts', 'integrity.ts'],
  // Every output column is an integer count, a date, a copied value or a rounded per-row
  // expression, so two threads give the same bytes as one. The tables live in a database file in
  // the work folder: stored compressed they take about 0.7 GB instead of 3.6 GB at national scale,
  // so the joins and the final sort spill far less (a national run: 73 s and 3.3 GB in memory,
  // 62 s and 2.6 GB on disk, both with the 2500MB limit).
  duckdb: { threads: 2, storage: 'disk' },
  async run({ db, inputs, outputs, dir, log }) {
    const reference = inputs.reference!;
    const extract = JSON.parse(await readFile(join(reference, 'extract.json'), 'utf8')) as Extract;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(extract.extract_date ?? '')) throw new Error('extract.json: extract_date is missing or not YYYY-MM-DD');
    const files = Object.fromEntries(Object.keys(REGISTER_FILES).map((f) => [f, join(reference, `${f}.parquet`)])) as Record<RegisterFile, string>;
    const shape = await registerShapeProblems(db, files);
    if (shape.length) throw new Error(`the national register cannot be used: ${shape.join('; ')}`);
    const params = { ...files, extract_date: extract.extract_date, out: outputs.events! };
    const runSql = async (file: string) => {
      await db.file(join(dir, file), params);
      log.info(`${file} done`);
    };
    // the tables are loaded, then checked, before any event is built from them
    const [load, ...build] = SQL;
    await runSql(load);
    const leftOut = await checkIntegrity(db, dir, files);
    for (const file of build) await runSql(file);
    for (const [what, n] of Object.entries(leftOut)) if (n > 0) log.info(`left out: ${n.toLocaleString('en-GB')} ${what.replaceAll('_', ' ')}`);
    // Counted from what was written: an index event whose person is not in people.parquet is not
    // in the output (events.sql joins the people), so it is not counted either.
    const counts = await db.one<{ events: number; people: number; reoffenders: number }>(
      `SELECT count(*)::INTEGER AS events, count(DISTINCT register_id)::INTEGER AS people,
              count(*) FILTER (WHERE reoff = 1)::INTEGER AS reoffenders FROM read_parquet($out)`,
      { out: outputs.events! },
    );
    const all = await db.one<{ n: number }>('SELECT count(*)::INTEGER AS n FROM index_events');
    return {
      rows: { events: counts!.events },
      summary: {
        events: counts!.events,
        people_with_events: counts!.people,
        events_with_reoffence: counts!.reoffenders,
        extract_date: extract.extract_date,
        left_out: { ...leftOut, events_without_person: all!.n - counts!.events },
      },
    };
  },
});
