// `npm run bench -- national`: the whole pipeline at national scale, each heavy stage beside its
// floor. Generates (or reuses) the 5,000,000-person register with a 58,000-person request in
// data/scratch/national, and a second, different 58,000-person request in
// data/scratch/national-requests (this bench's own folder: the register folder is only read).
// Then, in a scratch project with a fresh store: cold runs (3 by default, --cold-runs N), a run with
// nothing changed, a run after a one-row correction, the second request once the register is built
// (new request), and a run after a change to one linkage SQL file. Each scenario runs in a process
// of its own, as `npm run pipeline` does, so no run inherits memory from the one before.
//
// Floors (bench/national/floors.ts): for each heavy stage, the time DuckDB takes to read once the
// columns the stage reads (plus one hash join where the stage's method needs one), measured in the
// same bench run on the same files, as the median of --floor-runs N (default 5) fresh processes.
// Each stage's wall and CPU time is printed and recorded with its floor and the ratio, so that
// figures from machines of different speed can be compared; beside each, the write floor (writing
// the stage's Parquet outputs once, floors.ts FloorFigures.write). Everything goes to BENCHMARKS.md.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename, join, resolve } from 'node:path';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { loadDag } from '../src/dag.ts';
import { Duck } from '../src/duck.ts';
import { makeProject as projectOf } from '../src/project.ts';
import { Runner, type RunEvent } from '../src/runner.ts';
import { FLOORS, floorSettings, measureFloor, type FloorFigures, type FloorFiles } from './national/floors.ts';
import { markdownTable, recordBenchmark, type Row } from './record.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const NATIONAL = join(ROOT, 'data/scratch/national');
const REQUEST = 'national';
/** The second request, in a folder of this bench's own: data/scratch/national is shared and read-only. */
const NEW_REQUESTS = join(ROOT, 'data/scratch/national-requests');
const NEW_REQUEST = 'national-2';
const NEW_REQUEST_SQL = join(ROOT, 'bench/national/new-request.sql');
const NEW_REQUEST_PEOPLE = 58_000;

interface StageFigure {
  seconds: number;
  cpu: number;
  peakMiB: number;
  state: string;
}
interface ScenarioFigures {
  seconds: number;
  cpu: number;
  peakMiB: number;
  stages: [string, StageFigure][];
  /** 'stage.output' -> the blob's path in the scratch store, for the floors. */
  outputs: Record<string, string>;
}

const cpuSeconds = (since?: NodeJS.CpuUsage): number => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1e6;
};

/** One scenario: the pipeline run in this process, stages one at a time so memory and CPU time are attributable. */
async function runScenario(project: string, request: string): Promise<ScenarioFigures> {
  const built = projectOf(await loadDag(join(project, 'pipeline.config.ts')));
  const runner = new Runner(built);
  const stages = new Map<string, StageFigure>();
  let current: string | undefined;
  let stagePeak = 0;
  let stageCpu = process.cpuUsage();
  const timer = setInterval(() => {
    stagePeak = Math.max(stagePeak, process.memoryUsage().rss);
  }, 25);
  const onEvent = (e: RunEvent) => {
    if (e.type !== 'stage') return;
    if (e.state === 'running') {
      current = e.stage;
      stagePeak = process.memoryUsage().rss;
      stageCpu = process.cpuUsage();
    } else if (['ran', 'hit', 'failed', 'skipped'].includes(e.state)) {
      const peak = e.stage === current ? stagePeak : process.memoryUsage().rss;
      const cpu = e.stage === current ? cpuSeconds(stageCpu) : 0;
      stages.set(e.stage, { seconds: e.seconds ?? 0, cpu, peakMiB: peak / 2 ** 20, state: e.state });
      if (e.state === 'failed') console.error(`${e.stage} failed: ${e.error}`);
    }
  };
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const outcome = await runner.run({ request, concurrency: 1, onEvent });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(c0);
  clearInterval(timer);
  if (!outcome.ok) throw new Error(`pipeline failed: ${outcome.message}`);
  const outputs: Record<string, string> = {};
  for (const [stage, run] of Object.entries(outcome.record?.stages ?? {})) {
    for (const [name, o] of Object.entries(run.outputs ?? {})) outputs[`${stage}.${name}`] = built.store.blobPath(o.hash);
  }
  // the kernel's high-water mark of this process: exact, where the sampling above may miss a peak
  const peakMiB = process.resourceUsage().maxRSS / 1024;
  return { seconds, cpu, peakMiB, stages: [...stages], outputs };
}

const modeArg = (flag: string): string | undefined => {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

const scenarioArg = modeArg('--scenario');
if (scenarioArg) {
  const figures = await runScenario(scenarioArg, modeArg('--request') ?? REQUEST);
  console.log(`SCENARIO ${JSON.stringify(figures)}`);
  process.exit(0);
}
if (!existsSync(join(NATIONAL, 'reference/extract.json')) || !existsSync(join(NATIONAL, 'requests', REQUEST))) {
  console.log('generating the 5,000,000-person register and the 58,000-person request (about a minute)...');
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'synth/cli.ts'), '--people', '5000000', '--request-size', '58000', '--data-dir', NATIONAL], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const wholeNumber = (flag: string, fallback: number): number => {
  const text = modeArg(flag);
  const n = text === undefined ? fallback : Number(text);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`${flag} needs a whole number of runs, 1 or more`);
    process.exit(2);
  }
  return n;
};
// `--cold-runs N` (default 3): this machine's timings vary by ±10 % from run to run, so the cold
// run is repeated, each time in a new scratch project, and every run is reported with the median.
const COLD_RUNS = wholeNumber('--cold-runs', 3);
// `--floor-runs N` (default 5): each floor is the median of N fresh processes.
const FLOOR_RUNS = wholeNumber('--floor-runs', 5);

/**
 * The second request: generated once from the register (bench/national/new-request.sql) into
 * this bench's own folder, and again whenever the register, the first request's form or the SQL
 * changes (a stamp file records their hashes).
 */
async function ensureNewRequest(): Promise<string> {
  const dir = join(NEW_REQUESTS, NEW_REQUEST);
  const firstForm = JSON.parse(readFileSync(join(NATIONAL, 'requests', REQUEST, 'request.json'), 'utf8')) as Record<string, unknown> & { analysis_period: { from: string; to: string } };
  const extract = JSON.parse(readFileSync(join(NATIONAL, 'reference/extract.json'), 'utf8')) as { extract_date: string };
  const stamp = createHash('sha256')
    .update(readFileSync(NEW_REQUEST_SQL))
    .update(readFileSync(join(NATIONAL, 'reference/extract.json')))
    .update(JSON.stringify(firstForm))
    .digest('hex');
  if (existsSync(join(dir, 'stamp')) && readFileSync(join(dir, 'stamp'), 'utf8') === stamp) return dir;
  console.log(`generating the second request (${NEW_REQUEST_PEOPLE.toLocaleString('en-GB')} people) in ${dir}...`);
  const staging = `${dir}.partial`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true, mode: 0o700 });
  const reference = join(NATIONAL, 'reference');
  const db = await Duck.open({ threads: 2, memoryLimit: '2500MB' });
  try {
    await db.file(NEW_REQUEST_SQL, {
      people: join(reference, 'people.parquet'),
      disposals: join(reference, 'disposals.parquet'),
      prison_numbers: join(reference, 'prison_numbers.parquet'),
      from: firstForm.analysis_period.from,
      to: firstForm.analysis_period.to,
      extract: extract.extract_date,
      n: NEW_REQUEST_PEOPLE,
      cohort: join(staging, 'cohort.csv'),
    });
  } finally {
    db.close();
  }
  const form = {
    ...firstForm,
    id: NEW_REQUEST,
    organisation: { name: `Synthetic programme ${NEW_REQUEST}`, description: 'A second fictional national programme, for the bench\'s new-request scenario.' },
    contact: { name: 'Data Protection Lead', email: `data@programme-${NEW_REQUEST}.example.org` },
  };
  writeFileSync(join(staging, 'request.json'), `${JSON.stringify(form, null, 2)}\n`, { mode: 0o644 });
  writeFileSync(join(staging, 'stamp'), stamp);
  rmSync(dir, { recursive: true, force: true });
  renameSync(staging, dir);
  return dir;
}
const newRequestDir = await ensureNewRequest();

/** A scratch project: the repo's stages, the national register linked in, copies of the requests. */
function makeProject(): string {
  mkdirSync(join(ROOT, '.tmp'), { recursive: true });
  const dir = mkdtempSync(join(ROOT, '.tmp', 'national-'));
  mkdirSync(join(dir, 'data/requests'), { recursive: true });
  symlinkSync(join(NATIONAL, 'reference'), join(dir, 'data/reference'));
  cpSync(join(NATIONAL, 'requests', REQUEST), join(dir, 'data/requests', REQUEST), { recursive: true });
  writeFileSync(
    join(dir, 'pipeline.config.ts'),
    `import base from '${ROOT}pipeline.config.ts';
import { resolve } from 'node:path';
export default { ...base, stages: base.stages.map((s) => typeof s === 'string' ? resolve('${ROOT}', s) : { ...s, module: resolve('${ROOT}', s.module) }) };
`,
  );
  return dir;
}
let project = makeProject();

/** A child process of this file, its one result line read back. */
function child<T>(args: string[], tag: string): T {
  const run = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), ...args], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  const line = run.stdout.split('\n').find((l) => l.startsWith(`${tag} `));
  if (run.status !== 0 || !line) {
    process.stderr.write(run.stderr);
    throw new Error(`${tag.toLowerCase()} failed (exit ${run.status})`);
  }
  return JSON.parse(line.slice(tag.length + 1)) as T;
}

type Scenario = Omit<ScenarioFigures, 'stages'> & { stages: Map<string, StageFigure> };
/** One scenario in a fresh process (the pipeline as a user runs it), its figures read back. */
function scenario(request = REQUEST): Scenario {
  const figures = child<ScenarioFigures>(['--scenario', project, '--request', request], 'SCENARIO');
  return { ...figures, stages: new Map(figures.stages) };
}

const dag = await loadDag(join(ROOT, 'pipeline.config.ts'));
const dagDuck = dag.config.duckdb ?? {};

/** Each floor of a stage in the DAG, as the median of FLOOR_RUNS fresh processes, on this run's files. */
function measureFloors(outputs: Record<string, string>): Map<string, FloorFigures & { runs: FloorFigures[] }> {
  const floors = new Map<string, FloorFigures & { runs: FloorFigures[] }>();
  const where: FloorFiles = { dataDir: join(project, 'data'), request: REQUEST, outputs };
  for (const floor of FLOORS) {
    const stage = dag.stages.find((s) => s.name === floor.stage);
    if (!stage) continue;
    // the stage's Parquet outputs, for the write floor beside the issue's (read) floor
    const writes = Object.entries(stage.outputs).filter(([, o]) => o.format === 'parquet').map(([name]) => `${stage.name}.${name}`).filter((o) => outputs[o]);
    const f = measureFloor(floor, where, floorSettings(dagDuck, stage.duckdb === false ? undefined : stage.duckdb), FLOOR_RUNS, project, writes);
    floors.set(floor.stage, f);
    const write = f.write ? `; writing its output once ${f.write.seconds.toFixed(2)} s, cpu ${f.write.cpu.toFixed(2)} s` : '';
    console.log(`floor of ${floor.stage}: ${f.seconds.toFixed(2)} s, cpu ${f.cpu.toFixed(2)} s (median of ${FLOOR_RUNS}: ${f.runs.map((r) => r.seconds.toFixed(2)).join(', ')})${write}`);
  }
  return floors;
}

const loadBefore = loadavg()[0]!;
const scenarios: [string, Scenario][] = [];
const add = (name: string, r: Scenario) => {
  scenarios.push([name, r]);
  const perStage = [...r.stages].filter(([, f]) => f.state === 'ran').map(([s, f]) => `${s} ${f.seconds.toFixed(1)}`).join(', ');
  console.log(`${name}: ${r.seconds.toFixed(1)} s (cpu ${r.cpu.toFixed(1)} s), peak ${r.peakMiB.toFixed(0)} MiB (${perStage})`);
};

const sqlFile = join(ROOT, 'stages/linkage/score.sql');
const sqlBefore = readFileSync(sqlFile, 'utf8');
let coldNote = '';
let eventsHash = '';
let floors = new Map<string, FloorFigures & { runs: FloorFigures[] }>();
try {
  // Cold runs, each on a fresh store; the per-stage rows are those of the median run, and the
  // later scenarios continue from the last project.
  const cold: Scenario[] = [];
  for (let k = 0; k < COLD_RUNS; k++) {
    if (k > 0) {
      rmSync(project, { recursive: true, force: true });
      project = makeProject();
    }
    cold.push(scenario());
    const run = cold.at(-1)!;
    const perStage = [...run.stages].filter(([, f]) => f.state === 'ran').map(([s, f]) => `${s} ${f.seconds.toFixed(1)}`).join(', ');
    console.log(`cold run ${k + 1} of ${COLD_RUNS}: ${run.seconds.toFixed(1)} s, peak ${run.peakMiB.toFixed(0)} MiB (${perStage})`);
  }
  const byTime = [...cold].sort((a, b) => a.seconds - b.seconds);
  const mid = byTime[Math.floor((byTime.length - 1) / 2)]!;
  add(COLD_RUNS > 1 ? 'cold (median run)' : 'cold', mid);
  coldNote = `Cold runs (each on a fresh store): ${cold.map((r) => `${r.seconds.toFixed(1)} s / ${r.peakMiB.toFixed(0)} MiB`).join(', ')}; median ${mid.seconds.toFixed(1)} s, highest peak ${Math.max(...cold.map((r) => r.peakMiB)).toFixed(0)} MiB. `;
  const coldOutputs = cold.at(-1)!.outputs;
  // the store names a blob by its sha256: the register's output, to compare across commits
  eventsHash = basename(coldOutputs['register.events'] ?? '');
  add('nothing changed', scenario());
  // One-row correction: the first person's forename corrected (a new correction file).
  const cohort = readFileSync(join(project, 'data/requests', REQUEST, 'cohort.csv'), 'utf8').split(/\r?\n/);
  const header = cohort[0]!.split(',');
  const cells = cohort[1]!.split(',');
  cells[header.indexOf('notes')] = 'corrected';
  cells[header.indexOf('forename')] = `${cells[header.indexOf('forename')]}e`;
  mkdirSync(join(project, 'data/requests', REQUEST, 'corrections'), { recursive: true });
  writeFileSync(join(project, 'data/requests', REQUEST, 'corrections/2025-06-01-cohort.csv'), [cohort[0], cells.join(','), ...cohort.slice(2)].join('\n'));
  add('one-row correction', scenario());
  // A new request once the register is built: another provider's 58,000 people.
  cpSync(newRequestDir, join(project, 'data/requests', NEW_REQUEST), { recursive: true, filter: (src) => !src.endsWith('/stamp') });
  add('new request', scenario(NEW_REQUEST));
  // A change to one linkage SQL file (a comment: the code hash changes, the results do not).
  writeFileSync(sqlFile, `${sqlBefore}\n-- benchmark: a changed comment\n`);
  add('linkage SQL changed', scenario());
  writeFileSync(sqlFile, sqlBefore);
  // The floors last, on the files of the first request's last cold run (its store is still there).
  floors = measureFloors(coldOutputs);
} finally {
  writeFileSync(sqlFile, sqlBefore);
  rmSync(project, { recursive: true, force: true });
}

const loadAfter = loadavg()[0]!;
const rows: Row[] = [];
for (const [name, r] of scenarios) {
  const ran = [...r.stages].filter(([s, f]) => f.state === 'ran' && floors.has(s));
  const floorSum = ran.reduce((a, [s]) => a + floors.get(s)!.seconds, 0);
  const floorCpuSum = ran.reduce((a, [s]) => a + floors.get(s)!.cpu, 0);
  rows.push({
    scenario: name, stage: '(whole pipeline)', state: '', 'wall s': r.seconds.toFixed(2), 'cpu s': r.cpu.toFixed(2),
    'floor s': ran.length ? floorSum.toFixed(2) : '', 'floor cpu s': ran.length ? floorCpuSum.toFixed(2) : '',
    ratio: ran.length ? `${(r.seconds / floorSum).toFixed(1)}×` : '', 'cpu ratio': ran.length ? `${(r.cpu / floorCpuSum).toFixed(1)}×` : '',
    'write floor s': '', 'ratio to read + write': '',
    'peak RSS MiB': r.peakMiB.toFixed(0),
  });
  for (const [stage, f] of r.stages) {
    const floor = f.state === 'ran' ? floors.get(stage) : undefined;
    rows.push({
      scenario: name, stage, state: f.state, 'wall s': f.seconds.toFixed(2), 'cpu s': f.state === 'ran' ? f.cpu.toFixed(2) : '',
      'floor s': floor ? floor.seconds.toFixed(2) : '', 'floor cpu s': floor ? floor.cpu.toFixed(2) : '',
      ratio: floor ? `${(f.seconds / floor.seconds).toFixed(1)}×` : '', 'cpu ratio': floor ? `${(f.cpu / floor.cpu).toFixed(1)}×` : '',
      'write floor s': floor?.write ? floor.write.seconds.toFixed(2) : '',
      'ratio to read + write': floor?.write ? `${(f.seconds / (floor.seconds + floor.write.seconds)).toFixed(1)}×` : '',
      'peak RSS MiB': f.state === 'ran' ? f.peakMiB.toFixed(0) : '',
    });
  }
}

// What issue 21 asks, held against this run's figures.
const byName = new Map(scenarios);
const stageOf = (s: string, stage: string) => byName.get(s)?.stages.get(stage);
const coldRun = scenarios[0]![1];
const registerCold = stageOf(scenarios[0]![0], 'register');
const registerFloor = floors.get('register');
const registerRatio = registerCold && registerFloor ? registerCold.seconds / registerFloor.seconds : NaN;
// the same stage against its read floor plus writing its output once (FloorFigures.write)
const registerWriteRatio = registerCold && registerFloor?.write ? registerCold.seconds / (registerFloor.seconds + registerFloor.write.seconds) : NaN;
const registerWriteShare = registerFloor?.write ? registerFloor.write.seconds / registerFloor.seconds : NaN;
const peak = Math.max(...scenarios.map(([, r]) => r.peakMiB));
const verdict = (ok: boolean) => (ok ? 'holds' : 'does not hold');
const targets = [
  `cold run ${coldRun.seconds.toFixed(1)} s <= 60 s: ${verdict(coldRun.seconds <= 60)}`,
  `register ${registerRatio.toFixed(1)}× its floor <= 3×: ${verdict(registerRatio <= 3)} (writing its output once is ${registerWriteShare.toFixed(1)}× that floor by itself; the stage is ${registerWriteRatio.toFixed(1)}× the floor plus that write)`,
  `one-row correction ${byName.get('one-row correction')!.seconds.toFixed(1)} s <= 10 s: ${verdict(byName.get('one-row correction')!.seconds <= 10)}`,
  `new request ${byName.get('new request')!.seconds.toFixed(1)} s <= 20 s: ${verdict(byName.get('new request')!.seconds <= 20)}`,
  `peak ${(peak / 1024).toFixed(2)} GiB <= 4 GB (3.73 GiB): ${verdict(peak * 2 ** 20 <= 4e9)}`,
];
console.log(`\ntargets (issue 21):\n  ${targets.join('\n  ')}`);

const floorRows: Row[] = FLOORS.filter((f) => floors.has(f.stage)).map((f) => {
  const m = floors.get(f.stage)!;
  return {
    stage: f.stage,
    reads: [...f.reads.map((r) => `${r.file} (${r.columns === '*' ? 'all columns' : `${r.columns.length} columns`})`), ...(f.join ? [`join ${f.join.probe.file}.${f.join.probe.column} = ${f.join.build.file}.${f.join.build.column}`] : [])].join('; '),
    'floor s (median)': m.seconds.toFixed(2),
    'cpu s (median)': m.cpu.toFixed(2),
    runs: m.runs.map((r) => r.seconds.toFixed(2)).join(', '),
    'writing the outputs once s (median)': m.write ? m.write.seconds.toFixed(2) : '',
    'write cpu s (median)': m.write ? m.write.cpu.toFixed(2) : '',
  };
});

const people = JSON.parse(readFileSync(resolve(NATIONAL, 'reference/extract.json'), 'utf8')).people as number;
recordBenchmark(
  `national: the whole pipeline on ${people.toLocaleString('en-GB')} people and a 58,000-person request, each stage beside its floor (bench/national.ts)`,
  rows,
  `${coldNote}Targets (issue 21): ${targets.join('; ')}.

Floors (bench/national/floors.ts), measured after the scenarios on the files of the last cold run (the first request's cohort, links and events; the new request's files are of the same size): the time DuckDB takes to read once the columns each stage reads, every value hashed (DuckDB answers count(), min() and max() from file statistics without reading), plus one hash join where the stage's method needs one; the median of ${FLOOR_RUNS} fresh processes, each with the DuckDB settings the stage runs with (the DAG's memory settings, the stage's threads). Ratio: the stage's wall time over its floor's; cpu ratio: the same for CPU time (user + sys, all threads), steadier when the machine is shared. The whole-pipeline floor is the sum of the floors of the stages that ran. Beside it, not part of it: the write floor, the time DuckDB takes to write each of the stage's Parquet outputs of this run once from a finished table in memory (strings of at most 255 distinct values as ENUMs, which the writer takes as its dictionary), in the same processes; ratio to read + write: the stage's wall time over the two together.

${markdownTable(floorRows)}
Scenarios: each in a fresh process, as \`npm run pipeline\` does; stages one at a time (concurrency 1) so that peak RSS and CPU time are attributable; the whole-pipeline peak is the process's high-water mark; the register is generated beforehand and not timed; register.events sha256 ${eventsHash}. Load average (1 min) ${loadBefore.toFixed(1)} when the scenarios started, ${loadAfter.toFixed(1)} when the floors ended: on this 2-core machine anything above about 0.5 means another process shared the cores. New request: a second, different 58,000-person request (${NEW_REQUEST}, bench/national/new-request.sql, drawn from the same register) run in the same store once the first request's runs have built the register. DuckDB settings from pipeline.config.ts: ${JSON.stringify(dagDuck)}.`,
);
