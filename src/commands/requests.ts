// `pipeline requests`: the requests there are (listed by the config, or with run records), each
// with its last run, or "purged".
import { purgedNotice } from '../request.ts';
import { defineCommand, printJson } from './command.ts';
import { jsonOption, knownRequests } from './common.ts';
import { EXIT } from './exit.ts';

export default defineCommand({
  name: 'requests',
  summary: 'list the requests, each with its last run (or when it was purged)',
  usage: '[--json]',
  options: { json: jsonOption },
  async run({ values, project }): Promise<number> {
    const p = await project();
    const list = (await knownRequests(p)).map((request) => {
      const last = p.records.latest(request);
      return { request, purged: purgedNotice(p, request) ? true : false, lastRun: last ? { run: last.run, status: last.status, finished: last.finished } : null };
    });
    if (values.json) printJson({ requests: list });
    else if (!list.length) process.stdout.write('no requests (pipeline init --request ID makes one)\n');
    else for (const r of list) process.stdout.write(`${r.request.padEnd(12)} ${r.purged ? 'purged' : r.lastRun ? `last run ${r.lastRun.run} ${r.lastRun.status}` : 'never run'}\n`);
    return EXIT.ok;
  },
});
