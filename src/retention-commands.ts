// The data-protection commands: purge (forced, with a reason), audit, and schedule (the cron
// entry: re-run what changed, purge what is due). Generic: the DAG config says which requests
// exist and what their retention rules are.
import { join } from 'node:path';
import { hostname, userInfo } from 'node:os';
import { acquireLock } from './lock.ts';
import { audit, auditDue, auditSummary } from './audit.ts';
import { purgeRequest, readPurgeMarker, retentionFacts } from './purge.ts';
import { checkRequestId, type Runner } from './runner.ts';
import type { Retention } from './dag.ts';

export function today(): string {
  // PIPELINE_TODAY lets tests and reruns of a past schedule evaluate rules as of a given day.
  return process.env.PIPELINE_TODAY ?? new Date().toISOString().slice(0, 10);
}

export function operatorName(): string {
  return process.env.PIPELINE_OPERATOR ?? `${userInfo().username}@${hostname()}`;
}

async function retentionOf(runner: Runner, request: string): Promise<Retention> {
  const hook = runner.dag.config.retention;
  if (!hook) return { due: null, classifications: ['personal'], rule: 'no retention rule configured' };
  return hook({ request, dataDir: runner.dag.dataDir, root: runner.dag.root, log: () => {}, ...retentionFacts(runner, request) });
}

export async function forcedPurge(
  runner: Runner,
  request: string,
  reason: string,
  waitMs = 0,
  override?: { classifications: Retention['classifications']; rule: string },
): Promise<{ ok: boolean; message: string }> {
  const bad = checkRequestId(request);
  if (bad) return { ok: false, message: bad };
  if (!reason.trim()) return { ok: false, message: 'a forced purge needs --reason TEXT (it is kept in the deletion register)' };
  const lock = await acquireLock(join(runner.records.requestDir(request), '.lock'), `purge-${process.pid}`, waitMs);
  if (!lock.ok) return { ok: false, message: `request ${request} is being run by process ${lock.owner.pid}; purge it when that run ends` };
  try {
    let classifications: Retention['classifications'] = override?.classifications ?? ['personal'];
    if (!override) {
      try {
        classifications = (await retentionOf(runner, request)).classifications;
      } catch {
        /* the request file may already be gone: personal data is purged whatever the rules say */
      }
    }
    const result = await purgeRequest(runner, { request, classifications, reason, operator: operatorName(), rule: override?.rule ?? 'forced by an operator' });
    return { ok: true, message: `request ${request}: purged ${result.deleted.length} item(s) (${classifications.join(', ')})${result.kept.length ? `; kept ${result.kept.length} blob(s) still needed by other requests` : ''}` };
  } finally {
    lock.release();
  }
}

export async function runAudit(runner: Runner, deep: boolean) {
  return audit(runner, {
    deep,
    exclude: runner.dag.config.auditExclude,
    today: new Date(`${today()}T00:00:00Z`),
    recordHead: true,
    dueDate: async (request) => {
      try {
        return (await retentionOf(runner, request)).due ?? undefined;
      } catch {
        return undefined;
      }
    },
  });
}

export interface ScheduleLine {
  request: string;
  action: 'purged' | 'ran' | 'up to date' | 'already purged' | 'failed' | 'stopped' | 'busy' | 'audited';
  detail: string;
}

/** One pass of the cron entry. Safe if two start at once: the second finds the schedule lock taken. */
export async function schedule(runner: Runner): Promise<{ ok: boolean; busy?: boolean; lines: ScheduleLine[] }> {
  const lock = await acquireLock(join(runner.records.dir, '.schedule.lock'), `schedule-${process.pid}`, 0);
  if (!lock.ok) return { ok: true, busy: true, lines: [] };
  try {
    const listed = runner.dag.config.requests ? await runner.dag.config.requests({ dataDir: runner.dag.dataDir, root: runner.dag.root }) : [];
    const requests = [...new Set([...listed, ...runner.records.requests()])].filter((r) => !checkRequestId(r)).sort();
    const lines: ScheduleLine[] = [];
    const day = today();
    for (const request of requests) {
      const marker = readPurgeMarker(runner, request);
      if (marker) {
        lines.push({ request, action: 'already purged', detail: `on ${marker.purged.slice(0, 10)}` });
        continue;
      }
      let rules: Retention | undefined;
      try {
        rules = await retentionOf(runner, request);
      } catch (error) {
        lines.push({ request, action: 'failed', detail: `retention rules unreadable: ${(error as Error).message}` });
        continue;
      }
      if (rules.due && rules.due <= day) {
        const done = await forcedPurgeDue(runner, request, rules);
        lines.push({ request, action: done.ok ? 'purged' : 'busy', detail: done.message });
        continue;
      }
      const outcome = await runner.run({ request });
      // Stages that are never cached (a retention check) run every time: that is not work to report.
      const ran = outcome.record ? Object.entries(outcome.record.stages).filter(([n, s]) => s.status === 'ran' && runner.graph.stages.get(n)?.cache !== false).map(([n]) => n) : [];
      const action: ScheduleLine['action'] = !outcome.ok ? (outcome.reason === 'locked' ? 'busy' : outcome.reason === 'stopped' ? 'stopped' : 'failed') : ran.length ? 'ran' : 'up to date';
      const due = rules.due ? `purge due ${rules.due}` : 'purge date not set yet';
      lines.push({ request, action, detail: `${outcome.ok ? (ran.length ? `re-ran ${ran.join(', ')}` : 'nothing changed') : outcome.message}; ${due}` });
    }
    // The register's quarterly audit (DPIA), when the last one is old enough.
    let audited = true;
    if (auditDue(runner, day, runner.dag.config.auditEveryDays)) {
      const report = await runAudit(runner, false);
      audited = report.ok;
      lines.push({ request: '*', action: 'audited', detail: auditSummary(report) });
    }
    return { ok: audited && lines.every((l) => l.action !== 'failed'), lines };
  } finally {
    lock.release();
  }
}

async function forcedPurgeDue(runner: Runner, request: string, rules: Retention): Promise<{ ok: boolean; message: string }> {
  const lock = await acquireLock(join(runner.records.requestDir(request), '.lock'), `purge-${process.pid}`, 0);
  if (!lock.ok) return { ok: false, message: `being run by process ${lock.owner.pid}; will purge next time` };
  try {
    const result = await purgeRequest(runner, { request, classifications: rules.classifications, reason: rules.reason ?? 'retention period ended', operator: `schedule ${operatorName()}`, rule: rules.rule });
    return { ok: true, message: `${result.deleted.length} item(s) deleted (${rules.classifications.join(', ')}), due ${rules.due}` };
  } finally {
    lock.release();
  }
}
