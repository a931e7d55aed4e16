// approve: a second analyst's sign-off of the exact results now published (the JDL's quality
// assurance before release), recorded by the sha256 of results.json in data/runs/<id>/review.jsonl.
// `share` refuses results that nobody approved. The logic is in stages/report/review.ts.
import { commandArgs } from '../src/args.ts';
import { checkRequestId } from '../src/runner.ts';
import { operatorName, today } from '../src/retention-commands.ts';
import type { LoadedDag } from '../src/dag.ts';
import { approve, reviewPaths } from '../stages/report/review.ts';
import { latestOkRun } from './share.ts';

const USAGE = `usage: npm run pipeline -- approve --request ID --by NAME [--hash SHA256_PREFIX]
  --request ID    the request whose published results (data/reports/ID/results.json) were checked
  --by NAME       the analyst who checked them (not the one who ran the analysis)
  --hash PREFIX   refuse unless the published results still have this hash (what you checked)`;

export async function approveCommand(argv: string[], dag: LoadedDag): Promise<number> {
  const args = commandArgs(argv, { request: { type: 'string' }, by: { type: 'string' }, hash: { type: 'string' } }, USAGE);
  if (args.exit !== undefined) return args.exit;
  const request = args.values.request ?? '';
  const bad = checkRequestId(request);
  if (bad) return (console.error(`error: ${bad}\n${USAGE}`), 2);
  const out = approve(reviewPaths(dag.dataDir, request), { request, by: args.values.by ?? '', operator: operatorName(), today: today(), run: latestOkRun(dag.dataDir, request), expectHash: args.values.hash });
  if (!out.ok) return (console.error(`error: ${out.reason}${out.usage ? `\n${USAGE}` : ''}`), out.usage ? 2 : 1);
  const a = out.value;
  console.log(`request ${request}: results ${a.results_sha256.slice(0, 12)} (version ${a.report_version}) ${a.again ? 'were already approved' : 'approved'} by ${a.by} on ${a.on}`);
  return 0;
}
