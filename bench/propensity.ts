// `npm run bench -- propensity [poolSize] [treated]`: the propensity job end to end on a synthetic
// national pool (default 2,000,000 comparators × 10 covariates against 50,000 treated): fit the
// logit model, match, measure balance. Beside it, the same job in Debian's python3-sklearn
// (LogisticRegression lbfgs, no penalty, on standardised columns + NearestNeighbors on the
// logit score, 1:1 with replacement + the same SMDs in numpy), run by /usr/bin/python3 when it
// is installed. Both are timed from data in memory; ours is also timed from the Parquet file.
// Figures are appended to BENCHMARKS.md (not with --no-record).
import { $ } from 'zx';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duck } from '../src/duck.ts';
import { getWorkerCount } from '../src/parallel.ts';
import { balanceTable } from '../stages/propensity/balance.ts';
import { loadDesign, type Design } from '../stages/propensity/design.ts';
import { fitLogistic } from '../stages/propensity/logistic.ts';
import { matchUnits, type MatchOptions } from '../stages/propensity/match.ts';
import { balanceColumns } from '../stages/propensity/psm.ts';
import { markdownTable, measure, recordBenchmark, type Row } from './record.ts';

// `--no-record` prints the table without appending it (for trying small sizes).
const args = process.argv.slice(2).filter((a) => a !== '--no-record');
const record = !process.argv.includes('--no-record');
const pool = Number(args[0] ?? 2_000_000);
const treatedN = Number(args[1] ?? 50_000);
const n = pool + treatedN;
const P = 10;
const dir = mkdtempSync(join(tmpdir(), 'bench-propensity-'));
const parquet = join(dir, 'pool.parquet');

// Seven continuous covariates (different scales) and three binary ones; the treated are shifted.
function covariateSql(): string {
  const normal = () => 'sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())';
  const cont = [
    `35 + 12 * ${normal()} - 3 * treat`,
    `greatest(0, round(6 + 5 * ${normal()} + 2 * treat))`,
    `greatest(0, round(3 + 3 * ${normal()} + 1 * treat))`,
    `greatest(0, round(1 + 1.5 * ${normal()}))`,
    `16 + 4 * ${normal()} - 0.8 * treat`,
    `abs(0.8 + 0.5 * ${normal()} + 0.2 * treat)`,
    `greatest(0, least(365, round(150 + 120 * ${normal()} - 40 * treat)))`,
  ];
  const bin = ['0.3 + 0.1 * treat', '0.5 - 0.08 * treat', '0.15 + 0.05 * treat'].map((p) => `(random() < ${p})::DOUBLE`);
  return [...cont, ...bin].map((e, j) => `${e} AS x${j + 1}`).join(', ');
}

async function generate(): Promise<void> {
  const db = await Duck.open({ threads: 2 });
  try {
    await db.run('SELECT setseed(0.42)');
    await db.run(`CREATE TABLE base AS SELECT i AS id, (i < ${treatedN})::INTEGER AS treat FROM range(${n}) t(i)`);
    await db.run(`COPY (SELECT id, treat, ${covariateSql()} FROM base ORDER BY id) TO '${parquet}' (FORMAT parquet)`);
  } finally {
    db.close();
  }
}

const NAMES = Array.from({ length: P }, (_, j) => `x${j + 1}`);

async function load(): Promise<Design> {
  const db = await Duck.open({ threads: 2 });
  try {
    await db.run('CREATE TABLE pool AS SELECT * FROM read_parquet($p)', { p: parquet });
    return await loadDesign(db, { table: 'pool', order: 'id', treatment: 'treat', numeric: NAMES, factors: [], exact: [] });
  } finally {
    db.close();
  }
}

interface Job {
  /** CPU seconds (all threads) of fit + match + balance: stable on a shared machine, unlike wall time. */
  cpu: number;
  fit: number;
  match: number;
  balance: number;
  iterations: number;
  treatedMatched: number;
  comparisonMatched: number;
  maxSmdBefore: number;
  maxSmdAfter: number;
  coefficients: Float64Array;
  pairs: Int32Array | null;
}

function ours(design: Design, options: MatchOptions): Job {
  const cpu0 = process.cpuUsage();
  let t = performance.now();
  const fit = fitLogistic(design.columns, design.treat, design.names);
  const tFit = (performance.now() - t) / 1000;
  t = performance.now();
  const match = matchUnits(fit.linearPredictor, design.treat, design.stratum, options);
  const tMatch = (performance.now() - t) / 1000;
  t = performance.now();
  const balance = balanceTable(balanceColumns(design), design.treat, match.weight);
  const tBalance = (performance.now() - t) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return {
    cpu: (cpu.user + cpu.system) / 1e6,
    fit: tFit,
    match: tMatch,
    balance: tBalance,
    iterations: fit.iterations,
    treatedMatched: match.counts.treatedMatched,
    comparisonMatched: match.counts.comparisonMatched,
    maxSmdBefore: balance.maxAbsSmdBefore,
    maxSmdAfter: balance.maxAbsSmdAfter,
    coefficients: fit.coefficients,
    pairs: match.pairs,
  };
}

const PYTHON = String.raw`
import sys, json, time
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import NearestNeighbors
d, n, p = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
X = np.ascontiguousarray(np.fromfile(d + '/x.f64').reshape(p, n).T)
y = np.fromfile(d + '/treat.u8', dtype=np.uint8)
c0 = time.process_time()
t0 = time.perf_counter()
mu = X.mean(0); sd = X.std(0)
Z = (X - mu) / sd
lr = LogisticRegression(penalty=None, solver='lbfgs', max_iter=1000).fit(Z, y)
score = lr.decision_function(Z)
t1 = time.perf_counter()
treated = np.flatnonzero(y == 1); ctrl = np.flatnonzero(y == 0)
nn = NearestNeighbors(n_neighbors=1).fit(score[ctrl, None])
dist, idx = nn.kneighbors(score[treated, None])
match = ctrl[idx[:, 0]]
w = np.zeros(n); w[treated] = 1.0
np.add.at(w, match, 1.0)
t2 = time.perf_counter()
XT = X[treated]; XC = X[ctrl]; wc = w[ctrl]
binary = np.all((X == 0) | (X == 1), axis=0)
mT = XT.mean(0)
with np.errstate(invalid='ignore'):
    sdT = np.where(binary, np.sqrt(mT * (1 - mT)), XT.std(0, ddof=1))
smd_before = (mT - XC.mean(0)) / sdT
smd_after = (mT - (wc[:, None] * XC).sum(0) / wc.sum()) / sdT
t3 = time.perf_counter()
cpu = time.process_time() - c0
coef = lr.coef_[0] / sd
intercept = lr.intercept_[0] - (lr.coef_[0] * mu / sd).sum()
match.astype(np.int32).tofile(d + '/sk_match.i32')
print(json.dumps({'cpu': cpu, 'fit': t1 - t0, 'match': t2 - t1, 'balance': t3 - t2, 'iterations': int(lr.n_iter_[0]),
  'coefficients': [float(intercept)] + [float(c) for c in coef],
  'maxSmdBefore': float(np.abs(smd_before).max()), 'maxSmdAfter': float(np.abs(smd_after).max()),
  'comparisonMatched': int((wc > 0).sum())}))
`;

async function sklearnAvailable(): Promise<boolean> {
  if (!existsSync('/usr/bin/python3')) return false;
  return (await $({ nothrow: true, quiet: true })`/usr/bin/python3 -c ${'import sklearn, numpy'}`).exitCode === 0;
}

try {
  process.stdout.write(`generating ${pool} comparators + ${treatedN} treated × ${P} covariates...\n`);
  await generate();
  const loaded = await measure(load);
  const design = loaded.value;
  process.stdout.write(`loaded from Parquet in ${loaded.seconds.toFixed(2)} s (load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores)\n`);

  const nearest = await measure(async () => ours(design, { method: 'nearest', caliper: null, ratio: 1, replace: true }));
  const caliper = await measure(async () => ours(design, { method: 'caliper', caliper: 0.2 }));
  const rows: Row[] = [];
  const row = (name: string, j: Job, peak: number, extra: number) => ({
    implementation: name,
    'load s': extra ? extra.toFixed(2) : '',
    'fit s': j.fit.toFixed(2),
    'match s': j.match.toFixed(2),
    'balance s': j.balance.toFixed(2),
    'job s (fit+match+balance)': (j.fit + j.match + j.balance).toFixed(2),
    'job CPU s': j.cpu.toFixed(2),
    iterations: j.iterations,
    'treated matched': j.treatedMatched,
    'comparators used': j.comparisonMatched,
    'max |SMD| before → after': `${j.maxSmdBefore.toFixed(3)} → ${j.maxSmdAfter.toFixed(3)}`,
    'peak MiB': peak ? peak.toFixed(0) : '',
  });
  rows.push(row('ours: logit IRLS + nearest 1:1 with replacement', nearest.value, nearest.peakMiB, loaded.seconds));
  rows.push(row('ours: logit IRLS + caliper 0.2 SD, ATT weights (JDL default)', caliper.value, caliper.peakMiB, loaded.seconds));

  let notes = `Load average when the job started: ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores. Pool ${pool.toLocaleString('en-GB')} comparators, ${treatedN.toLocaleString('en-GB')} treated, ${P} covariates (7 continuous, 3 binary), synthetic (DuckDB random(), seed 0.42). ` +
    '"load" is Parquet → Float64Array columns through DuckDB (ours only); job times start from columns in memory for both. ' +
    `Ours splits the passes of the fit and of the balance table between the main thread and ${getWorkerCount()} worker thread(s) (src/parallel.ts; the same bits on any number); matching is single-threaded. ` +
    'sklearn runs with its defaults (lbfgs for a binary outcome and the KD-tree build are single-threaded; its CPU time equals its wall time here).';
  if (await sklearnAvailable()) {
    const x = new Float64Array(n * P);
    design.columns.forEach((c, j) => x.set(c, j * n));
    writeFileSync(join(dir, 'x.f64'), x);
    writeFileSync(join(dir, 'treat.u8'), design.treat);
    const started = performance.now();
    const out = (await $({ quiet: true })`/usr/bin/python3 -c ${PYTHON} ${dir} ${String(n)} ${String(P)}`).stdout;
    const wall = (performance.now() - started) / 1000;
    const sk = JSON.parse(out.trim().split('\n').pop()!) as Omit<Job, 'coefficients' | 'pairs' | 'treatedMatched'> & { coefficients: number[] };
    const skJob: Job = { ...sk, treatedMatched: treatedN, coefficients: Float64Array.from(sk.coefficients), pairs: null };
    rows.push(row('sklearn 1.2 (python3): LogisticRegression lbfgs + NearestNeighbors', skJob, 0, 0));
    const skMatch = new Int32Array(readFileSync(join(dir, 'sk_match.i32')).buffer.slice(0));
    let same = 0;
    for (let t = 0; t < treatedN; t++) if (skMatch[t] === nearest.value.pairs![t]) same++;
    let maxRel = 0;
    nearest.value.coefficients.forEach((b, j) => (maxRel = Math.max(maxRel, Math.abs(b - skJob.coefficients[j]!) / Math.max(1e-3, Math.abs(b)))));
    const oursJob = nearest.value.fit + nearest.value.match + nearest.value.balance;
    const skTotal = sk.fit + sk.match + sk.balance;
    notes +=
      `\n\nSpeed-up of ours over sklearn on the same job (nearest 1:1 with replacement): ${(skTotal / oursJob).toFixed(1)}× in wall time, ` +
      `${(sk.cpu / nearest.value.cpu).toFixed(1)}× in CPU time (less sensitive to other load on the machine; sklearn's includes any BLAS threads), ` +
      `${(skTotal / (oursJob + loaded.seconds)).toFixed(1)}× counting our Parquet load against none for sklearn. ` +
      `sklearn process wall time including Python start-up and reading the binary columns: ${wall.toFixed(1)} s. ` +
      `Agreement: the largest relative coefficient difference is ${maxRel.toExponential(1)} (lbfgs stops at tol 1e-4; our IRLS ends with a full Newton step after steps below 1e-4); ` +
      `${same.toLocaleString('en-GB')} of ${treatedN.toLocaleString('en-GB')} treated get the same comparator.`;
  } else {
    notes += '\n\nsklearn not measured: /usr/bin/python3 with sklearn is not installed (apt-get install -y python3-sklearn).';
  }
  if (!record) process.stdout.write(`${markdownTable(rows)}\n${notes}\n`);
  else recordBenchmark(`propensity: ${(pool / 1e6).toFixed(1)}M pool × ${P} covariates vs ${treatedN.toLocaleString('en-GB')} treated`, rows, notes);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
