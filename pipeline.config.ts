// The justice DAG: which stages, in which modules, with which params; the shared register's
// preparation; the requests there are; the retention rule; and the analysts' extra commands.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { defineDag } from './src/dag.ts';
import { retentionDecision, type RetentionFields } from './stages/purge/retention.ts';

export default defineDag({
  dataDir: 'data',
  stages: [
    './stages/intake/stage.ts',
    './stages/register/stage.ts',
    './stages/linkage/stage.ts',
    './stages/propensity/stage.ts',
    './stages/metrics/stage.ts',
    './stages/report/stage.ts',
    './stages/purge/stage.ts',
  ],
  // On a fresh clone the national register is not there yet: generate the default one (seeded).
  async prepare({ dataDir, log }) {
    // extract.json is written last: present means the register is complete. Checked here, so a
    // run with a register does not load the generator (and DuckDB with it) just to be told so.
    if (existsSync(join(dataDir, 'reference', 'extract.json'))) return;
    const { ensureRegister } = await import('./synth/index.ts');
    await ensureRegister({ dataDir, onProgress: log });
  },
  async requests({ dataDir }) {
    const dir = join(dataDir, 'requests');
    return existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name) : [];
  },
  async retention({ request, dataDir }) {
    const file = join(dataDir, 'requests', request, 'request.json');
    return retentionDecision(JSON.parse(readFileSync(file, 'utf8')) as RetentionFields);
  },
  // What `status` says beyond the runs: the results shared with the provider, if any.
  async facts({ request, dataDir }) {
    const { readShared } = await import('./stages/report/erratum.ts');
    const last = readShared(join(dataDir, 'requests', request, 'shared')).at(-1);
    return { shared: last ? `version ${last.version} on ${last.shared_on}` : 'not shared yet' };
  },
  // The national register holds identities legitimately; it is not a request's data.
  auditExclude: ['reference'],
  // A laptop's budget: DuckDB spills to the stage's work folder beyond this, so a national-scale
  // run stays within 4 GB with Node's own memory on top. Its buffer blocks are kept for reuse up
  // to the same amount rather than freed and faulted in again (see DuckOptions), which took a
  // national register stage from about 67 s to about 56 s.
  duckdb: { memoryLimit: '2500MB', blockAllocatorMemory: '2500MB' },
  // The justice commands (commands/): each module default-exports its declaration.
  commands: {
    init: './commands/init.ts',
    share: './commands/share.ts',
    withdraw: './commands/withdraw.ts',
    psm: './commands/psm.ts',
    link: './commands/link.ts',
  },
});
