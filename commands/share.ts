// share: record that the current results were shared with the provider. Refuses results that no
// second analyst approved (`approve --request ID --by NAME`) unless --without-approval --reason
// "…" is given, which is recorded. Freezes the results and the report as
// data/requests/<id>/shared/v<N>-results.json and v<N>-report.html (so a later correction
// produces version N+1 with an erratum, and `diff --against shared` can show both versions) and,
// the first time, sets dates.results_shared in request.json, which starts the review period of the
// retention rule. The logic is in stages/report/review.ts; this file parses and prints.
import { writeFileAtomic } from '../src/fsutil.ts';
import { operatorName, today } from '../src/clock.ts';
import { defineCommand, fail, usageError } from '../src/commands/command.ts';
import { checkKnownRequest, requestOption } from '../src/commands/common.ts';
import { EXIT } from '../src/commands/exit.ts';
import { okRuns } from '../src/diff.ts';
import { acquireLock } from '../src/lock.ts';
import { requestLockPath } from '../src/request.ts';
import type { Project } from '../src/project.ts';
import { reviewPaths, share } from '../stages/report/review.ts';

const command = defineCommand({
  name: 'share',
  summary: 'record that the approved results were shared with the provider (freezes them for a later erratum and diff)',
  usage: '--request ID [--without-approval --reason TEXT]',
  description:
    'Refuses results that no second analyst approved (see `approve`), unless --without-approval --reason is given;\n' +
    'the reason is recorded in data/runs/ID/review.jsonl and in the shared version. The first sharing sets\n' +
    'dates.results_shared in request.json, which starts the review period of the retention rule.',
  options: {
    request: requestOption,
    'without-approval': { type: 'boolean', description: 'share results no second analyst approved (needs --reason; recorded)' },
    reason: { type: 'string', arg: 'TEXT', description: 'why the results go out without approval (with --without-approval)' },
  },
  run: async ({ values, project }): Promise<number> => {
    if (values.reason !== undefined && !values['without-approval']) return usageError(command, '--reason goes with --without-approval');
    if (values['without-approval'] && !values.reason?.trim()) return usageError(command, '--without-approval needs --reason "…": why the results go out before a second analyst approved them');
    return run(await project(), values.request ?? '', values['without-approval'] ? values.reason! : null);
  },
});

export default command;

async function run(p: Project, request: string, withoutApproval: string | null): Promise<number> {
  const bad = await checkKnownRequest(p, request, { mustHaveInputs: true });
  if (bad) return usageError(command, bad);
  const paths = reviewPaths(p.dataDir, request);
  // Under the request's lock, so a run cannot replace the report between the results' hash and the frozen copies.
  const lock = await acquireLock(requestLockPath(p.records, request), `share-${process.pid}`, 0);
  if (!lock.ok) return fail(`request ${request} is being run by process ${lock.owner.pid}; share when it ends`, EXIT.locked);
  let out: ReturnType<typeof share>;
  try {
    out = share(paths, { request, operator: operatorName(), today: today(), run: okRuns(p.records, request).at(-1) ?? null, withoutApproval }, (f, data) => writeFileAtomic(f, data, 0o600));
  } finally {
    lock.release();
  }
  if (!out.ok) return out.usage ? usageError(command, out.reason) : fail(out.reason, EXIT.failed);
  const r = out.value;
  if (r.alreadyShared) {
    process.stdout.write(`request ${request}: version ${r.version} was already shared on ${r.on}; its figures have not changed since (results ${r.hash.slice(0, 12)})\n`);
    return EXIT.ok;
  }
  const how = r.approval ? `approved by ${r.approval.by} on ${r.approval.on}` : 'WITHOUT approval (reason recorded)';
  process.stdout.write(`request ${request}: version ${r.version} (results ${r.hash.slice(0, 12)}) shared on ${r.on}, ${how}${r.erratum ? ', with an erratum' : ''}${r.firstSharing ? '; the review period runs from today' : ''}\n`);
  return EXIT.ok;
}
