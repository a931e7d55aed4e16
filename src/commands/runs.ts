// `pipeline runs --request ID`: the history of a request's runs, and why each stage ran.
import { describeReason } from '../explain.ts';
import { defineCommand, fail, printJson } from './command.ts';
import { checkKnownRequest, jsonOption, requestOption } from './common.ts';
import { EXIT } from './exit.ts';

export default defineCommand({
  name: 'runs',
  summary: "a request's runs, oldest first: status, stage counts, time, and why each stage ran",
  usage: '--request ID [--json]',
  options: { request: requestOption, json: jsonOption },
  async run({ values, project }): Promise<number> {
    const json = !!values.json;
    const p = await project();
    const bad = await checkKnownRequest(p, values.request);
    if (bad) return fail(bad, EXIT.usage, { json });
    const request = values.request!;
    const runs = p.records.list(request).map((id) => {
      const r = p.records.read(request, id);
      const counts: Record<string, number> = {};
      for (const s of Object.values(r.stages)) counts[s.status] = (counts[s.status] ?? 0) + 1;
      const ran = Object.entries(r.stages).filter(([, s]) => s.status === 'ran').map(([stage, s]) => ({ stage, reason: s.reason ?? null }));
      return { run: id, status: r.status, started: r.started, finished: r.finished, seconds: (Date.parse(r.finished) - Date.parse(r.started)) / 1000, counts, ran };
    });
    if (json) {
      printJson({ request, runs });
      return EXIT.ok;
    }
    if (!runs.length) process.stdout.write(`request ${request}: no runs\n`);
    for (const r of runs) {
      process.stdout.write(`${r.run}  ${r.status.padEnd(9)} ${Object.entries(r.counts).map(([k, v]) => `${v} ${k}`).join(', ')}  ${r.seconds.toFixed(2)}s\n`);
      for (const c of r.ran) process.stdout.write(`    ${c.stage}: ${c.reason ? describeReason(c.reason) : ''}\n`);
    }
    return EXIT.ok;
  },
});
