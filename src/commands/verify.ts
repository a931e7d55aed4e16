// `pipeline verify --request ID`: re-execute every stage of the request's latest run in a scratch
// store and compare the output bytes with the recorded hashes.
import { verifyRequest, type Verdict } from '../verify.ts';
import { defineCommand, fail, printJson } from './command.ts';
import { checkKnownRequest, jsonOption, requestOption } from './common.ts';
import { EXIT } from './exit.ts';

export default defineCommand({
  name: 'verify',
  summary: "re-execute every stage of a request's latest run in a scratch store and compare the bytes",
  usage: '--request ID [--json]',
  description: 'Exit 0 when every verified stage reproduces its recorded bytes, 1 otherwise. The real store and\nrun records are never written.',
  options: { request: requestOption, json: jsonOption },
  async run({ values, project }): Promise<number> {
    const json = !!values.json;
    const p = await project();
    const bad = await checkKnownRequest(p, values.request);
    if (bad) return fail(bad, EXIT.usage, { json });
    const request = values.request!;
    const result = await verifyRequest(p, request, {
      // Progress goes to stderr so that stdout stays the verdict (and pure JSON with --json).
      onEvent: json ? undefined : (e) => {
        if (e.type === 'stage' && (e.state === 'ran' || e.state === 'failed')) process.stderr.write(`  re-executed ${e.stage}${e.seconds !== undefined ? ` in ${e.seconds.toFixed(2)}s` : ''}${e.error ? `: ${e.error}` : ''}\n`);
      },
    });
    if ('error' in result) return fail(result.error, EXIT.failed, { json });
    if (json) {
      printJson(result);
      return result.ok ? EXIT.ok : EXIT.failed;
    }
    const out = (line: string) => process.stdout.write(line + '\n');
    out(`verify request ${request}, run ${result.run}:`);
    const width = Math.max(8, ...result.stages.map((s) => s.stage.length));
    for (const s of result.stages) {
      const outs = s.differing.length ? ` (output${s.differing.length === 1 ? '' : 's'} ${s.differing.join(', ')})` : '';
      const word = s.verdict === 'reproducible' || s.verdict === 'skipped' ? s.verdict : s.verdict.toUpperCase();
      out(`  ${s.stage.padEnd(width)} ${word}${outs}${s.detail ? `: ${s.detail}` : ''}`);
    }
    const named = (v: Verdict[]) => result.stages.filter((s) => v.includes(s.verdict)).map((s) => s.stage);
    const summary = [
      [named(['not-reproducible']), 'NOT reproducible'],
      [named(['upstream-differs']), 'differing because of them'],
      [named(['changed-since']), 'not verifiable (changed since the run)'],
      [named(['failed']), 'failed to re-execute'],
    ] as const;
    out(result.ok ? 'all verified stages reproduce their recorded bytes' : summary.filter(([list]) => list.length).map(([list, what]) => `${what}: ${list.join(', ')}`).join('; '));
    return result.ok ? EXIT.ok : EXIT.failed;
  },
});
