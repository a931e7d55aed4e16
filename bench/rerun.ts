// The no-op re-run of request 123 as a whole process, as a user runs it: `pipeline --request 123`
// with nothing changed, in a scratch project holding the default synthetic world. hyperfine runs
// it (warm-up 2, at least 7 runs) beside two floors measured in the same run: `node -e 0` and
// `node --import tsx -e 0` (Node's and tsx's own start). Prints and records the figures.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { $ } from 'zx';
import { ensureRegister } from '../synth/index.ts';
import { recordBenchmark, type Row } from './record.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const dir = join(ROOT, '.tmp', 'bench-rerun');
const world = join(ROOT, '.tmp', 'bench-world');
const runs = Math.max(7, Number(process.argv[2] ?? 9));

await $`command -v hyperfine`.quiet().catch(() => {
  console.error('bench rerun needs hyperfine: apt-get install hyperfine');
  process.exit(2);
});

// A scratch project: the repo's config and stages, the default world's register and request 123.
await ensureRegister({ dataDir: join(world, 'data'), onProgress: (m) => console.log(m) });
rmSync(dir, { recursive: true, force: true });
mkdirSync(join(dir, 'data', 'requests'), { recursive: true });
symlinkSync(join(world, 'data', 'reference'), join(dir, 'data', 'reference'));
cpSync(join(world, 'data', 'requests', '123'), join(dir, 'data', 'requests', '123'), { recursive: true });
writeFileSync(join(dir, 'pipeline.config.ts'), `import base from '${ROOT}pipeline.config.ts';
import { resolve } from 'node:path';
export default {
  ...base,
  stages: base.stages.map((s) => typeof s === 'string' ? resolve('${ROOT}', s) : { ...s, module: resolve('${ROOT}', s.module) }),
  commands: Object.fromEntries(Object.entries(base.commands ?? {}).map(([n, m]) => [n, resolve('${ROOT}', m)])),
};
`);
const cli = `node --import tsx ${join(ROOT, 'src/cli.ts')} --config ${join(dir, 'pipeline.config.ts')} --request 123`;
console.log('first (cold) run of request 123...');
await $({ env: { ...process.env, CI: 'true' } })`sh -c ${cli}`.quiet();
const out = (await $({ env: { ...process.env, CI: 'true' } })`sh -c ${cli}`.quiet()).stdout;
if (!/ok: 6 cached, 1 ran/.test(out)) throw new Error(`the re-run was not a no-op:\n${out}`);

const load = loadavg()[0]!;
const json = join(dir, 'hyperfine.json');
await $({ env: { ...process.env, CI: 'true' } })`hyperfine --warmup 2 --runs ${runs} --export-json ${json} -N ${'node -e 0'} ${'node --import tsx -e 0'} ${cli}`;
const results = (JSON.parse(readFileSync(json, 'utf8')) as { results: { command: string; median: number; mean: number; min: number; max: number; user: number; system: number }[] }).results;
const name = (c: string) => (c === 'node -e 0' ? 'floor: node -e 0' : c === 'node --import tsx -e 0' ? 'floor: node --import tsx -e 0' : 'pipeline --request 123 (no-op re-run)');
const rows: Row[] = results.map((r) => ({
  command: name(r.command),
  'median s': r.median.toFixed(3),
  'mean s': r.mean.toFixed(3),
  'min s': r.min.toFixed(3),
  'max s': r.max.toFixed(3),
  'user + sys s (mean)': (r.user + r.system).toFixed(3),
}));
recordBenchmark(
  'No-op re-run of request 123, whole process (bench rerun)',
  rows,
  `hyperfine, ${runs} runs after 2 warm-ups, each a fresh process as \`npm run pipeline -- --request 123\` starts it (without npm's own start). Load average when it started: ${load.toFixed(1)}. ` +
    'Only the retention check runs (never cached, it reads the request and decides); every other stage is a cache hit, its declaration served from the DAG manifest and its code files hashed through the stat memo; no stage module, no DuckDB and no schema compiler is loaded.',
);
if (!existsSync(json)) process.exit(1);
