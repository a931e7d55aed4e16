// The no-op re-run: a DAG whose inputs total at least 1 GB, run cold, then again with nothing
// changed. The re-run must not re-read inputs (stat memo) and must stay under a second whatever
// the data size. Prints and records the figures.
import { mkdirSync, openSync, writeSync, closeSync, writeFileSync, existsSync, statSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { loadDag } from '../src/dag.ts';
import { makeProject } from '../src/project.ts';
import { Runner } from '../src/runner.ts';
import { measure, recordBenchmark } from './record.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const dir = join(ROOT, '.tmp', 'bench-noop');
const SRC = join(ROOT, 'src');
const files = 4;
const mib = Number(process.argv[2] ?? 256);

function setup(): void {
  mkdirSync(join(dir, 'inputs/bench'), { recursive: true });
  const chunk = randomBytes(1 << 20);
  for (let f = 0; f < files; f++) {
    const p = join(dir, 'inputs/bench', `part${f}.bin`);
    if (existsSync(p) && statSync(p).size === mib * 2 ** 20) continue;
    const fd = openSync(p, 'w');
    for (let i = 0; i < mib; i++) writeSync(fd, chunk);
    closeSync(fd);
  }
  const stage = (i: number) => `
import { statSync, writeFileSync } from 'node:fs';
import { defineStage } from '${SRC}/stage.ts';
export default defineStage({
  name: 'size${i}',
  inputs: { part: 'file:inputs/{request}/part${i}.bin' },
  outputs: { size: { format: 'json', classification: 'aggregate' } },
  async run({ inputs, outputs }) { writeFileSync(outputs.size!, JSON.stringify({ bytes: statSync(inputs.part!).size })); },
});`;
  for (let i = 0; i < files; i++) writeFileSync(join(dir, `size${i}.ts`), stage(i));
  writeFileSync(join(dir, 'total.ts'), `
import { readFileSync, writeFileSync } from 'node:fs';
import { defineStage } from '${SRC}/stage.ts';
export default defineStage({
  name: 'total',
  inputs: { ${Array.from({ length: files }, (_, i) => `s${i}: 'size${i}.size'`).join(', ')} },
  outputs: { total: { format: 'json', classification: 'aggregate' } },
  async run({ inputs, outputs }) {
    const sum = Object.values(inputs).reduce((a, p) => a + (JSON.parse(readFileSync(p, 'utf8')) as { bytes: number }).bytes, 0);
    writeFileSync(outputs.total!, JSON.stringify({ bytes: sum }));
  },
});`);
  writeFileSync(join(dir, 'pipeline.config.ts'), `
import { defineDag } from '${SRC}/dag.ts';
export default defineDag({ dataDir: 'data', stages: [${Array.from({ length: files }, (_, i) => `'./size${i}.ts'`).join(', ')}, './total.ts'] });`);
}

setup();
// A real cold start: no store, no stat memo, nothing cached from an earlier bench run.
rmSync(join(dir, 'data'), { recursive: true, force: true });
const totalGiB = (files * mib) / 1024;
const dag = await loadDag(join(dir, 'pipeline.config.ts'));
const runner = new Runner(makeProject(dag));
const cold = await measure(() => runner.run({ request: 'bench', force: dag.stages.map((s) => s.name) }));
await new Promise((r) => setTimeout(r, 2100)); // let the inputs age past the memo's racy window
const warm = await measure(() => runner.run({ request: 'bench' }));
const noop = await measure(() => runner.run({ request: 'bench' }));
if (!noop.value.ok || noop.value.record!.stages.total!.status !== 'hit') throw new Error('the no-op run re-ran something');
const t0 = performance.now();
const cli = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli.ts'), '--config', join(dir, 'pipeline.config.ts'), '--request', 'bench'], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
const cliSeconds = (performance.now() - t0) / 1000;
if (cli.status !== 0 || !/5 cached/.test(cli.stdout)) throw new Error(`CLI no-op failed: ${cli.stdout}${cli.stderr}`);

recordBenchmark(`No-op re-run of a DAG over ${totalGiB.toFixed(2)} GiB of inputs (bench/noop.ts)`, [
  { scenario: 'cold run (hashes every input)', 'pipeline s': cold.seconds.toFixed(3), 'peak RSS MiB': cold.peakMiB.toFixed(0) },
  { scenario: 'first re-run (memo fills for aged inputs)', 'pipeline s': warm.seconds.toFixed(3), 'peak RSS MiB': warm.peakMiB.toFixed(0) },
  { scenario: 'no-op re-run (target < 1 s)', 'pipeline s': noop.seconds.toFixed(3), 'peak RSS MiB': noop.peakMiB.toFixed(0) },
  { scenario: 'no-op re-run via the CLI, incl. Node + tsx start', 'pipeline s': cliSeconds.toFixed(3), 'peak RSS MiB': '' },
], `${files} stages each hash a ${mib} MiB input, a fifth joins them; 'pipeline s' is Runner.run() in one process.`);
