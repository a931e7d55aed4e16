// `npm run bench -- calibration --worlds N`: is the effect estimate unbiased and are its 95 %
// intervals honest? N fresh synthetic worlds, each generated from its own seed and run through
// the whole pipeline as a user runs it (`npm run synth`, then `npm run pipeline`, each a process
// of its own), then compared with the exact truth the generator knows: every participant's
// outcomes with and without the programme under the same random draws (truth/<id>/
// potential-outcomes.csv).
//
// Worlds alternate between a true effect of -5 pp and 0 (world 1: -5, world 2: 0, ...), and
// cycle through three analysis periods, one of them a single calendar year. Seeds are
// --first-seed + world number; the default range (19,000,001 on) is used by nothing else in the
// repository (tests use small seeds, the demo 20240531), and development runs used
// --first-seed 18000000, so the recorded run is on worlds the method was not tuned on.
//
// Truth: the ATT over the participants the pipeline analysed (the treated events in the matched
// set), from the per-person potential outcomes; effect.json's ATT over all participants is
// reported beside it. Rates are in percentage points.
//
// Every finished world is appended as one JSON line to --out (default
// .bench/calibration-<first seed>.jsonl), so a run that is stopped keeps its worlds;
// `--summarise FILE` records the summary of such a file. At the end the summary is appended to
// BENCHMARKS.md with machine, date and commit.
//
// Options: --worlds N (100), --people N (150,000), --size N (participants, 400), --first-seed S,
// --jobs N (worlds at a time, 1), --out FILE, --no-record, --summarise FILE, --note TEXT, and for a long run
// from a frozen copy of the code (`git archive` into a folder, node_modules linked in):
// --benchmarks FILE (the BENCHMARKS.md to append to), --commit SHA (the copy's commit) and
// --git-commit (commit that file alone when done).
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync, spawnSync } from 'node:child_process';
import { tableFromIPC } from 'apache-arrow';
import { commit, machine, markdownTable, type Row } from './record.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const REQUEST = 'cal';
const PERIODS = ['2019-01-01..2021-12-31', '2020-01-01..2020-12-31', '2019-07-01..2021-06-30'];
const EFFECTS = [-5, 0];

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}
function intArg(name: string, fallback: number): number {
  const v = Number(arg(name, String(fallback)));
  if (!Number.isInteger(v) || v < 0) {
    console.error(`--${name} must be a whole number`);
    process.exit(2);
  }
  return v;
}

const WORLDS = intArg('worlds', 100);
const PEOPLE = intArg('people', 150_000);
const SIZE = intArg('size', 400);
const FIRST_SEED = intArg('first-seed', 19_000_000);
const JOBS = Math.max(1, intArg('jobs', 1));
const OUT = resolve(arg('out', join(ROOT, '.bench', `calibration-${FIRST_SEED}.jsonl`)));
const SUMMARISE = process.argv.includes('--summarise') ? resolve(arg('summarise', '')) : null;
// A long run can go on from a frozen copy of the code (so that editing the working copy cannot
// change it half-way): --benchmarks names the BENCHMARKS.md to append to, --commit the commit the
// copy was taken from, and --git-commit commits that file alone in its repository when done.
const BENCHMARKS = resolve(arg('benchmarks', join(ROOT, 'BENCHMARKS.md')));
const COMMIT = arg('commit', '') || commit();
/** --note TEXT: a line added to the recorded notes (e.g. which commit ran which worlds). */
const NOTE = arg('note', '');

function record(title: string, rows: Row[], notes: string): void {
  const date = new Date().toISOString().slice(0, 10);
  const section = `\n## ${title}\n\n${date} · ${machine()} · commit ${COMMIT}\n\n${markdownTable(rows)}\n${notes}\n`;
  process.stdout.write(section);
  appendFileSync(BENCHMARKS, section);
  if (process.argv.includes('--git-commit')) {
    const dir = resolve(BENCHMARKS, '..');
    execFileSync('git', ['commit', '-m', `BENCHMARKS: ${title}`, '--', BENCHMARKS], { cwd: dir, stdio: 'inherit' });
  }
}
const MEASURES = ['reoff', 'reoff_freq'] as const;
type Measure = (typeof MEASURES)[number];

interface MeasureOutcome {
  estimate: number;
  lower: number;
  upper: number;
  p: number | null;
  /** ATT over the analysed (matched) treated, from the potential outcomes. */
  truth: number;
  /** ATT over all participants (effect.json). */
  truthAll: number;
}
interface WorldResult {
  world: number;
  seed: number;
  people: number;
  size: number;
  jobs: number;
  effectPp: number;
  period: string;
  participants: number;
  treatedAnalysed: number;
  /** Treated whose measured outcome differs from their potential outcome "with" (should be 0 but for linkage picking another event). */
  treatedOutcomeMismatches: number;
  maxAbsSmdAfter: number;
  droppedColumns: string[];
  seconds: number;
  measures: Record<Measure, MeasureOutcome>;
}

function run(cmd: string[], cwd: string): string {
  const r = spawnSync(process.execPath, ['--import', 'tsx', ...cmd], { cwd, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  if (r.status !== 0) throw new Error(`${cmd.join(' ')} failed (exit ${r.status}):\n${r.stderr.slice(-3000)}${r.stdout.slice(-3000)}`);
  return r.stdout;
}

function csvRows(path: string): Record<string, string>[] {
  const [head, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  const cols = head!.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, j) => [cols[j]!, v])));
}

function runWorld(world: number, scratch: string): WorldResult {
  const seed = FIRST_SEED + world;
  const effectPp = EFFECTS[(world - 1) % EFFECTS.length]!;
  const period = PERIODS[Math.floor((world - 1) / EFFECTS.length) % PERIODS.length]!;
  const t0 = performance.now();
  const dir = mkdtempSync(join(scratch, `world-${world}-`));
  try {
    const data = join(dir, 'world');
    run([join(ROOT, 'synth/cli.ts'), '--seed', String(seed), '--people', String(PEOPLE), '--request-size', String(SIZE), '--request-id', REQUEST,
      '--effect-pp', String(effectPp), '--period', period, '--data-dir', data, '--threads', '1'], ROOT);
    const project = join(dir, 'project');
    mkdirSync(join(project, 'data/requests'), { recursive: true });
    cpSync(join(data, 'reference'), join(project, 'data/reference'), { recursive: true });
    cpSync(join(data, 'requests', REQUEST), join(project, 'data/requests', REQUEST), { recursive: true });
    writeFileSync(
      join(project, 'pipeline.config.ts'),
      `import base from '${ROOT}pipeline.config.ts';
import { resolve } from 'node:path';
export default {
  ...base,
  stages: base.stages.map((s) => typeof s === 'string' ? resolve('${ROOT}', s) : { ...s, module: resolve('${ROOT}', s.module) }),
  commands: Object.fromEntries(Object.entries(base.commands ?? {}).map(([n, m]) => [n, resolve('${ROOT}', m)])),
};
`,
    );
    run([join(ROOT, 'src/cli.ts'), '--config', join(project, 'pipeline.config.ts'), '--request', REQUEST], project);
    const runsDir = join(project, 'data/runs', REQUEST);
    const record = JSON.parse(readFileSync(join(runsDir, readdirSync(runsDir).filter((f) => f.endsWith('.json')).sort().at(-1)!), 'utf8'));
    const object = (stage: string, output: string) => join(project, 'data/store/objects', record.stages[stage].outputs[output].hash);
    const metrics = JSON.parse(readFileSync(object('metrics', 'metrics'), 'utf8'));
    const balance = JSON.parse(readFileSync(object('propensity', 'balance'), 'utf8'));
    const model = JSON.parse(readFileSync(object('propensity', 'model'), 'utf8'));
    const matched = tableFromIPC(readFileSync(object('propensity', 'matched')));
    const ids = matched.getChild('event_id')!.toArray() as BigInt64Array;
    const treatedCol = matched.getChild('treated')!.toArray();
    const weights = matched.getChild('weight')!.toArray() as Float64Array;
    const analysed = new Set<string>();
    for (let i = 0; i < ids.length; i++) if (Number(treatedCol[i]) === 1 && weights[i]! > 0) analysed.add(String(ids[i]));

    const po = csvRows(join(data, 'truth', REQUEST, 'potential-outcomes.csv')).filter((r) => analysed.has(r.event_id!));
    const effect = JSON.parse(readFileSync(join(data, 'truth', REQUEST, 'effect.json'), 'utf8'));
    const headline = metrics.analyses[0];
    const measures = {} as Record<Measure, MeasureOutcome>;
    const scale = (m: Measure) => (m === 'reoff' ? 100 : 1);
    let mismatches = 0;
    for (const m of MEASURES) {
      const r = headline.measures.find((x: { measure: string }) => x.measure === m);
      const mean = (k: string) => po.reduce((a, row) => a + Number(row[k]), 0) / po.length;
      measures[m] = {
        estimate: r.difference.estimate * scale(m),
        lower: r.difference.lower * scale(m),
        upper: r.difference.upper * scale(m),
        p: r.difference.p,
        truth: (mean(`${m}_with`) - mean(`${m}_without`)) * scale(m),
        truthAll: effect.measures[m].att * scale(m),
      };
      // the treated group's measured mean must be the mean of the potential outcomes "with"
      if (Math.abs(r.treatment.mean - mean(`${m}_with`)) > 1e-9) mismatches++;
    }
    if (po.length !== analysed.size) mismatches += analysed.size - po.length;
    return {
      world,
      seed,
      people: PEOPLE,
      size: SIZE,
      jobs: JOBS,
      effectPp,
      period,
      participants: effect.participants,
      treatedAnalysed: analysed.size,
      treatedOutcomeMismatches: mismatches,
      maxAbsSmdAfter: balance.max_abs_smd_after,
      droppedColumns: (model.model.dropped ?? []).map((d: { column: string }) => d.column),
      seconds: (performance.now() - t0) / 1000,
      measures,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- summary statistics, each with its Monte Carlo standard error ----

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]) => {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, xs.length - 1));
};
const f = (x: number, d = 2) => x.toFixed(d);
const pct = (p: number, n: number) => `${f(100 * p, 1)} % (MC SE ${f(100 * Math.sqrt((p * (1 - p)) / n), 1)})`;

function quantile(sorted: number[], p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  return sorted[lo]! + (h - lo) * ((sorted[Math.min(lo + 1, sorted.length - 1)] ?? sorted[lo]!) - sorted[lo]!);
}

function measureRows(results: WorldResult[], label: string): Row[] {
  const rows: Row[] = [];
  for (const m of MEASURES) {

    const err = results.map((r) => r.measures[m].estimate - r.measures[m].truth);
    const errAll = results.map((r) => r.measures[m].estimate - r.measures[m].truthAll);
    const covered = results.map((r) => (r.measures[m].lower <= r.measures[m].truth && r.measures[m].truth <= r.measures[m].upper ? 1 : 0));
    const width = results.map((r) => r.measures[m].upper - r.measures[m].lower);
    const n = results.length;
    const mse = err.map((e) => e * e);
    const rmse = Math.sqrt(mean(mse));
    const d = m === 'reoff' ? 2 : 4;
    rows.push({
      worlds: label,
      measure: m === 'reoff' ? 'rate of reoffending (headline), pp' : 'frequency of reoffending, offences per person',
      n,
      'coverage of 95 % CI': pct(mean(covered), n),
      'mean bias': `${f(mean(err), d)} (MC SE ${f(sd(err) / Math.sqrt(n), d)})`,
      'bias vs all participants': `${f(mean(errAll), d)} (MC SE ${f(sd(errAll) / Math.sqrt(n), d)})`,
      RMSE: `${f(rmse, d)} (MC SE ${f(sd(mse) / Math.sqrt(n) / (2 * rmse), d)})`,
      'mean CI width': `${f(mean(width), d)} (MC SE ${f(sd(width) / Math.sqrt(n), d)})`,
    });
  }
  return rows;
}

function summarise(results: WorldResult[]): { rows: Row[]; notes: string } {
  results.sort((a, b) => a.world - b.world);
  const rows: Row[] = [...measureRows(results, 'all')];
  for (const e of EFFECTS) {
    const arm = results.filter((r) => r.effectPp === e);
    if (arm.length) rows.push(...measureRows(arm, `effect ${e} pp`));
  }
  const nulls = results.filter((r) => r.effectPp === 0);
  const fp = nulls.map((r) => (r.measures.reoff.lower > 0 || r.measures.reoff.upper < 0 ? 1 : 0));
  const fpFreq = nulls.map((r) => (r.measures.reoff_freq.lower > 0 || r.measures.reoff_freq.upper < 0 ? 1 : 0));
  const smd = results.map((r) => r.maxAbsSmdAfter).sort((a, b) => a - b);
  const n = smd.length;
  // distribution-free 95 % interval of the median from order statistics
  const lo = Math.max(0, Math.floor(n / 2 - 0.98 * Math.sqrt(n)) - 1);
  const hi = Math.min(n - 1, Math.ceil(n / 2 + 0.98 * Math.sqrt(n)));
  const over = (t: number) => mean(smd.map((x) => (x > t ? 1 : 0)));
  const mismatched = results.filter((r) => r.treatedOutcomeMismatches > 0).length;
  const dropped = new Map<string, number>();
  for (const r of results) for (const c of r.droppedColumns) dropped.set(c, (dropped.get(c) ?? 0) + 1);
  const first = results[0]!;
  const headErr = results.map((r) => r.measures.reoff.estimate - r.measures.reoff.truth);
  const bias = mean(headErr);
  const biasSe = sd(headErr) / Math.sqrt(n);
  const coverage = mean(results.map((r) => (r.measures.reoff.lower <= r.measures.reoff.truth && r.measures.reoff.truth <= r.measures.reoff.upper ? 1 : 0)));
  const verdict = (ok: boolean) => (ok ? 'holds' : 'does NOT hold');
  const checks = [
    `coverage of the headline ${f(100 * coverage, 1)} % in 93-97 %: ${verdict(coverage >= 0.93 && coverage <= 0.97)}`,
    `|mean bias| ${f(Math.abs(bias))} pp <= 0.5 and within two MC SEs (${f(2 * biasSe)}): ${verdict(Math.abs(bias) <= 0.5 && Math.abs(bias) <= 2 * biasSe)}`,
    `false-positive rate ${fp.length ? f(100 * mean(fp), 1) : 'n/a'} % <= 7 %: ${verdict(fp.length > 0 && mean(fp) <= 0.07)}`,
    `median max |SMD| ${f(quantile(smd, 0.5), 3)} <= 0.05: ${verdict(quantile(smd, 0.5) <= 0.05)}`,
    `at least 100 worlds: ${verdict(n >= 100)}`,
  ];
  const notes = [
    `${results.length} worlds (seeds ${first.seed}-${results.at(-1)?.seed}), ${first.people.toLocaleString('en-GB')} people and ${first.size} participants each, effects ${EFFECTS.join(' / ')} pp alternating, periods ${PERIODS.join(', ')} in turn; the whole pipeline on each (npm run synth, npm run pipeline); median ${f(quantile(results.map((r) => r.seconds).sort((a, b) => a - b), 0.5), 1)} s per world, ${first.jobs} at a time.`,
    `False-positive rate under effect 0 (95 % CI of the headline excludes 0): ${fp.length ? pct(mean(fp), fp.length) : 'n/a'} of ${fp.length} worlds; frequency measure: ${fpFreq.length ? pct(mean(fpFreq), fpFreq.length) : 'n/a'}.`,
    `Max |SMD| after matching (balance table: covariates, factor levels, indicators): median ${f(quantile(smd, 0.5), 3)} (95 % CI ${f(smd[lo] ?? NaN, 3)}-${f(smd[hi] ?? NaN, 3)}), quartiles ${f(quantile(smd, 0.25), 3)} / ${f(quantile(smd, 0.75), 3)}, 90th percentile ${f(quantile(smd, 0.9), 3)}, max ${f(smd[n - 1] ?? NaN, 3)}; above 0.05 in ${pct(over(0.05), n)}, above 0.10 in ${pct(over(0.1), n)} of worlds.`,
    `Truth: the exact ATT over the treated the pipeline analysed (matched treated events), from each participant's potential outcomes under the same draws; "bias vs all participants" uses effect.json's ATT over every participant instead. Treated analysed per world: median ${quantile(results.map((r) => r.treatedAnalysed).sort((a, b) => a - b), 0.5)} of ${first.size}. Worlds where the analysed treated were not exactly the participants' intervention events with their outcomes "with" (the linkage chose another event for at least one person): ${mismatched} of ${n}.`,
    ...(NOTE ? [NOTE] : []),
    `Worlds that failed to run (${basename(SUMMARISE ?? OUT)}.failed): ${failedWorlds().length ? failedWorlds().map((x) => `world ${x.world} (seed ${x.seed})`).join(', ') : 'none'}.`,
    `Columns dropped as constant or collinear: ${dropped.size ? [...dropped].map(([c, k]) => `"${c}" in ${k} worlds`).join(', ') : 'none'}.`,
    `Acceptance (issue 19): ${checks.join('; ')}.`,
  ].join('\n\n');
  return { rows, notes };
}

function failedWorlds(): { world: number; seed: number }[] {
  const file = `${SUMMARISE ?? OUT}.failed`;
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
}

function readResults(file: string): WorldResult[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as WorldResult);
}

if (SUMMARISE) {
  const results = readResults(SUMMARISE);
  if (!results.length) {
    console.error(`no worlds in ${SUMMARISE}`);
    process.exit(2);
  }
  const { rows, notes } = summarise(results);
  if (process.argv.includes('--no-record')) console.log(rows, notes);
  else record(`calibration: ${results.length} synthetic worlds through the whole pipeline (bench/calibration.ts, summarised from ${basename(SUMMARISE)})`, rows, notes);
  process.exit(0);
}

if (WORLDS < 1) {
  console.error('--worlds must be at least 1');
  process.exit(2);
}
mkdirSync(resolve(OUT, '..'), { recursive: true });
const done = new Set(readResults(OUT).map((r) => r.world));
const todo = Array.from({ length: WORLDS }, (_, i) => i + 1).filter((w) => !done.has(w));
if (done.size) console.log(`${OUT}: ${done.size} worlds already done, ${todo.length} to go`);
mkdirSync(join(ROOT, '.tmp'), { recursive: true });
const scratch = mkdtempSync(join(ROOT, '.tmp', 'calibration-'));

if (process.argv.includes('--world')) {
  // a child process: one world, its result on stdout
  const w = intArg('world', 1);
  console.log(`WORLD ${JSON.stringify(runWorld(w, scratch))}`);
  rmSync(scratch, { recursive: true, force: true });
  process.exit(0);
}

const started = performance.now();
try {
  // JOBS worlds at a time, each in a child process; results are appended as they finish.
  const { spawn } = await import('node:child_process');
  let next = 0;
  let finished = 0;
  const worker = async () => {
    while (next < todo.length) {
      const w = todo[next++]!;
      const line = await new Promise<string | null>((resolveLine) => {
        const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), ...process.argv.slice(2).filter((a, i, all) => a !== '--world' && all[i - 1] !== '--world'), '--world', String(w)], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (err += d));
        child.on('close', (code) => {
          const l = out.split('\n').find((x) => x.startsWith('WORLD '));
          if (code === 0 && l) resolveLine(l.slice('WORLD '.length));
          else {
            // A failed world is a finding, not a reason to lose the others: it is kept, with the
            // end of its error, in <out>.failed, and the summary counts it.
            console.error(`world ${w} failed (exit ${code}):\n${err.slice(-4000)}`);
            appendFileSync(`${OUT}.failed`, JSON.stringify({ world: w, seed: FIRST_SEED + w, exit: code, error: err.slice(-2000) }) + '\n');
            resolveLine(null);
          }
        });
      });
      if (line === null) continue;
      appendFileSync(OUT, line + '\n');
      finished++;
      const r = JSON.parse(line) as WorldResult;
      const h = r.measures.reoff;
      console.log(
        `world ${w} (seed ${r.seed}, effect ${r.effectPp}, ${r.period}): headline ${f(h.estimate)} pp [${f(h.lower)}, ${f(h.upper)}], truth ${f(h.truth)}; max |SMD| ${f(r.maxAbsSmdAfter, 3)}; ${f(r.seconds, 1)} s (${finished}/${todo.length}, ${f((performance.now() - started) / 1000 / 60, 1)} min)`,
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(JOBS, todo.length) }, worker));
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

const results = readResults(OUT).filter((r) => r.world <= WORLDS);
const { rows, notes } = summarise(results);
if (process.argv.includes('--no-record')) {
  console.log(rows);
  console.log(notes);
} else {
  record(`calibration: ${results.length} synthetic worlds through the whole pipeline (bench/calibration.ts)`, rows, notes);
}
