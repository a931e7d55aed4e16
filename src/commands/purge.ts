// `pipeline purge --request ID --reason TEXT`: delete a request's personal data now (an operator's
// decision, recorded with its reason in the deletion register), whatever its retention date.
import { forcedPurge } from '../retention.ts';
import { textNamesPerson } from '../purge.ts';
import { readPurgeMarker } from '../request.ts';
import { planForcedPurge } from '../purge-plan.ts';
import { confirm } from './confirm.ts';
import { defineCommand, fail, printJson, usageError } from './command.ts';
import { REASON_NAMES_PERSON, checkKnownRequest, dryRunOption, jsonOption, requestOption, waitOption, wholeNumber, yesOption } from './common.ts';
import { EXIT } from './exit.ts';

const command = defineCommand({
  name: 'purge',
  summary: "delete a request's personal data now, with a reason kept in the deletion register",
  usage: '--request ID --reason TEXT [--dry-run] [--yes] [--wait SECONDS] [--json]',
  description: 'Deletes the personal (and, where the provider opted out, pseudonymised) outputs of every run of\nthe request, their published copies and the request\'s own files, and records each deletion.',
  options: {
    request: requestOption,
    reason: { type: 'string', arg: 'TEXT', description: 'why (required; kept in the deletion register, so no personal data in it)' },
    'dry-run': dryRunOption,
    yes: yesOption,
    wait: waitOption,
    json: jsonOption,
  },
  async run({ values, project }): Promise<number> {
    const json = !!values.json;
    const p = await project();
    const bad = await checkKnownRequest(p, values.request);
    if (bad) return fail(bad, EXIT.usage, { json });
    if (!values.reason?.trim()) return usageError(command, 'a forced purge needs --reason TEXT (it is kept in the deletion register)', json);
    const wait = wholeNumber('wait', values.wait, 0);
    if (typeof wait === 'string') return usageError(command, wait, json);
    if (await textNamesPerson(p, values.request!, values.reason)) return usageError(command, REASON_NAMES_PERSON, json);
    if (values['dry-run']) {
      const plan = await planForcedPurge(p, values.request!);
      const marker = readPurgeMarker(p, values.request!);
      if (marker && !plan.deletions.length && !json) {
        process.stdout.write(`dry run: request ${values.request} was already purged on ${marker.purged.slice(0, 10)}: nothing left to delete\n`);
        return EXIT.ok;
      }
      if (json) printJson({ dryRun: true, ...plan });
      else process.stdout.write(`dry run: purge of request ${values.request} (${plan.classifications.join(', ')}) would delete ${plan.deletions.length} item(s); nothing was deleted\n${plan.lines.map((l) => `  ${l}\n`).join('')}`);
      return EXIT.ok;
    }
    if (!values.yes && !(await confirm(`purge the person-level data of request ${values.request} now (this cannot be undone)?`))) return fail('not confirmed; nothing was deleted', EXIT.cancelled, { json, reason: 'cancelled' });
    const done = await forcedPurge(p, values.request!, values.reason, wait * 1000);
    if (!done.ok) return fail(done.message, done.locked ? EXIT.locked : EXIT.failed, { json, reason: done.locked ? 'locked' : 'failed' });
    if (json) printJson(done);
    else process.stdout.write(done.message + '\n');
    return EXIT.ok;
  },
});

export default command;

