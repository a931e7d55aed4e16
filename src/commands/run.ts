// `pipeline --request ID` (or `pipeline run --request ID`): run the DAG for one request; only what
// changed runs. --explain and --dry-run show the plan and why, without running or locking.
import { chooseMode, createRenderer } from '../log.ts';
import { Runner } from '../runner.ts';
import { checkRequestId } from '../request.ts';
import { defineCommand, fail, usageError } from './command.ts';
import { checkKnownRequest, jsonOption, requestOption, waitOption, wholeNumber } from './common.ts';
import { EXIT, exitForFailure } from './exit.ts';

const command = defineCommand({
  name: 'run',
  summary: 'run the DAG for one request: only the stages whose key changed run, the rest come from the cache',
  usage: '--request ID [--explain | --dry-run] [--force STAGE]... [--only STAGE] [--json] [--wait SECONDS] [--concurrency N]',
  description: `The default command: \`pipeline --request ID\` is \`pipeline run --request ID\`. The run ends by
printing its record's path and the report's path. --explain and --dry-run take no lock and write
nothing: every stage is shown as cached, would run, or pending (below a stage that would run: it
re-runs only if that stage's outputs change), with the key field that changed and the file.`,
  options: {
    request: requestOption,
    explain: { type: 'boolean', description: 'like --dry-run, and list every changed key field (code file, param, input file, env) of each stage' },
    'dry-run': { type: 'boolean', description: 'show the plan (cached / would run / pending) without running anything; exit 0' },
    force: { type: 'string', arg: 'STAGE', multiple: true, description: 'run this stage even if it is cached' },
    only: { type: 'string', arg: 'STAGE', description: 'run this stage (and what it needs from the cache) but nothing below it' },
    json: { type: 'boolean', description: 'one JSON event per line on stdout (plan, stage, note, done; errors as {"type":"error"})' },
    wait: waitOption,
    concurrency: { type: 'string', arg: 'N', description: 'stages run at once when independent (default 2)' },
  },
  async run({ values, project }): Promise<number> {
    const json = !!values.json;
    // A malformed id is refused before the project is even loaded.
    const malformed = checkRequestId(values.request);
    if (malformed) return usageError(command, malformed, json);
    const p = await project();
    const bad = await checkKnownRequest(p, values.request, { mustHaveInputs: true });
    if (bad) return fail(bad, EXIT.usage, { json, reason: 'unknown-request' });
    const wait = wholeNumber('wait', values.wait, 0);
    const concurrency = wholeNumber('concurrency', values.concurrency, 2, 1);
    for (const v of [wait, concurrency]) if (typeof v === 'string') return usageError(command, v, json);
    const contradicting = values.only ? (values.force ?? []).filter((f) => f !== values.only) : [];
    if (contradicting.length) return usageError(command, `--only ${values.only} runs that stage alone: --force ${contradicting.join(', ')} could not run (force the stage you run with --only, or drop --only)`, json);
    for (const name of [...(values.force ?? []), ...(values.only ? [values.only] : [])]) {
      if (!p.graph.stages.has(name)) return usageError(command, `unknown stage "${name}" (stages: ${p.graph.order.join(', ')})`, json);
    }
    const explain = !!values.explain;
    const dryRun = explain || !!values['dry-run'];
    if (values.only && !dryRun) {
      // --only needs everything above the stage in the cache: find out first, so a refusal leaves no run record.
      const check = await new Runner(p).run({ request: values.request!, only: values.only, force: values.force, dryRun: true });
      if (!check.ok && check.reason === 'options') return usageError(command, check.message, json);
    }
    const renderer = createRenderer(chooseMode(json), process.stdout, { explain });
    const controller = new AbortController();
    let signals = 0;
    const onSignal = (sig: NodeJS.Signals) => {
      signals++;
      if (signals > 1) process.exit(EXIT.cancelled); // a second Ctrl+C: the user really means it
      if (!json) process.stderr.write(`\n${sig}: cancelling; nothing half-written will be committed (press again to quit at once)\n`);
      controller.abort();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    // Keep the event loop alive while the run is in flight: a stage whose promise never settles must
    // hang visibly (and be cancellable), not let the process exit silently with its lock held.
    const keepAlive = setInterval(() => {}, 60_000);
    try {
      const outcome = await new Runner(p).run({
        request: values.request!,
        force: values.force,
        only: values.only,
        dryRun,
        waitForLockMs: (wait as number) * 1000,
        concurrency: concurrency as number,
        signal: controller.signal,
        onEvent: (e) => renderer.onEvent(e),
      });
      renderer.close();
      if (outcome.ok) return EXIT.ok;
      return fail(outcome.message, exitForFailure(outcome.reason), { json, reason: outcome.reason });
    } finally {
      clearInterval(keepAlive);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
});

export default command;
