// `pipeline schedule`: the cron entry. Re-runs every request whose inputs changed and purges those
// due; a second schedule started meanwhile does nothing.
import { schedule } from '../retention.ts';
import { defineCommand, printJson } from './command.ts';
import { jsonOption } from './common.ts';
import { EXIT } from './exit.ts';

export default defineCommand({
  name: 'schedule',
  summary: 'the cron entry: re-run every request whose inputs changed, purge those due',
  usage: '[--json]',
  description: 'Exit 1 when a request failed; a busy request (being run) is left for the next pass.',
  options: { json: jsonOption },
  async run({ values, project }): Promise<number> {
    const result = await schedule(await project());
    if (values.json) printJson(result);
    else if (result.busy) process.stdout.write('another schedule is running; nothing done\n');
    else for (const l of result.lines) process.stdout.write(`${l.request}: ${l.action} (${l.detail})\n`);
    return result.ok ? EXIT.ok : EXIT.failed;
  },
});
