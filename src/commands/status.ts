// `pipeline status [--request ID]`: the latest run of a request and its outputs (purged or missing
// blobs named). Without --request, one line per request.
import { purgedNotice } from '../request.ts';
import { defineCommand, fail, printJson } from './command.ts';
import { checkKnownRequest, jsonOption, knownRequests } from './common.ts';
import { EXIT } from './exit.ts';
import type { Project } from '../project.ts';

function requestStatus(p: Project, request: string) {
  const last = p.records.latest(request);
  return {
    request,
    purged: purgedNotice(p, request) ?? null,
    lastRun: last ? { run: last.run, status: last.status, stop: last.stop ?? null, finished: last.finished } : null,
    stages: last
      ? last.plan.filter((n) => last.stages[n]).map((name) => {
          const s = last.stages[name]!;
          return {
            stage: name,
            status: s.status,
            error: s.error ?? null,
            outputs: Object.entries(s.outputs ?? {}).map(([n, o]) => ({ name: n, rows: o.rows ?? null, state: o.purged ? 'purged' : p.store.hasBlob(o.hash) ? 'present' : 'missing' })),
          };
        })
      : [],
  };
}

export default defineCommand({
  name: 'status',
  summary: "a request's latest run and its outputs (or every request, one line each)",
  usage: '[--request ID] [--json]',
  options: {
    request: { type: 'string', arg: 'ID', description: 'the request (default: every request)' },
    json: jsonOption,
  },
  async run({ values, project }): Promise<number> {
    const json = !!values.json;
    const p = await project();
    if (values.request !== undefined) {
      const bad = await checkKnownRequest(p, values.request);
      if (bad) return fail(bad, EXIT.usage, { json });
    }
    const requests = values.request !== undefined ? [values.request] : await knownRequests(p);
    const all = requests.map((r) => requestStatus(p, r));
    if (json) {
      printJson(values.request !== undefined ? all[0] : { requests: all });
      return EXIT.ok;
    }
    const out = (line: string) => process.stdout.write(line + '\n');
    for (const s of all) {
      if (s.purged) out(s.purged);
      if (!s.lastRun) {
        out(`request ${s.request}: never run`);
        continue;
      }
      out(`request ${s.request}: last run ${s.lastRun.run}, ${s.lastRun.status}${s.lastRun.stop ? ` (${s.lastRun.stop})` : ''}, finished ${s.lastRun.finished}`);
      if (values.request === undefined) continue;
      for (const st of s.stages) {
        const outs = st.outputs.map((o) => `${o.name}${o.rows !== null ? ` ${o.rows} rows` : ''}${o.state === 'present' ? '' : ` (${o.state})`}`);
        out(`  ${st.stage.padEnd(12)} ${st.status.padEnd(8)} ${outs.join(', ')}${st.error ? ` — ${st.error}` : ''}`);
      }
    }
    return EXIT.ok;
  },
});
