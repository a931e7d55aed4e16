// withdraw: a person (or the whole cohort) withdrawn by the provider (DPIA: right to erasure and
// to restriction). Whom is always explicit: --row, --reference, or --all for the whole cohort,
// where everything person-level of the request is purged. One person: commands/withdraw-person.ts.
import { forcedPurge } from '../src/retention.ts';
import { textNamesPerson } from '../src/purge.ts';
import { defineCommand, fail, printJson, usageError, type Values } from '../src/commands/command.ts';
import { REASON_NAMES_PERSON, checkKnownRequest, dryRunOption, jsonOption, requestOption, yesOption } from '../src/commands/common.ts';
import { confirm } from '../src/commands/confirm.ts';
import { EXIT } from '../src/commands/exit.ts';
import type { Project } from '../src/project.ts';
import { withdrawPerson } from './withdraw-person.ts';

const OPTIONS = {
  request: requestOption,
  row: { type: 'string', arg: 'N', description: 'the person on this row of the current cohort file (header = row 1)' },
  reference: { type: 'string', arg: 'REF', description: "the person with this provider's reference" },
  all: { type: 'boolean', description: 'withdraw the whole cohort: every person-level output and file of the request is purged' },
  reason: { type: 'string', arg: 'TEXT', description: 'kept in the deletion register (default: "withdrawn by the provider"); no personal data in it' },
  'dry-run': dryRunOption,
  yes: yesOption,
  json: jsonOption,
} as const;

const command = defineCommand({
  name: 'withdraw',
  summary: 'withdraw one person (--row N or --reference REF) or the whole cohort (--all) of a request',
  usage: '--request ID (--row N | --reference REF | --all) [--reason TEXT] [--dry-run] [--yes] [--json]',
  description: `One person: their row is blanked in a new correction file (every other row keeps its number), what
that touches re-runs, and every older upload and output that held them is purged and recorded.
--all: everything person-level of the request is purged. Nothing happens without one of
--row, --reference or --all; on a terminal it asks first unless --yes.`,
  options: OPTIONS,
  run: async ({ values, project }) => withdraw(await project(), values),
});

export default command;

const WHOLE_COHORT = { classifications: ['personal', 'pseudonymised'], rule: 'withdrawal of the whole cohort' } as const;

async function withdraw(project: Project, values: Values<typeof OPTIONS>): Promise<number> {
  const json = !!values.json;
  const targets = [values.row !== undefined, values.reference !== undefined, !!values.all].filter(Boolean).length;
  if (targets !== 1) return usageError(command, targets ? 'give only one of --row, --reference and --all' : 'say whom to withdraw: --row N, --reference REF, or --all for the whole cohort', json);
  if (values.row !== undefined && !/^[1-9][0-9]*$/.test(values.row)) return usageError(command, `--row takes a row number (got ${JSON.stringify(values.row)})`, json);
  // An empty reference would match the first row that has none: the wrong person.
  if (values.reference !== undefined && !values.reference.trim()) return usageError(command, '--reference needs the provider\'s reference of the person (got an empty value)', json);
  const request = values.request ?? '';
  const bad = await checkKnownRequest(project, request);
  if (bad) return fail(bad, EXIT.usage, { json });
  if (values.reason !== undefined && !values.reason.trim()) return usageError(command, '--reason is empty: leave it out for "withdrawn by the provider", or say why', json);
  const reason = values.reason ?? 'withdrawn by the provider';
  if (await textNamesPerson(project, request, reason)) return usageError(command, REASON_NAMES_PERSON, json);
  if (!values.all) return withdrawPerson(project, { request, row: values.row, reference: values.reference, reason, dryRun: !!values['dry-run'], yes: !!values.yes, json });

  // The whole cohort: everything person-level goes, whatever the retention rules say.
  const what = `purge every personal and pseudonymised output and file of request ${request}`;
  const override = { classifications: [...WHOLE_COHORT.classifications], rule: WHOLE_COHORT.rule };
  if (values['dry-run']) {
    const { planForcedPurge } = await import('../src/purge-plan.ts');
    const plan = await planForcedPurge(project, request, override);
    if (json) printJson({ dryRun: true, ...plan });
    else process.stdout.write(`dry run: would ${what}; nothing was deleted\n${plan.lines.map((l) => `  ${l}\n`).join('')}`);
    return EXIT.ok;
  }
  if (!values.yes && !(await confirm(`${what}?`))) return fail('not confirmed; nothing was deleted', EXIT.cancelled, { json });
  const done = await forcedPurge(project, request, reason, 0, override);
  if (!done.ok) return fail(done.message, done.locked ? EXIT.locked : EXIT.failed, { json });
  if (json) printJson(done);
  else process.stdout.write(done.message + '\n');
  return EXIT.ok;
}
