// share: record that the current results were shared with the provider. Refuses results that no
// second analyst approved (`approve --request ID --by NAME`) unless --without-approval --reason
// "…" is given, which is recorded. Freezes the results and the report as
// data/requests/<id>/shared/v<N>-results.json and v<N>-report.html (so a later correction
// produces version N+1 with an erratum, and `diff --against shared` can show both versions) and,
// the first time, sets dates.results_shared in request.json, which starts the review period of the
// retention rule. The logic is in stages/report/review.ts; this file parses and prints.
import { commandArgs } from '../src/args.ts';
import { writeFileAtomic } from '../src/fsutil.ts';
import { checkRequestId } from '../src/runner.ts';
import { operatorName, today } from '../src/retention-commands.ts';
import { RunRecords } from '../src/records.ts';
import type { LoadedDag } from '../src/dag.ts';
import { join } from 'node:path';
import { reviewPaths, share } from '../stages/report/review.ts';

const USAGE = `usage: npm run pipeline -- share --request ID [--without-approval --reason "…"]
  --request ID          the request whose published results are shared
  --without-approval    share results no second analyst approved (needs --reason; recorded)
  --reason TEXT         why, with --without-approval`;

/** The latest run that finished ok: its results are what data/reports holds. */
export function latestOkRun(dataDir: string, request: string): string | null {
  const records = new RunRecords(join(dataDir, 'runs'));
  const ids = records.list(request);
  for (let i = ids.length - 1; i >= 0; i--) {
    try {
      if (records.read(request, ids[i]!).status === 'ok') return ids[i]!;
    } catch {
      // an unreadable record is skipped, as diff skips it
    }
  }
  return null;
}

export async function shareCommand(argv: string[], dag: LoadedDag): Promise<number> {
  const args = commandArgs(argv, { request: { type: 'string' }, 'without-approval': { type: 'boolean' }, reason: { type: 'string' } }, USAGE);
  if (args.exit !== undefined) return args.exit;
  const request = args.values.request ?? '';
  const bad = checkRequestId(request);
  if (bad) return (console.error(`error: ${bad}\n${USAGE}`), 2);
  if (args.values.reason !== undefined && !args.values['without-approval']) return (console.error(`error: --reason goes with --without-approval\n${USAGE}`), 2);
  const withoutApproval = args.values['without-approval'] ? (args.values.reason ?? '') : null;
  const paths = reviewPaths(dag.dataDir, request);
  const out = share(paths, { request, operator: operatorName(), today: today(), run: latestOkRun(dag.dataDir, request), withoutApproval }, (p, data) => writeFileAtomic(p, data, 0o600));
  if (!out.ok) return (console.error(`error: ${out.reason}${out.usage ? `\n${USAGE}` : ''}`), out.usage ? 2 : 1);
  const r = out.value;
  if (r.alreadyShared) {
    console.log(`request ${request}: version ${r.version} was already shared on ${r.on}; its figures have not changed since (results ${r.hash.slice(0, 12)})`);
    return 0;
  }
  const how = r.approval ? `approved by ${r.approval.by} on ${r.approval.on}` : 'WITHOUT approval (reason recorded)';
  console.log(`request ${request}: version ${r.version} (results ${r.hash.slice(0, 12)}) shared on ${r.on}, ${how}${r.erratum ? ', with an erratum' : ''}${r.firstSharing ? '; the review period runs from today' : ''}`);
  return 0;
}
