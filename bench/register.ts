// `npm run bench -- register [DATA_DIR]`: the register stage over a national-scale synthetic
// register (5,000,000 people), built once with
//   npm run synth -- --people 5000000 --request-size 58000 --data-dir data/scratch/national
// (DATA_DIR defaults to data/scratch/national). The events file is kept beside the register as
// DATA_DIR/events.parquet for `npm run bench -- linkage`.
import { copyFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import stage from '../stages/register/stage.ts';
import { runStageDirect } from '../test/helpers/run-stage.ts';
import { Duck } from '../src/duck.ts';
import { loadDag } from '../src/dag.ts';
import { measure, recordBenchmark } from './record.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const dataDir = resolve(process.argv[2] ?? join(ROOT, 'data', 'scratch', 'national'));
const reference = join(dataDir, 'reference');
if (!existsSync(join(reference, 'extract.json'))) {
  console.error(`no register in ${reference}: generate it first with\n  npm run synth -- --people 5000000 --request-size 58000 --data-dir ${dataDir}`);
  process.exit(2);
}
const extract = JSON.parse(readFileSync(join(reference, 'extract.json'), 'utf8')) as { people: number };

const db = await Duck.open({ threads: 1 });
const sizes = (await db.one<Record<string, number>>(
  `SELECT (SELECT count(*) FROM read_parquet($d))::INTEGER AS disposals, (SELECT count(*) FROM read_parquet($o))::INTEGER AS offences`,
  { d: join(reference, 'disposals.parquet'), o: join(reference, 'offences.parquet') },
))!;
db.close();

// With the DAG-wide DuckDB settings of pipeline.config.ts (memory limit, block reuse), as in a run.
const duckdb = (await loadDag(join(ROOT, 'pipeline.config.ts'))).config.duckdb ?? {};
const run = await measure(() => runStageDirect(stage, new URL('../stages/register/stage.ts', import.meta.url).href, { inputs: { reference }, duckdb }));
const events = run.value.outputs.events!;
copyFileSync(events, join(dataDir, 'events.parquet'));
const summary = (run.value.result || {}).summary as { events: number; people_with_events: number; events_with_reoffence: number };

recordBenchmark('register stage (index events and one-year outcomes)', [
  {
    people: extract.people.toLocaleString('en-GB'),
    disposals: sizes.disposals!.toLocaleString('en-GB'),
    offences: sizes.offences!.toLocaleString('en-GB'),
    'index events': summary.events.toLocaleString('en-GB'),
    'with a reoffence': summary.events_with_reoffence.toLocaleString('en-GB'),
    'events MB': (statSync(events).size / 2 ** 20).toFixed(1),
    threads: (stage.duckdb || undefined)?.threads ?? 1,
    seconds: run.seconds.toFixed(1),
    'peak RSS MiB': run.peakMiB.toFixed(0),
  },
], `One run of the register stage through \`runStageDirect\` on the synthetic register (\`npm run synth -- --people 5000000\`), with the DAG-wide DuckDB settings ${JSON.stringify(duckdb)}.`);
