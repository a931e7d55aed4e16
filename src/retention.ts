// The data-protection commands: purge (forced, with a reason), audit, and schedule (the cron
// entry: re-run what changed, purge what is due). Generic: the DAG config says which requests
// exist and what their retention rules are. These are the operations; src/commands/ renders them.
import { acquireLock } from './lock.ts';
import { acquireStoreLock } from './store-lock.ts';
import { audit, auditDue, auditSummary } from './audit.ts';
import { purgeRequest, retentionFacts } from './purge.ts';
import { Runner } from './runner.ts';
import { operatorName, today } from './clock.ts';
import { checkRequestId, readPurgeMarker, requestLockPath, scheduleLockPath } from './request.ts';
import type { Project } from './project.ts';
import type { Retention } from './dag.ts';

export async function retentionOf(project: Project, request: string): Promise<Retention> {
  const hook = project.config.retention;
  if (!hook) return { due: null, classifications: ['personal'], rule: 'no retention rule configured' };
  return hook({ request, dataDir: project.dataDir, root: project.root, log: () => {}, ...retentionFacts(project, request) });
}

export async function forcedPurge(
  project: Project,
  request: string,
  reason: string,
  waitMs = 0,
  override?: { classifications: Retention['classifications']; rule: string },
): Promise<{ ok: boolean; locked?: boolean; message: string }> {
  const bad = checkRequestId(request);
  if (bad) return { ok: false, message: bad };
  if (!reason.trim()) return { ok: false, message: 'a forced purge needs --reason TEXT (it is kept in the deletion register)' };
  const lock = await acquireLock(requestLockPath(project.records, request), `purge-${process.pid}`, waitMs);
  if (!lock.ok) return { ok: false, locked: true, message: `request ${request} is being run by process ${lock.owner.pid}; purge it when that run ends (or pass --wait SECONDS)` };
  // Blobs may be shared with another request's live run: not while one is running.
  const store = await acquireStoreLock(project.records, 'purge', waitMs, request);
  if (!store.ok) return lock.release(), { ok: false, locked: true, message: store.message };
  try {
    // Rules that cannot be read (the request file gone or damaged) purge everything person-level:
    // pseudonymised rows re-identify through the register as well as personal ones do.
    let classifications: Retention['classifications'] = override?.classifications ?? ['personal', 'pseudonymised'];
    if (!override) {
      try {
        classifications = (await retentionOf(project, request)).classifications;
      } catch {
        /* the request file may already be gone: personal data is purged whatever the rules say */
      }
    }
    const before = readPurgeMarker(project, request);
    const result = await purgeRequest(project, { request, classifications, reason, operator: operatorName(), rule: override?.rule ?? 'forced by an operator' });
    if (before && !result.deleted.length) return { ok: true, message: `request ${request} was already purged on ${before.purged.slice(0, 10)}: nothing left to delete, nothing recorded` };
    return { ok: true, message: `request ${request}: purged ${result.deleted.length} item(s) (${classifications.join(', ')})${result.kept.length ? `; kept ${result.kept.length} blob(s) still needed by other requests` : ''}` };
  } finally {
    store.release();
    lock.release();
  }
}

export async function runAudit(project: Project, deep: boolean) {
  return audit(project, {
    deep,
    exclude: project.config.auditExclude,
    today: new Date(`${today()}T00:00:00Z`),
    recordHead: true,
    dueDate: async (request) => {
      try {
        return (await retentionOf(project, request)).due ?? undefined;
      } catch {
        return undefined;
      }
    },
  });
}

export interface ScheduleLine {
  request: string;
  action: 'purged' | 'ran' | 'up to date' | 'already purged' | 'failed' | 'stopped' | 'busy' | 'audited' | 'would purge' | 'would run' | 'would audit';
  detail: string;
}

/**
 * One pass of the cron entry. Safe if two start at once: the second finds the schedule lock taken.
 * `dryRun`: say what the pass would do (purge, run, audit), and change nothing, not even a lock.
 */
export async function schedule(project: Project, options: { dryRun?: boolean } = {}): Promise<{ ok: boolean; busy?: boolean; lines: ScheduleLine[] }> {
  const dry = !!options.dryRun;
  const lock = dry ? { ok: true as const, release: () => {} } : await acquireLock(scheduleLockPath(project.records), `schedule-${process.pid}`, 0);
  if (!lock.ok) return { ok: true, busy: true, lines: [] };
  try {
    const listed = project.config.requests ? await project.config.requests({ dataDir: project.dataDir, root: project.root }) : [];
    const requests = [...new Set([...listed, ...project.records.requests()])].filter((r) => !checkRequestId(r)).sort();
    const lines: ScheduleLine[] = [];
    const day = today();
    for (const request of requests) {
      const marker = readPurgeMarker(project, request);
      if (marker) {
        lines.push({ request, action: 'already purged', detail: `on ${marker.purged.slice(0, 10)}` });
        continue;
      }
      let rules: Retention | undefined;
      try {
        rules = await retentionOf(project, request);
      } catch (error) {
        lines.push({ request, action: 'failed', detail: `retention rules unreadable: ${(error as Error).message}` });
        continue;
      }
      if (rules.due && rules.due <= day && dry) {
        const plan = await purgeRequest(project, { request, classifications: rules.classifications, reason: '(dry run)', operator: operatorName(), rule: rules.rule, dryRun: true });
        lines.push({ request, action: 'would purge', detail: `${plan.wouldDelete?.length ?? 0} item(s) (${rules.classifications.join(', ')}), due ${rules.due}` });
        continue;
      }
      if (rules.due && rules.due <= day) {
        const done = await forcedPurgeDue(project, request, rules);
        lines.push({ request, action: done.ok ? 'purged' : 'busy', detail: done.message });
        continue;
      }
      if (dry) {
        const would: string[] = [];
        const check = await new Runner(project).run({ request, dryRun: true, onEvent: (e) => {
          if (e.type === 'stage' && e.state === 'would-run' && project.graph.stages.get(e.stage)?.cache !== false) would.push(e.stage);
        } });
        const due = rules.due ? `purge due ${rules.due}` : 'purge date not set yet';
        lines.push({ request, action: !check.ok ? 'failed' : would.length ? 'would run' : 'up to date', detail: `${!check.ok ? check.message : would.length ? `would run ${would.join(', ')}` : 'nothing changed'}; ${due}` });
        continue;
      }
      const outcome = await new Runner(project).run({ request });
      // Stages that are never cached (a retention check) run every time: that is not work to report.
      const ran = outcome.record ? Object.entries(outcome.record.stages).filter(([n, s]) => s.status === 'ran' && project.graph.stages.get(n)?.cache !== false).map(([n]) => n) : [];
      const action: ScheduleLine['action'] = !outcome.ok ? (outcome.reason === 'locked' ? 'busy' : outcome.reason === 'stopped' ? 'stopped' : 'failed') : ran.length ? 'ran' : 'up to date';
      const due = rules.due ? `purge due ${rules.due}` : 'purge date not set yet';
      lines.push({ request, action, detail: `${outcome.ok ? (ran.length ? `re-ran ${ran.join(', ')}` : 'nothing changed') : outcome.message}; ${due}` });
    }
    // The register's quarterly audit (DPIA), when the last one is old enough.
    let audited = true;
    if (auditDue(project, day, project.config.auditEveryDays) && dry) lines.push({ request: '*', action: 'would audit', detail: 'the register\'s periodic audit is due' });
    else if (auditDue(project, day, project.config.auditEveryDays)) {
      const report = await runAudit(project, false);
      audited = report.ok;
      lines.push({ request: '*', action: 'audited', detail: auditSummary(report) });
    }
    return { ok: audited && lines.every((l) => l.action !== 'failed'), lines };
  } finally {
    lock.release();
  }
}

async function forcedPurgeDue(project: Project, request: string, rules: Retention): Promise<{ ok: boolean; message: string }> {
  const lock = await acquireLock(requestLockPath(project.records, request), `purge-${process.pid}`, 0);
  if (!lock.ok) return { ok: false, message: `being run by process ${lock.owner.pid}; will purge next time` };
  try {
    const result = await purgeRequest(project, { request, classifications: rules.classifications, reason: rules.reason ?? 'retention period ended', operator: `schedule ${operatorName()}`, rule: rules.rule });
    return { ok: true, message: `${result.deleted.length} item(s) deleted (${rules.classifications.join(', ')}), due ${rules.due}` };
  } finally {
    lock.release();
  }
}
