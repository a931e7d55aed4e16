// `verify`: is the request's latest run reproducible? Every stage is executed again, by the same
// Runner machinery, into a scratch data folder (its own store, run records and lock), and each
// output's sha256 is compared with the hash the run recorded. File inputs resolve against the
// project root, not the data folder, so the scratch run reads the very same input files; upstream
// outputs come from the scratch run itself, so the whole chain is verified. The real store and
// run records are never written.
import { mkdirSync, mkdtempSync, readdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { Runner, type RunEvent } from './runner.ts';
import { makeProject, type Project } from './project.ts';
import { downstreamOf } from './graph.ts';
import { describeChange, keyChanges } from './explain.ts';
import { isProcessAlive, removeTree } from './fsutil.ts';
import { runsInOrder } from './diff.ts';
import type { StageRun } from './records.ts';

/**
 * reproducible: every output has the recorded bytes.
 * not-reproducible: same key (code, params, inputs, environment), different bytes.
 * upstream-differs: different bytes, but its inputs came from an upstream stage that was not reproducible.
 * changed-since: its code, params, input files or environment changed since the run, so the run cannot be repeated as it was.
 * failed: the re-execution failed or was skipped by the runner.
 * skipped: not verified (not cached by design, downstream of such a stage, or not run in the latest run).
 */
export type Verdict = 'reproducible' | 'not-reproducible' | 'upstream-differs' | 'changed-since' | 'failed' | 'skipped';

export interface StageVerification {
  stage: string;
  verdict: Verdict;
  /** Outputs whose bytes differ from the recorded ones (or exist on one side only). */
  differing: string[];
  outputs: { name: string; recorded?: string; reexecuted?: string }[];
  detail?: string;
}

export interface VerifyResult {
  request: string;
  run: string;
  ok: boolean;
  stages: StageVerification[];
}

export interface VerifyOptions {
  onEvent?: (event: RunEvent) => void;
  concurrency?: number;
  /**
   * Where to make the scratch folder (default: `verify/` in the data folder). It is removed
   * afterwards, and scratch folders left by a verify that was killed are removed by the next.
   */
  scratchParent?: string;
}

const HAS_OUTPUTS = new Set(['ran', 'hit', 'stopped']);

function rmdirIfEmpty(path: string): void {
  try {
    rmdirSync(path);
  } catch {
    // not empty (another verify is running) or already gone
  }
}

export async function verifyRequest(project: Project, request: string, options: VerifyOptions = {}): Promise<VerifyResult | { error: string }> {
  const ids = runsInOrder(project.records, request);
  const latest = ids.length ? project.records.read(request, ids[ids.length - 1]!) : undefined;
  if (!latest) return { error: `request ${request} has never been run: nothing to verify` };
  const dag = project;
  const graph = project.graph;

  // Stages that are not cached by design (e.g. purge) are evaluated afresh on purpose: verifying
  // them means nothing, and running them here could act (a purge). Their dependants go with them.
  const excluded = new Set<string>();
  for (const s of dag.stages) if (s.cache === false) for (const d of downstreamOf(graph, s.name)) excluded.add(d);
  // The scratch run holds the request's personal data, so by default it lives inside the data
  // folder, where the audit looks, not in the OS temp folder, where a killed verify would leave it
  // unseen. Its name carries the pid, so a later verify can tell a dead one's leftovers.
  const parent = options.scratchParent ?? join(dag.dataDir, 'verify');
  mkdirSync(parent, { recursive: true, mode: 0o700 });
  for (const name of readdirSync(parent)) {
    const pid = /^verify-(\d+)-/.exec(name)?.[1];
    if (pid && Number(pid) !== process.pid && !isProcessAlive(Number(pid))) removeTree(join(parent, name));
  }
  const scratch = mkdtempSync(join(parent, `verify-${process.pid}-`));
  const scratchDag = makeProject({
    root: dag.root,
    dataDir: scratch,
    stages: dag.stages.filter((s) => !excluded.has(s.name)),
    // No prepare hook: it (re)creates shared inputs; verify must read the existing ones, as they are.
    config: { ...dag.config, prepare: undefined },
  });

  let again: Record<string, StageRun> = {};
  let runError: string | undefined;
  try {
    // A separate Runner over the same stages: same key computation, same execution and commit path.
    const outcome = await new Runner(scratchDag).run({ request, concurrency: options.concurrency ?? 1, onEvent: options.onEvent });
    again = outcome.record?.stages ?? {};
    if (!outcome.ok && !outcome.record) runError = outcome.message;
  } finally {
    removeTree(scratch); // it may hold personal data
    if (!options.scratchParent) rmdirIfEmpty(parent);
  }
  if (runError) return { error: `re-executing request ${request} failed: ${runError}` };

  const verdicts = new Map<string, StageVerification>();
  for (const stage of latest.plan) {
    const was = latest.stages[stage];
    const now = again[stage];
    const recorded = was?.outputs ?? {};
    if (!graph.stages.has(stage)) {
      verdicts.set(stage, { stage, verdict: 'skipped', differing: [], outputs: [], detail: 'no longer in the DAG' });
      continue;
    }
    if (excluded.has(stage)) {
      const why = graph.stages.get(stage)!.cache === false ? 'not cached by design (cache: false)' : 'depends on a stage that is not cached by design';
      verdicts.set(stage, { stage, verdict: 'skipped', differing: [], outputs: [], detail: why });
      continue;
    }
    if (!was || !HAS_OUTPUTS.has(was.status) || !was.key) {
      verdicts.set(stage, { stage, verdict: 'skipped', differing: [], outputs: [], detail: `${was?.status ?? 'absent'} in the latest run` });
      continue;
    }
    if (!now || !HAS_OUTPUTS.has(now.status) || !now.key) {
      verdicts.set(stage, { stage, verdict: 'failed', differing: [], outputs: [], detail: `re-execution ${now?.status ?? 'did not happen'}${now?.error ? `: ${now.error}` : ''}` });
      continue;
    }
    const fresh = now.outputs ?? {};
    const names = [...new Set([...Object.keys(recorded), ...Object.keys(fresh)])].sort();
    const outputs = names.map((name) => ({ name, recorded: recorded[name]?.hash, reexecuted: fresh[name]?.hash }));
    const differing = outputs.filter((o) => o.recorded !== o.reexecuted).map((o) => o.name);
    if (!differing.length) {
      verdicts.set(stage, { stage, verdict: 'reproducible', differing, outputs });
      continue;
    }
    // Why are the bytes different? Compare the key the run used with the key of the re-execution.
    const sources = graph.inputs.get(stage)!;
    const changes = keyChanges(was.key, now.key);
    const fromUpstream = changes.filter((c) => c.field === 'inputs' && sources[c.name]?.kind === 'output');
    const other = changes.filter((c) => !fromUpstream.includes(c));
    if (other.length) {
      verdicts.set(stage, { stage, verdict: 'changed-since', differing, outputs, detail: `changed since run ${latest.run}: ${other.map(describeChange).join('; ')}; run the pipeline again, then verify` });
    } else if (fromUpstream.length) {
      const ups = [...new Set(fromUpstream.map((c) => (sources[c.name] as { stage: string }).stage))];
      verdicts.set(stage, { stage, verdict: 'upstream-differs', differing, outputs, detail: `its input(s) ${fromUpstream.map((c) => c.name).join(', ')} differ because ${ups.join(', ')} did not reproduce` });
    } else {
      verdicts.set(stage, { stage, verdict: 'not-reproducible', differing, outputs, detail: 'same code, params, inputs and environment, different bytes' });
    }
  }
  const stages = latest.plan.map((s) => verdicts.get(s)!);
  return { request, run: latest.run, ok: stages.every((s) => s.verdict === 'reproducible' || s.verdict === 'skipped'), stages };
}
