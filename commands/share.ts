// share: record that the current results were shared with the provider. Freezes them as
// data/requests/<id>/shared/v<N>-results.json (so a later correction produces version N+1 with an
// erratum) and, the first time, sets dates.results_shared in request.json, which starts the review
// period of the retention rule.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../src/fsutil.ts';
import { today } from '../src/clock.ts';
import { defineCommand } from '../src/commands/command.ts';
import { checkKnownRequest, requestOption } from '../src/commands/common.ts';
import type { Json } from '../src/stage.ts';
import type { Project } from '../src/project.ts';
import { readShared } from '../stages/report/erratum.ts';

export default defineCommand({
  name: 'share',
  summary: 'record that the current results were shared with the provider (freezes them for a later erratum)',
  usage: '--request ID',
  description: 'The first sharing sets dates.results_shared in request.json, which starts the review period of the\nretention rule.',
  options: { request: requestOption },
  run: async ({ values, project }) => share(await project(), values.request ?? ''),
});

async function share(dag: Project, request: string): Promise<number> {
  const bad = await checkKnownRequest(dag, request, { mustHaveInputs: true });
  if (bad) return (console.error(`error: ${bad}`), 2);
  const published = join(dag.dataDir, 'reports', request, 'results.json');
  const requestDir = join(dag.dataDir, 'requests', request);
  if (!existsSync(published)) return (console.error(`error: request ${request} has no results yet (${published}): run the pipeline first`), 1);
  if (!existsSync(requestDir)) return (console.error(`error: request ${request} has no request folder (was it purged?)`), 1);

  const results = JSON.parse(readFileSync(published, 'utf8')) as Record<string, Json> & { report_version: number; erratum: unknown };
  const sharedDir = join(requestDir, 'shared');
  const shared = readShared(sharedDir);
  const last = shared.at(-1);
  if (last && results.report_version === last.version) {
    console.log(`request ${request}: version ${last.version} was already shared on ${last.shared_on}; nothing changed since`);
    return 0;
  }
  const day = today();
  mkdirSync(sharedDir, { recursive: true, mode: 0o700 });
  writeFileAtomic(join(sharedDir, `v${results.report_version}-results.json`), JSON.stringify({ version: results.report_version, shared_on: day, results }, null, 2) + '\n', 0o600);

  const requestFile = join(requestDir, 'request.json');
  const form = JSON.parse(readFileSync(requestFile, 'utf8')) as { dates?: { results_shared?: string | null } };
  if (form.dates && !form.dates.results_shared) {
    form.dates.results_shared = day;
    writeFileAtomic(requestFile, JSON.stringify(form, null, 2) + '\n', 0o600);
  }
  console.log(`request ${request}: version ${results.report_version} shared on ${day}${results.erratum ? ' (with an erratum)' : ''}; the review period runs from the first sharing`);
  return 0;
}
