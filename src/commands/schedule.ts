// `pipeline schedule`: the cron entry. Re-runs every request whose inputs changed and purges those
// due; a second schedule started meanwhile does nothing.
import { schedule } from '../retention.ts';
import { defineCommand, printJson } from './command.ts';
import { dryRunOption, jsonOption } from './common.ts';
import { EXIT } from './exit.ts';

export default defineCommand({
  name: 'schedule',
  summary: 'the cron entry: re-run every request whose inputs changed, purge those due',
  usage: '[--dry-run] [--json]',
  description: 'Exit 1 when a request failed; a busy request (being run) is left for the next pass.',
  options: { 'dry-run': { ...dryRunOption, description: 'print what this pass would purge, run and audit, and change nothing' }, json: jsonOption },
  async run({ values, project }): Promise<number> {
    const result = await schedule(await project(), { dryRun: !!values['dry-run'] });
    if (values.json) printJson(result);
    else if (result.busy) process.stdout.write('another schedule is running; nothing done\n');
    else {
      if (values['dry-run']) process.stdout.write('dry run: nothing is purged, run or audited\n');
      for (const l of result.lines) process.stdout.write(`${l.request}: ${l.action} (${l.detail})\n`);
    }
    return result.ok ? EXIT.ok : EXIT.failed;
  },
});
