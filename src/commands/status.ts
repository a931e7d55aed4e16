// `pipeline status [--request ID]`: what is outdated, and why, like `dvc status` or
// `tar_outdated`: the last run, the stages that would run now (with the key field and file that
// changed) and those pending below them, the config's facts (e.g. the shared version) and the
// retention due date. For one request, or for every request when no --request is given.
import { relative } from 'node:path';
import { Runner, type PlanEntry } from '../runner.ts';
import { describeReason } from '../explain.ts';
import { purgedNotice } from '../request.ts';
import { retentionOf } from '../retention.ts';
import { defineCommand, fail, printJson } from './command.ts';
import { checkKnownRequest, jsonOption, knownRequests } from './common.ts';
import { EXIT } from './exit.ts';
import type { Project } from '../project.ts';

async function requestStatus(p: Project, request: string, detail: boolean) {
  const last = p.records.latest(request);
  const purged = purgedNotice(p, request) ?? null;
  let outdated: PlanEntry[] = [];
  let error: string | null = null;
  if (!purged) {
    // A dry run: no lock, nothing written; the same decisions a run would take.
    const plan = await new Runner(p).run({ request, dryRun: true });
    outdated = (plan.plan ?? []).filter((e) => e.state !== 'would-hit' && p.graph.stages.get(e.stage)?.cache !== false);
    if (!plan.ok) error = plan.message;
  }
  let retention: { due: string | null; rule: string } | null = null;
  try {
    const r = await retentionOf(p, request);
    retention = { due: r.due, rule: r.rule };
  } catch {
    retention = null; // the request form is gone (purged) or unreadable: nothing to say
  }
  let facts: Record<string, string> = {};
  try {
    facts = p.config.facts ? await p.config.facts({ request, dataDir: p.dataDir, root: p.root, log: () => {} }) : {};
  } catch {
    facts = {};
  }
  return {
    request,
    // Skipped by the reads here; the next run sets them aside (records.setAsideDamaged).
    damagedRecords: p.records.damaged(request).map((d) => ({ path: relative(p.dataDir, d.path), problem: d.problem })),
    purged,
    lastRun: last ? { run: last.run, status: last.status, stop: last.stop ?? null, finished: last.finished } : null,
    upToDate: !purged && !error && outdated.length === 0,
    outdated: outdated.map((e) => ({ stage: e.stage, state: e.state, reason: e.reason ?? null, error: e.error ?? null })),
    error,
    retention,
    facts,
    stages: detail && last
      ? last.plan.filter((n) => last.stages[n]).map((name) => {
          const s = last.stages[name]!;
          return {
            stage: name,
            status: s.status,
            error: s.error ?? null,
            outputs: Object.entries(s.outputs ?? {}).map(([n, o]) => ({ name: n, rows: o.rows ?? null, classification: o.classification, state: o.purged ? 'purged' : p.store.hasBlob(o.hash) ? 'present' : 'missing' })),
          };
        })
      : [],
  };
}

export default defineCommand({
  name: 'status',
  summary: 'what is outdated and why: last run, stages that would run (and why), retention due date; one request or all',
  usage: '[--request ID] [--json]',
  description: 'Runs nothing and takes no lock. Stages that are never cached (the retention check) are not counted as outdated.',
  options: {
    request: { type: 'string', arg: 'ID', description: 'the request (default: every request)' },
    json: jsonOption,
  },
  async run({ values, project }): Promise<number> {
    const json = !!values.json;
    const p = await project();
    const bad = await checkKnownRequest(p, values.request, { optional: true });
    if (bad) return fail(bad, EXIT.usage, { json });
    const one = values.request !== undefined;
    const requests = one ? [values.request!] : await knownRequests(p);
    const all = [];
    for (const r of requests) all.push(await requestStatus(p, r, one));
    if (json) {
      printJson(one ? all[0] : { requests: all });
      return EXIT.ok;
    }
    const out = (line: string) => process.stdout.write(line + '\n');
    if (!all.length) out('no requests');
    for (const s of all) {
      const last = s.lastRun ? `last run ${s.lastRun.run} ${s.lastRun.status}${s.lastRun.stop ? ` (${s.lastRun.stop})` : ''}` : 'never run';
      const state = s.purged ? 'purged' : s.error ? `cannot run: ${s.error}` : s.upToDate ? 'up to date' : `outdated: ${s.outdated.filter((o) => o.state === 'would-run').map((o) => o.stage).join(', ')} would run${s.outdated.some((o) => o.state === 'pending') ? `, ${s.outdated.filter((o) => o.state === 'pending').map((o) => o.stage).join(', ')} pending` : ''}`;
      const facts = Object.entries(s.facts).map(([k, v]) => `${k}: ${v}`);
      const due = s.retention ? (s.retention.due ? `purge due ${s.retention.due}` : 'purge date not set yet') : undefined;
      out(`request ${s.request}: ${last}; ${state}${[...facts, ...(due ? [due] : [])].map((f) => `; ${f}`).join('')}`);
      if (s.purged) out(`  ${s.purged}`);
      for (const d of s.damagedRecords) out(`  run record ${d.path} is damaged (${d.problem}); skipped, and set aside by the next run`);
      if (!one) continue;
      for (const o of s.outdated) out(`  ${o.stage.padEnd(12)} ${o.state === 'would-run' ? 'would run' : o.state}${o.reason ? `: ${describeReason(o.reason)}` : ''}${o.error ? `: ${o.error}` : ''}`);
      if (s.stages.length) out('  last run:');
      for (const st of s.stages) {
        const outs = st.outputs.map((o) => `${o.name}${o.rows !== null ? ` ${o.rows} rows` : ''}${o.state === 'present' ? '' : ` (${o.state})`}`);
        out(`    ${st.stage.padEnd(12)} ${st.status.padEnd(8)} ${outs.join(', ')}${st.error ? ` — ${st.error}` : ''}`);
      }
    }
    return EXIT.ok;
  },
});
