// Executes a plan for one request: stages in dependency order, independent ones in parallel
// (bounded), each either served from the cache or run in a work folder and committed to the
// store. The runner never prints: it emits events that log.ts renders.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import type { Duck, DuckPool } from './duck.ts';
import type { Graph } from './graph.ts';
import { InputRefusedError, StatMemo, describeRefused, listFiles, type Sha256 } from './hash.ts';
import { keyHash, makeKey, type KeyObject } from './key.ts';
import { stageCodeFiles, projectPath } from './code.ts';
import { decide, describeReason, keyChanges, type InputFiles, type Reason } from './explain.ts';
import { acquireLock, describeHeldLock } from './lock.ts';
import { waitForStore } from './store-lock.ts';
import { newRunId, type IntegrityFinding, type RunRecords, type RunRecord, type StageRun } from './records.ts';
import { checkCached, lockFinding, publishChecked, setAsideRunRecords, type IntegrityContext } from './integrity.ts';
import type { Store, OutputRecord } from './store.ts';
import { removeTree } from './fsutil.ts';
import { environment } from './env.ts';
import { resolveInputPath } from './keys.ts';
import { unlistedFiles, type UnlistedFile } from './file-names.ts';
import { privateConfig } from './purge.ts';
import { redactQuoted, redactor, type Redact } from './redact.ts';
import { identifierRows } from './identifiers.ts';
import { reusableOutputs } from './reuse.ts';
import type { Project } from './project.ts';
import { checkRequestId, purgedNotice, requestLockPath } from './request.ts';
import { today } from './clock.ts';
import type { Stage, StageContext, StageResult } from './stage.ts';

export type StageState = 'hashing' | 'running' | 'hit' | 'ran' | 'failed' | 'skipped' | 'cancelled' | 'would-run' | 'would-hit' | 'pending';

export type RunEvent =
  | { type: 'plan'; request: string; run: string; stages: string[]; dryRun: boolean }
  | { type: 'stage'; stage: string; state: StageState; reason?: Reason; seconds?: number; error?: string; stop?: string }
  | { type: 'note'; stage?: string; message: string }
  /** Something stored was found damaged, set aside and (for a stage's output) rebuilt. */
  | { type: 'integrity'; finding: IntegrityFinding }
  | { type: 'done'; status: RunRecord['status'] | 'dry-run'; run: string; record?: string; counts: Record<string, number>; published?: string[] };

export interface RunOptions {
  request: string;
  force?: string[];
  only?: string;
  dryRun?: boolean;
  waitForLockMs?: number;
  concurrency?: number;
  /** The day the stages see as ctx.today (yyyy-mm-dd); default: clock.ts today(). */
  today?: string;
  signal?: AbortSignal;
  onEvent?: (event: RunEvent) => void;
}

export type FailureReason = 'invalid-request' | 'graph' | 'locked' | 'prepare' | 'input' | 'failed' | 'stopped' | 'cancelled' | 'options';

export interface PlanEntry {
  stage: string;
  state: StageState;
  reason?: Reason;
  keyHash?: string;
  error?: string;
}

export type RunOutcome =
  | { ok: true; record?: RunRecord; recordPath?: string; plan: PlanEntry[] }
  | { ok: false; reason: FailureReason; message: string; record?: RunRecord; recordPath?: string; plan?: PlanEntry[] };

interface Resolved {
  key: KeyObject;
  inputFiles: InputFiles;
  keyHash: Sha256;
  inputPaths: Record<string, string>;
  pendingUpstream: string[];
}

export class Runner {
  readonly store: Store;
  readonly records: RunRecords;
  readonly graph: Graph;

  constructor(readonly project: Project) {
    this.store = project.store;
    this.records = project.records;
    this.graph = project.graph;
  }

  async run(options: RunOptions): Promise<RunOutcome> {
    const emit = options.onEvent ?? (() => {});
    const invalid = checkRequestId(options.request);
    if (invalid) return { ok: false, reason: 'invalid-request', message: invalid };
    const request = options.request;
    for (const name of [...(options.force ?? []), ...(options.only ? [options.only] : [])]) {
      if (!this.graph.stages.has(name)) return { ok: false, reason: 'options', message: `unknown stage "${name}" (stages: ${this.graph.order.join(', ')})` };
    }

    let day: string;
    try {
      day = options.today ?? today();
    } catch (error) {
      return { ok: false, reason: 'options', message: (error as Error).message };
    }
    const runId = newRunId();
    const started = new Date().toISOString();
    let release = () => {};
    const integrity: IntegrityFinding[] = [];
    const found = (f: IntegrityFinding) => {
      integrity.push(f);
      emit({ type: 'integrity', finding: f });
    };
    const checks: IntegrityContext = { store: this.store, dataDir: this.project.dataDir, label: runId, dryRun: options.dryRun };
    if (!options.dryRun) {
      const lock = await acquireLock(requestLockPath(this.records, request), runId, options.waitForLockMs ?? 0);
      if (!lock.ok) return { ok: false, reason: 'locked', message: describeHeldLock(`request ${request}`, lock) };
      release = lock.release;
      // A gc or forced purge deleting from the store right now: wait for it (they are short).
      const deleter = await waitForStore(this.records, Math.max(options.waitForLockMs ?? 0, STORE_WAIT_MS));
      if (deleter) {
        release();
        return { ok: false, reason: 'locked', message: `the store is busy: ${deleter.run} (process ${deleter.pid}) is deleting from it; try again, or pass --wait SECONDS` };
      }
      if (lock.clearedStale) emit({ type: 'note', message: `cleared a stale lock left by process ${lock.clearedStale.pid} (no longer running)` });
      if (lock.clearedUnreadable) found(lockFinding(checks, lock.clearedUnreadable));
    }

    try {
      for (const f of setAsideRunRecords(checks, this.records, request)) found(f);
      this.store.init();
      const abandoned = options.dryRun ? [] : this.store.clearAbandonedWork();
      if (abandoned.length) emit({ type: 'note', message: `removed ${abandoned.length} unfinished work folder(s) of interrupted runs; nothing of them was committed` });
      if (this.project.config.prepare && !options.dryRun) {
        try {
          await this.project.config.prepare({ request, dataDir: this.project.dataDir, root: this.project.root, log: (message) => emit({ type: 'note', message }) });
        } catch (error) {
          return { ok: false, reason: 'prepare', message: `preparing the run failed: ${(error as Error).message}` };
        }
      }
      return await this.execute(request, runId, day, started, options, emit, { checks, found, integrity });
    } finally {
      release();
    }
  }

  private async execute(request: string, runId: string, day: string, started: string, options: RunOptions, emit: (e: RunEvent) => void, store: StoreChecks): Promise<RunOutcome> {
    const memo = new StatMemo(this.store.memoFile);
    const env = environment();
    const forced = new Set(options.force ?? []);
    const selected = options.only ? new Set([options.only]) : new Set(this.graph.order);
    // --only X: X and what it needs (its ancestors, from the cache); nothing else is even looked at.
    const needed = options.only ? upstreamOf(this.graph, options.only) : undefined;
    const notSelected = needed ? new Set(this.graph.order.filter((s) => !needed.has(s))) : new Set<string>();
    const plan = this.graph.order.filter((s) => !notSelected.has(s));
    emit({ type: 'plan', request, run: runId, stages: plan, dryRun: !!options.dryRun });

    const results = new Map<string, StageRun>();
    const entries = new Map<string, PlanEntry>();
    const outputsOf = new Map<string, Record<string, OutputRecord>>();
    let stopReason: string | undefined;
    let purgeAsk: { stage: string; purge: NonNullable<StageResult['purge']> } | undefined;
    let failure: { reason: FailureReason; message: string } | undefined;
    const concurrency = Math.max(1, options.concurrency ?? 2);
    const running = new Map<string, Promise<void>>();
    const done = new Set<string>();
    const signal = options.signal;
    // DuckDB engines kept between this run's stages (created on first use, closed at the end).
    const engines: Engines = {};
    // Notes and errors are redacted before they are emitted or recorded (src/redact.ts).
    const redactCache = new Map<string, string[] | Redact>();
    // The published copies (e.g. the report), to tell the user where to look when the run ends.
    const published: string[] = [];

    const finish = (stage: string, run: StageRun, entry: PlanEntry) => {
      results.set(stage, run);
      entries.set(stage, entry);
      done.add(stage);
    };

    const processStage = async (name: string): Promise<void> => {
      const stage = this.graph.stages.get(name)!;
      const deps = this.graph.deps.get(name)!;
      const blocked = deps.find((d) => ['failed', 'skipped', 'cancelled'].includes(entries.get(d)?.state ?? '') || results.get(d)?.stop !== undefined);
      if (blocked) {
        const up = results.get(blocked)!;
        const error = up.stop !== undefined ? `request stopped at ${blocked}: ${up.stop}` : `not run because ${blocked} ${up.status === 'failed' ? 'failed' : 'did not run'}`;
        emit({ type: 'stage', stage: name, state: 'skipped', error });
        return finish(name, { status: 'skipped', error }, { stage: name, state: 'skipped', error });
      }
      if (signal?.aborted) {
        emit({ type: 'stage', stage: name, state: 'cancelled' });
        return finish(name, { status: 'cancelled' }, { stage: name, state: 'cancelled' });
      }

      emit({ type: 'stage', stage: name, state: 'hashing' });
      let resolved: Resolved;
      try {
        resolved = await this.resolveKey(stage, request, memo, stage.usesToday ? { ...env, today: day } : env, outputsOf, !options.dryRun);
      } catch (error) {
        const message = (error as Error).message;
        emit({ type: 'stage', stage: name, state: 'failed', error: message });
        failure ??= { reason: 'input', message };
        return finish(name, { status: 'failed', error: message }, { stage: name, state: 'failed', error: message });
      }

      const previous = this.records.lastKeyOf(request, name);
      if (resolved.pendingUpstream.length) {
        // Dry run only: an upstream stage would run, so this key is not known yet.
        const changes = previous ? keyChanges(previous.key, resolved.key, { before: previous.inputFiles, after: resolved.inputFiles }).filter((c) => !(c.field === 'inputs' && resolved.key.inputs[c.name] === PENDING)) : [];
        const reason: Reason = { kind: 'pending', upstream: resolved.pendingUpstream, changes };
        emit({ type: 'stage', stage: name, state: 'pending', reason });
        // Its outputs are not known either: the stages below it are pending too, not failed.
        outputsOf.set(name, pendingOutputs(stage));
        return finish(name, { status: 'skipped', reason }, { stage: name, state: 'pending', reason });
      }

      // The cached record and its blobs are checked before use; what is damaged is set aside.
      const cached = stage.cache === false || forced.has(name) ? { record: undefined, missingOutputs: [], findings: [] } : await checkCached(store.checks, name, resolved.keyHash, memo);
      for (const f of cached.findings) store.found(f);
      const record = cached.record;
      let decision = decide({ key: resolved.key, cache: stage.cache !== false, forced: forced.has(name), cachedRecordExists: !!record, missingOutputs: cached.missingOutputs, previous, inputFiles: resolved.inputFiles });

      if (!decision.run && record) {
        outputsOf.set(name, record.outputs);
        if (options.dryRun) {
          emit({ type: 'stage', stage: name, state: 'would-hit', reason: decision.reason });
          return finish(name, { status: 'hit', reason: decision.reason, key: resolved.key, ...withFiles(resolved.inputFiles), keyHash: resolved.keyHash, outputs: record.outputs }, { stage: name, state: 'would-hit', reason: decision.reason, keyHash: resolved.keyHash });
        }
        const damaged = await this.publishOutputs(stage, request, record.outputs, memo, published, store.checks);
        for (const f of damaged) store.found(f);
        if (!damaged.length) {
          emit({ type: 'stage', stage: name, state: 'hit', reason: decision.reason, stop: record.stop });
          return finish(
            name,
            { status: 'hit', reason: decision.reason, key: resolved.key, ...withFiles(resolved.inputFiles), keyHash: resolved.keyHash, outputs: record.outputs, summary: record.summary, stop: record.stop },
            { stage: name, state: 'hit', reason: decision.reason, keyHash: resolved.keyHash },
          );
        }
        // A published copy showed a damaged blob (the memo had vouched for it): rebuild.
        decision = { run: true, reason: { kind: 'outputMissing', outputs: damaged.map((f) => f.output!).sort() } };
      }

      if (options.dryRun || !selected.has(name)) {
        if (!selected.has(name)) {
          const error = `--only ${options.only}: ${name} is not cached (${describeReason(decision.reason)}); run the whole pipeline first`;
          emit({ type: 'stage', stage: name, state: 'failed', error });
          failure ??= { reason: 'options', message: error };
          return finish(name, { status: 'failed', error }, { stage: name, state: 'failed', error });
        }
        emit({ type: 'stage', stage: name, state: 'would-run', reason: decision.reason });
        outputsOf.set(name, pendingOutputs(stage));
        return finish(name, { status: 'skipped', reason: decision.reason, key: resolved.key, keyHash: resolved.keyHash }, { stage: name, state: 'would-run', reason: decision.reason, keyHash: resolved.keyHash });
      }

      emit({ type: 'stage', stage: name, state: 'running', reason: decision.reason });
      const t0 = performance.now();
      // A stage that loads no DuckDB (the retention check) does not load it for this either: its
      // notes get what is already known, and an error waits for the request's identifier values.
      const full = () => this.identifierRedactor(request, outputsOf, redactCache);
      const redaction = { now: stage.duckdb === false ? this.knownRedactor(request, outputsOf, redactCache) : await full(), full };
      const outcome = await this.executeStage(stage, request, runId, day, resolved, engines, emit, redaction, signal, memo);
      const seconds = Math.round((performance.now() - t0) / 10) / 100;
      if (!outcome.ok) {
        const state = outcome.cancelled ? 'cancelled' : 'failed';
        emit({ type: 'stage', stage: name, state, seconds, error: outcome.error });
        if (!outcome.cancelled) failure ??= { reason: 'failed', message: `stage ${name} failed: ${outcome.error}` };
        return finish(name, { status: state, reason: decision.reason, key: resolved.key, ...withFiles(resolved.inputFiles), keyHash: resolved.keyHash, seconds, error: outcome.error, notes: outcome.notes }, { stage: name, state, reason: decision.reason, error: outcome.error });
      }
      this.store.writeRecord({ v: 1, stage: name, keyHash: resolved.keyHash, key: resolved.key, outputs: outcome.outputs, summary: outcome.result?.summary, stop: outcome.result?.stop });
      if (outcome.result?.purge) purgeAsk = { stage: name, purge: outcome.result.purge };
      outputsOf.set(name, outcome.outputs);
      const damaged = await this.publishOutputs(stage, request, outcome.outputs, memo, published, store.checks);
      for (const f of damaged) store.found(f);
      if (damaged.length) {
        // Just committed, and already not what it hashed to: the store is being changed under us.
        const error = `output ${damaged.map((f) => f.output).join(', ')} changed in the store between commit and publish; set aside, run again`;
        emit({ type: 'stage', stage: name, state: 'failed', seconds, error });
        failure ??= { reason: 'failed', message: `stage ${name} failed: ${error}` };
        return finish(name, { status: 'failed', reason: decision.reason, key: resolved.key, ...withFiles(resolved.inputFiles), keyHash: resolved.keyHash, seconds, error }, { stage: name, state: 'failed', reason: decision.reason, error });
      }
      emit({ type: 'stage', stage: name, state: 'ran', seconds, reason: decision.reason, stop: outcome.result?.stop });
      finish(
        name,
        { status: 'ran', reason: decision.reason, key: resolved.key, ...withFiles(resolved.inputFiles), keyHash: resolved.keyHash, outputs: outcome.outputs, seconds, notes: outcome.notes, summary: outcome.result?.summary, stop: outcome.result?.stop },
        { stage: name, state: 'ran', reason: decision.reason, keyHash: resolved.keyHash },
      );
    };

    // Schedule: start every stage whose dependencies are done, at most `concurrency` at once.
    while (done.size < plan.length) {
      for (const name of plan) {
        if (done.has(name) || running.has(name) || running.size >= concurrency) continue;
        if (!this.graph.deps.get(name)!.every((d) => done.has(d) || notSelected.has(d))) continue;
        running.set(name, processStage(name).finally(() => running.delete(name)));
      }
      if (running.size === 0) break; // nothing runnable: cannot happen in a validated DAG
      await Promise.race(running.values());
    }
    if (engines.pool) (await engines.pool).close();
    // A dry run (--explain, status) writes nothing, not even the memo: it only costs re-hashing.
    if (!options.dryRun) memo.save();

    for (const name of plan) {
      const s = results.get(name);
      if (s?.stop !== undefined && stopReason === undefined) stopReason = `${name}: ${s.stop}`;
    }
    const planEntries = plan.map((s) => entries.get(s)!).filter(Boolean);
    const counts: Record<string, number> = {};
    for (const e of planEntries) counts[e.state] = (counts[e.state] ?? 0) + 1;

    if (options.dryRun) {
      emit({ type: 'done', status: 'dry-run', run: runId, counts });
      return failure ? { ok: false, ...failure, plan: planEntries } : { ok: true, plan: planEntries };
    }

    const status: RunRecord['status'] = signal?.aborted ? 'cancelled' : failure ? 'failed' : stopReason ? 'stopped' : 'ok';
    const record: RunRecord = {
      v: 1,
      request,
      run: runId,
      status,
      started,
      finished: new Date().toISOString(),
      plan,
      env,
      options: { force: [...forced], only: options.only ?? null },
      ...(stopReason ? { stop: stopReason } : {}),
      stages: Object.fromEntries(plan.filter((s) => results.has(s)).map((s) => [s, results.get(s)!])),
      ...(store.integrity.length ? { integrity: store.integrity } : {}),
    };
    const recordPath = this.records.write(record);
    removeTree(join(this.store.tmp, runId));
    if (purgeAsk && (status === 'ok' || status === 'stopped')) {
      // After the record is written, so the purge marks this run's outputs too. The lock is still held.
      const { purgeRequest } = await import('./purge.ts');
      const result = await purgeRequest(this.project, { request, ...purgeAsk.purge, operator: `stage ${purgeAsk.stage}` });
      emit({ type: 'note', stage: purgeAsk.stage, message: `purged ${result.deleted.length} item(s) (${purgeAsk.purge.classifications.join(', ')}); ${result.kept.length} kept because another request needs them` });
    }
    emit({ type: 'done', status, run: runId, record: recordPath, counts, published: published.sort() });
    if (status === 'cancelled') return { ok: false, reason: 'cancelled', message: 'run cancelled; nothing half-written was committed', record, recordPath, plan: planEntries };
    if (failure) return { ok: false, ...failure, record, recordPath, plan: planEntries };
    if (stopReason) return { ok: false, reason: 'stopped', message: `request ${request} stopped at ${stopReason}`, record, recordPath, plan: planEntries };
    return { ok: true, record, recordPath, plan: planEntries };
  }

  /** The key object of a stage: code, params, the content hashes of its inputs, env. */
  private async resolveKey(stage: Stage, request: string, memo: StatMemo, env: Record<string, string>, outputsOf: Map<string, Record<string, OutputRecord>>, createKey = true): Promise<Resolved> {
    const code = stageCodeFiles(stage.file, stage.code);
    if (code.missing.length) throw new Error(`stage ${stage.name}, code: declared file(s) not found: ${code.missing.join(', ')}`);
    const codeHashes: Record<string, string> = {};
    for (const f of code.files) codeHashes[projectPath(this.project.root, f)] = await memo.hashFile(f);

    const inputs: Record<string, string> = {};
    const inputPaths: Record<string, string> = {};
    const inputFiles: InputFiles = {};
    const pendingUpstream = new Set<string>();
    const optional = new Set(stage.optionalInputs ?? []);
    for (const [name, src] of Object.entries(this.graph.inputs.get(stage.name)!)) {
      if (src.kind === 'output') {
        const out = outputsOf.get(src.stage)?.[src.output];
        if (!out) throw new Error(`stage ${stage.name}, inputs.${name}: upstream output ${src.stage}.${src.output} is not available`);
        inputs[name] = out.hash;
        if (out.hash === PENDING) pendingUpstream.add(src.stage);
        else inputPaths[name] = this.store.blobPath(out.hash);
      } else {
        const rel = src.path.replaceAll('{request}', request);
        const abs = resolveInputPath(privateConfig(this.project), src.path, request);
        if (!existsSync(abs)) {
          if (optional.has(name)) {
            inputs[name] = 'absent';
            continue;
          }
          const purged = purgedNotice(this.project, request);
          throw new Error(purged ?? `stage ${stage.name}, inputs.${name}: ${rel} not found`);
        }
        // A folder whose file names the stage does not all show (StageSpec.shownFileNames): each
        // other file gets its label for run records, and the stat memo keeps it under a keyed hash.
        const shownNames = stage.shownFileNames?.[name];
        const unlisted = shownNames && statSync(abs).isDirectory() ? unlistedFiles(privateConfig(this.project), abs, shownNames, createKey) : new Map<string, UnlistedFile>();
        for (const [file, { memoId }] of unlisted) if (memoId) memo.alias(file, memoId);
        try {
          inputs[name] = await memo.hashPath(abs, { letSpecialFilesThrough: stage.refusesSpecialFiles });
        } catch (error) {
          if (!(error instanceof InputRefusedError)) throw error;
          throw new Error(`stage ${stage.name}, inputs.${name}: ${describeRefused(error.refused, (p) => relative(this.project.root, p))}`);
        }
        inputPaths[name] = abs;
        if (statSync(abs).isDirectory()) {
          // Already hashed just above (memo hits): kept so a change can be named by its file.
          const files: Record<string, string> = {};
          for (const f of listFiles(abs)) files[unlisted.get(f)?.label ?? relative(abs, f).split(sep).join('/')] = await memo.hashFile(f);
          inputFiles[name] = files;
        }
      }
    }
    const key = makeKey({ stage: stage.name, code: codeHashes, params: stage.params ?? {}, inputs, env });
    return { key, inputFiles, keyHash: keyHash(key), inputPaths, pendingUpstream: [...pendingUpstream] };
  }

  /**
   * A redactor knowing the request's identifier values: from this run's outputs that
   * declare identifier columns, else the last run's (a stage failing before such an output exists).
   * Values are read once per blob and only kept in memory.
   */
  private redactionSources(request: string, outputsOf: Map<string, Record<string, OutputRecord>>) {
    const sources: { hash: string; spec: NonNullable<Stage['outputs'][string]['identifiers']> }[] = [];
    const latest = this.records.latest(request);
    for (const [stageName, outs] of [...outputsOf, ...Object.entries(latest?.stages ?? {}).map(([n, s]) => [n, s.outputs ?? {}] as const)]) {
      for (const [name, o] of Object.entries(outs)) {
        const spec = this.graph.stages.get(stageName)?.outputs[name];
        if (spec?.identifiers && spec.format === 'parquet' && o.hash !== PENDING && this.store.hasBlob(o.hash)) sources.push({ hash: o.hash, spec: spec.identifiers });
      }
    }
    return { sources, id: `redactor:${[...new Set(sources.map((x) => x.hash))].sort().join(',')}` };
  }

  /** The identifier redactor if this run already built it, else quotes only (no DuckDB loaded). */
  private knownRedactor(request: string, outputsOf: Map<string, Record<string, OutputRecord>>, cache: Map<string, string[] | Redact>): Redact {
    const built = cache.get(this.redactionSources(request, outputsOf).id);
    return typeof built === 'function' ? built : redactQuoted;
  }

  private async identifierRedactor(request: string, outputsOf: Map<string, Record<string, OutputRecord>>, cache: Map<string, string[] | Redact>): Promise<Redact> {
    const { sources, id } = this.redactionSources(request, outputsOf);
    const built = cache.get(id);
    if (typeof built === 'function') return built;
    const values: string[] = [];
    for (const { hash, spec } of sources) {
      if (!cache.has(hash)) {
        const { Duck } = await import('./duck.ts');
        const db = await Duck.open({ threads: 1 });
        try {
          const rows = await identifierRows(db, this.store.blobPath(hash), spec);
          cache.set(hash, rows.flatMap((r) => [...r.names, ...r.dates, ...r.ids]).filter(Boolean));
        } catch {
          cache.set(hash, []);
        } finally {
          db.close();
        }
      }
      // (a loop, not a spread: a national cohort has a few hundred thousand values, past the
      // number of arguments a call can take)
      for (const v of cache.get(hash) as string[]) values.push(v);
    }
    const redact = redactor(values);
    cache.set(id, redact);
    return redact;
  }

  private async executeStage(
    stage: Stage,
    request: string,
    runId: string,
    day: string,
    resolved: Resolved,
    engines: Engines,
    emit: (e: RunEvent) => void,
    redaction: { now: Redact; full: () => Promise<Redact> },
    signal?: AbortSignal,
    memo?: StatMemo,
  ): Promise<{ ok: true; outputs: Record<string, OutputRecord>; result: StageResult | void; notes: string[] } | { ok: false; error: string; cancelled?: boolean; notes: string[] }> {
    const work = this.store.workDir(runId, stage.name);
    const outputs = Object.fromEntries(Object.entries(stage.outputs).map(([n, spec]) => [n, join(work.out, `${n}.${spec.format}`)]));
    const notes: string[] = [];
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    signal?.addEventListener('abort', onAbort);
    let pool: DuckPool | undefined;
    let db: Duck | undefined;
    let finished = false;
    try {
      // Loaded only when a stage really runs, so a fully cached run starts fast.
      // Two stages may start at once: both wait for the same pool.
      // Engines spill into the run's work folder, removed with it at the end of the run.
      // A stage that declares `duckdb: false` (the retention check) gets none: DuckDB is not even loaded.
      if (stage.duckdb !== false) {
        engines.pool ??= import('./duck.ts').then(({ DuckPool }) => new DuckPool(join(this.store.tmp, runId, '.duckdb-spill')));
        pool = await engines.pool;
        db = await pool.acquire({ threads: 2, ...this.project.config.duckdb, ...stage.duckdb, tempDirectory: work.tmp });
      }
      const ctx: StageContext = {
        request,
        today: day,
        params: stage.params ?? {},
        inputs: resolved.inputPaths,
        // Absent optional inputs count in the key ('absent') but have no hash to show.
        inputHashes: Object.fromEntries(Object.entries(resolved.key.inputs).filter(([n]) => n in resolved.inputPaths)),
        key: resolved.keyHash,
        outputs,
        tmpDir: work.tmp,
        dir: resolve(stage.file, '..'),
        db: db ?? noDuck(stage.name),
        log: {
          info: (raw) => {
            const message = redaction.now(raw);
            notes.push(message);
            emit({ type: 'note', stage: stage.name, message });
          },
        },
        signal: controller.signal,
        ...(stage.reuse && memo ? { previous: await reusableOutputs(this.records, this.store, memo, request, stage.name, resolved.key, stage.reuse.varying) } : {}),
      };
      const aborted = new Promise<'aborted'>((r) => (controller.signal.aborted ? r('aborted') : controller.signal.addEventListener('abort', () => r('aborted'))));
      const result = await Promise.race([stage.run(ctx), aborted]);
      if (result === 'aborted' || signal?.aborted) return { ok: false, error: 'cancelled before it finished; nothing was committed', cancelled: true, notes };
      finished = true;

      const written = readdirSync(work.out).sort();
      const declared = new Set(Object.values(outputs).map((p) => p.slice(work.out.length + 1)));
      const undeclared = written.filter((f) => !declared.has(f));
      if (undeclared.length) return { ok: false, error: `wrote file(s) it did not declare: ${undeclared.join(', ')}`, notes };
      const missing = Object.entries(stage.outputs).filter(([n, spec]) => !spec.optional && !existsSync(outputs[n]!)).map(([n]) => n);
      if (missing.length) return { ok: false, error: `declared output(s) not written: ${missing.join(', ')}`, notes };

      const committed: Record<string, OutputRecord> = {};
      for (const [n, spec] of Object.entries(stage.outputs)) {
        const file = outputs[n]!;
        if (!existsSync(file)) continue;
        if (!statSync(file).isFile()) return { ok: false, error: `output ${n} is not a regular file`, notes };
        const rows = (result && result.rows?.[n]) ?? (await countRows(db, file, spec.format));
        const { hash, bytes } = await this.store.commitBlob(file, spec.classification, memo);
        committed[n] = { hash, bytes, ...(rows === undefined ? {} : { rows }), format: spec.format, classification: spec.classification };
      }
      return { ok: true, outputs: committed, result: result as StageResult | void, notes };
    } catch (error) {
      return { ok: false, error: (await redaction.full())((error as Error).message ?? String(error)), notes };
    } finally {
      signal?.removeEventListener('abort', onAbort);
      // An engine whose stage was cancelled may still be running its query: that one is closed.
      if (db) await pool!.release(db, finished);
      removeTree(work.dir);
    }
  }

  /** Publish a stage's outputs, hashing each as it is copied; returns the damaged blobs found (quarantined). */
  private async publishOutputs(stage: Stage, request: string, outputs: Record<string, OutputRecord>, memo: StatMemo, published: string[], checks: IntegrityContext): Promise<IntegrityFinding[]> {
    const damaged: IntegrityFinding[] = [];
    for (const [n, spec] of Object.entries(stage.outputs)) {
      const out = outputs[n];
      if (!spec.publish || !out || !this.store.hasBlob(out.hash)) continue;
      const target = join(this.project.dataDir, spec.publish.replaceAll('{request}', request));
      if (existsSync(target) && (await memo.hashFile(target)) === out.hash) {
        published.push(target);
        continue;
      }
      const bad = await publishChecked(checks, { stage: stage.name, output: n }, out.hash, target, spec.classification);
      if (bad) damaged.push(bad);
      else published.push(target);
    }
    return damaged;
  }
}

/** What the run's store checks need: where to quarantine, and where findings go. */
interface StoreChecks {
  checks: IntegrityContext;
  found: (f: IntegrityFinding) => void;
  integrity: IntegrityFinding[];
}

/** The run's DuckDB engines: the pool, once a stage has run. */
interface Engines {
  pool?: Promise<DuckPool>;
}

export { GraphValidationError } from './project.ts';

/** Kept for callers of the old name: quoted values redacted (src/redact.ts). */
export { redactQuoted as redactValues } from './redact.ts';

/** The stage and every stage it depends on, directly or not. */
function upstreamOf(graph: Graph, name: string): Set<string> {
  const out = new Set<string>();
  const stack = [name];
  while (stack.length) {
    const s = stack.pop()!;
    if (out.has(s)) continue;
    out.add(s);
    stack.push(...(graph.deps.get(s) ?? []));
  }
  return out;
}

/** How long a run waits for a gc or purge that holds the store before giving up as "locked". */
const STORE_WAIT_MS = 60_000;

/** Marks an upstream output whose hash is not known yet (dry run of a stage that would run). */
const PENDING = 'pending';

function withFiles(inputFiles: InputFiles): { inputFiles?: InputFiles } {
  return Object.keys(inputFiles).length ? { inputFiles } : {};
}

function pendingOutputs(stage: Stage): Record<string, OutputRecord> {
  return Object.fromEntries(Object.entries(stage.outputs).map(([o, spec]) => [o, { hash: PENDING, bytes: 0, format: spec.format, classification: spec.classification }]));
}

/** ctx.db of a stage that declared `duckdb: false`: any use is a clear error, not a crash. */
function noDuck(stage: string): Duck {
  return new Proxy({} as Duck, {
    get() {
      throw new Error(`stage ${stage} declared duckdb: false, so it has no ctx.db`);
    },
  });
}

async function countRows(db: Duck | undefined, file: string, format: string): Promise<number | undefined> {
  try {
    if (!db && format !== 'json') return undefined;
    db = db!;
    if (format === 'parquet') return Number((await db.one<{ n: bigint }>('SELECT count(*) AS n FROM read_parquet($p)', { p: file }))!.n);
    if (format === 'arrow') return (await import('apache-arrow')).tableFromIPC(readFileSync(file)).numRows;
    if (format === 'json') {
      const value = JSON.parse(readFileSync(file, 'utf8')) as unknown;
      return Array.isArray(value) ? value.length : undefined;
    }
    if (format === 'csv') return Number((await db.one<{ n: bigint }>('SELECT count(*) AS n FROM read_csv($p, all_varchar = true, header = true)', { p: file }))!.n);
  } catch {
    return undefined; // a count is informative only; the stage may report it itself
  }
  return undefined;
}
