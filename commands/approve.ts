// approve: a second analyst's sign-off of the exact results now published (the JDL's quality
// assurance before release), recorded by the sha256 of results.json in data/runs/<id>/review.jsonl.
// `share` refuses results that nobody approved. The logic is in stages/report/review.ts.
import { operatorName, today } from '../src/clock.ts';
import { defineCommand, fail, usageError } from '../src/commands/command.ts';
import { checkKnownRequest, requestOption } from '../src/commands/common.ts';
import { EXIT } from '../src/commands/exit.ts';
import { okRuns } from '../src/diff.ts';
import { approve, reviewPaths } from '../stages/report/review.ts';

const command = defineCommand({
  name: 'approve',
  summary: "record a second analyst's sign-off of the exact published results (share refuses results nobody approved)",
  usage: '--request ID --by NAME [--hash PREFIX]',
  description:
    'Approves data/reports/ID/results.json as it is now, by its sha256; any later change to the results (a re-run\n' +
    'on corrected data) needs a new approval. The approval is appended to data/runs/ID/review.jsonl.',
  options: {
    request: requestOption,
    by: { type: 'string', arg: 'NAME', description: 'the analyst who checked the results (not the one who ran the analysis)' },
    hash: { type: 'string', arg: 'PREFIX', description: 'refuse unless the published results still have this sha256 prefix (the version you checked)' },
  },
  run: async ({ values, project }): Promise<number> => {
    if (!values.by?.trim()) return usageError(command, '--by NAME is required: the name of the analyst who checked the results');
    // An empty prefix (an unset shell variable) would approve whatever is published now.
    if (values.hash !== undefined && !/^[0-9a-f]{4,64}$/i.test(values.hash.trim())) return usageError(command, `--hash takes a prefix of the results' sha256, 4 to 64 hex digits (got ${JSON.stringify(values.hash)})`);
    const p = await project();
    const request = values.request ?? '';
    const bad = await checkKnownRequest(p, request);
    if (bad) return usageError(command, bad);
    const out = approve(reviewPaths(p.dataDir, request), { request, by: values.by, operator: operatorName(), today: today(), run: okRuns(p.records, request).at(-1) ?? null, expectHash: values.hash?.trim().toLowerCase() });
    if (!out.ok) return out.usage ? usageError(command, out.reason) : fail(out.reason, EXIT.failed);
    const a = out.value;
    process.stdout.write(`request ${request}: results ${a.results_sha256.slice(0, 12)} (version ${a.report_version}) ${a.again ? 'were already approved' : 'approved'} by ${a.by} on ${a.on}\n`);
    return EXIT.ok;
  },
});

export default command;
