// The justice DAG: which stages, in which modules, with which params; the shared register's
// preparation; the requests there are; the retention rule; and the analysts' extra commands.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { defineDag } from './src/dag.ts';
import { staleSyntheticRegister } from './synth/stale.ts';
import { DEFAULT_RETENTION, retentionDecision, unreadableFormDecision, type RetentionFields, type RetentionSettings } from './stages/purge/retention.ts';

// A refused request's data goes 30 days after receipt; a request never shared is kept at most 12 months.
const RETENTION: RetentionSettings = { ...DEFAULT_RETENTION };

export default defineDag({
  dataDir: 'data',
  stages: [
    './stages/intake/stage.ts',
    './stages/register/stage.ts',
    './stages/linkage/model-stage.ts',
    './stages/linkage/stage.ts',
    './stages/propensity/stage.ts',
    './stages/metrics/stage.ts',
    './stages/report/stage.ts',
    { module: './stages/purge/stage.ts', params: { ...RETENTION } },
  ],
  // On a fresh clone the national register is not there yet: generate the default one (seeded).
  async prepare({ dataDir, log }) {
    // extract.json is written last: present means the register is complete. Checked here, so a
    // run with a register does not load the generator (and DuckDB with it) just to be told so.
    // A synthetic register made by an older generator than the demo request's is made again.
    if (existsSync(join(dataDir, 'reference', 'extract.json')) && staleSyntheticRegister(dataDir) === undefined) return;
    const { ensureRegister } = await import('./synth/index.ts');
    await ensureRegister({ dataDir, onProgress: log });
  },
  async requests({ dataDir }) {
    const dir = join(dataDir, 'requests');
    return existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name) : [];
  },
  async retention({ request, dataDir, stopped, firstRun }) {
    const file = join(dataDir, 'requests', request, 'request.json');
    // A refused request's form may be unreadable: its date of receipt is then its first run. An
    // unreadable form of a request not refused (yet) gets the longest retention from its first run,
    // instead of an error that would stop schedule from ever purging it.
    let form: RetentionFields = {};
    try {
      form = JSON.parse(readFileSync(file, 'utf8')) as RetentionFields;
    } catch {
      if (!stopped) return unreadableFormDecision({ firstRun }, RETENTION);
    }
    return retentionDecision(form, { stopped, firstRun }, RETENTION);
  },
  // What `status` says beyond the runs: the results shared with the provider, if any, and whether
  // a second analyst approved the results published now.
  async facts({ request, dataDir }) {
    const { readShared } = await import('./stages/report/erratum.ts');
    const { approvalsOf, currentResults, reviewPaths } = await import('./stages/report/review.ts');
    const last = readShared(join(dataDir, 'requests', request, 'shared')).at(-1);
    const paths = reviewPaths(dataDir, request);
    const current = currentResults(paths);
    const approval = current ? approvalsOf(paths, current.hash).at(-1) : undefined;
    return {
      shared: last ? `version ${last.version} on ${last.shared_on}` : 'not shared yet',
      approved: !current ? 'no results yet' : approval ? `by ${approval.by} on ${approval.on} (results ${current.hash.slice(0, 12)})` : `not yet (results ${current.hash.slice(0, 12)}, version ${current.version})`,
    };
  },
  // The national register holds identities legitimately; it is not a request's data.
  auditExclude: ['reference'],
  // A laptop's budget: DuckDB spills to the stage's work folder beyond this, so a national-scale
  // run stays within 4 GB with Node's own memory on top. Its buffer blocks are kept for reuse up
  // to the same amount rather than freed and faulted in again (see DuckOptions), which took a
  // national register stage from about 67 s to about 56 s.
  duckdb: { memoryLimit: '2500MB', blockAllocatorMemory: '2500MB' },
  // The reviewer's diff: `--against shared`, and both versions of the report side by side.
  review: {
    against: { shared: async (ctx) => (await import('./stages/report/review-diff.ts')).sharedRun(ctx) },
    sections: async (ctx) => (await import('./stages/report/review-diff.ts')).reportSections(ctx),
  },
  // The justice commands (commands/): each module default-exports its declaration.
  commands: {
    approve: './commands/approve.ts',
    init: './commands/init.ts',
    share: './commands/share.ts',
    withdraw: './commands/withdraw.ts',
    psm: './commands/psm.ts',
    link: './commands/link.ts',
  },
});
