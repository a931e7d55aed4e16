// `npm run bench -- register [DATA_DIR]`: the register stage over a national-scale synthetic
// register (5,000,000 people), built once with
//   npm run synth -- --people 5000000 --request-size 58000 --data-dir data/scratch/national
// (DATA_DIR defaults to data/scratch/national). The events file is kept beside the register as
// DATA_DIR/events.parquet for `npm run bench -- linkage`. Beside the stage's time, its floor
// (bench/national/floors.ts: reading once the columns it reads, plus one hash join of offences
// to disposals), the median of 5 fresh processes measured in the same run, and the ratio.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import stage from '../stages/register/stage.ts';
import { runStageDirect } from '../test/helpers/run-stage.ts';
import { Duck } from '../src/duck.ts';
import { loadDag } from '../src/dag.ts';
import { measure, recordBenchmark } from './record.ts';
import { FLOORS, floorSettings, measureFloor } from './national/floors.ts';

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
const cpu0 = process.cpuUsage();
const run = await measure(() => runStageDirect(stage, new URL('../stages/register/stage.ts', import.meta.url).href, { inputs: { reference }, duckdb }));
const cpu = process.cpuUsage(cpu0);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
const events = run.value.outputs.events!;
mkdirSync(join(ROOT, '.tmp'), { recursive: true });
const scratch = mkdtempSync(join(ROOT, '.tmp', 'register-floor-'));
const floor = (() => {
  try {
    return measureFloor(FLOORS.find((f) => f.stage === 'register')!, { dataDir, request: '', outputs: { 'register.events': events } }, floorSettings(duckdb, stage.duckdb || undefined), 5, scratch, ['register.events']);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
})();
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
    'cpu s': cpuSeconds.toFixed(1),
    'floor s': floor.seconds.toFixed(2),
    'floor cpu s': floor.cpu.toFixed(2),
    ratio: `${(run.seconds / floor.seconds).toFixed(1)}×`,
    'cpu ratio': `${(cpuSeconds / floor.cpu).toFixed(1)}×`,
    'write floor s': floor.write ? floor.write.seconds.toFixed(2) : '',
    'ratio to read + write': floor.write ? `${(run.seconds / (floor.seconds + floor.write.seconds)).toFixed(1)}×` : '',
    'peak RSS MiB': run.peakMiB.toFixed(0),
  },
], `One run of the register stage through \`runStageDirect\` on the synthetic register (\`npm run synth -- --people 5000000\`), with the DAG-wide DuckDB settings ${JSON.stringify(duckdb)}. Floor (bench/national/floors.ts): DuckDB reading once the columns the stage reads and one hash join of offences to disposals, the median of 5 fresh processes (${floor.runs.map((r) => r.seconds.toFixed(2)).join(', ')} s), with the stage's DuckDB settings; target (issue 21) at most 3×. Write floor: writing events.parquet once from a finished table in memory (category strings as ENUMs), in the same processes.`);
