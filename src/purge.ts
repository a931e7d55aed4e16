// Purge a request: delete every blob of the given classifications that its runs produced (unless
// another request still needs the same bytes), their published copies, the request's own input
// files, and any leftover work folders; record each deletion in the register; and mark the run
// records so they say "purged on ..." instead of pointing at nothing.
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { listFiles, sha256File } from './hash.ts';
import { unlistedFiles, type UnlistedFile } from './file-names.ts';
import { DeletionRegister, type Deletion, type RegisterEntry } from './deletions.ts';
import { harvestFingerprints, identifierRows, identifierTexts, lineCandidates } from './identifiers.ts';
import { writeFileAtomic, removeTree } from './fsutil.ts';
import { keyFile, privateDir, purposeKey, resolveInputPath, type PrivateConfig } from './keys.ts';
import type { LoadedDag, RetentionFacts } from './dag.ts';
import { requestScoped } from './graph.ts';
import type { Project } from './project.ts';
import { DamagedRunRecordError, type RunRecord } from './records.ts';
import { purgeMarkerPath, readPurgeMarker, type PurgeMarker } from './request.ts';
import type { Classification, OutputSpec } from './stage.ts';

export interface PurgeRequestOptions {
  request: string;
  classifications: Classification[];
  reason: string;
  operator: string;
  rule: string;
  when?: Date;
  /**
   * A partial purge (a withdrawn person): keep these blobs (what the corrected run uses), leave
   * the request's input files alone, and do not mark the request as purged.
   */
  keep?: Set<string>;
  /** Change nothing: return in `wouldDelete` exactly what would be deleted. */
  dryRun?: boolean;
}

export interface PurgeResult {
  deleted: RegisterEntry[];
  /** Blobs kept because another, unpurged request still uses the same bytes. */
  kept: { dataset: string; blob: string; neededBy: string[] }[];
  fingerprints: number;
  /** dry run only: the deletions that would be made (nothing was deleted or recorded) */
  wouldDelete?: Deletion[];
}

export { readPurgeMarker, type PurgeMarker };

export function privateConfig(dag: LoadedDag): PrivateConfig {
  return { root: dag.root, dataDir: dag.dataDir, privateDir: dag.config.privateDir };
}

export function dataPaths(project: Project) {
  const data = project.dataDir;
  const config = privateConfig(project);
  // The key is created on first use only: once anything keyed exists (a register entry, a
  // fingerprint), a missing key is a lost key, and a new one would silently make every MAC and
  // fingerprint unverifiable.
  const keyed = [join(data, 'register', 'deletions.jsonl'), join(data, 'register', 'fingerprints')].filter((p) => existsSync(p));
  const create = keyed.length === 0;
  const lost = () => new Error(`the private key ${keyFile(config)} is missing, but ${keyed.map((p) => relative(data, p)).join(' and ')} exist(s) under the data folder: restore the key from its backup (docs/privacy.md, "The private folder")`);
  return {
    /** Opened on use: making it creates the key, which a dry run (that only reads) must not do. */
    get register(): DeletionRegister {
      return new DeletionRegister(join(data, 'register', 'deletions.jsonl'), { key: purposeKey(config, 'deletion-register', create), headFile: join(privateDir(config), 'register-head.json') });
    },
    fingerprints: join(data, 'register', 'fingerprints'),
    /** The key of the fingerprints (never stored under the data folder); throws when it was lost. */
    fingerprintKey: (): Buffer => {
      const key = purposeKey(config, 'fingerprint', create);
      if (!key) throw lost();
      return key;
    },
    /** Each audit's register head, so a later rewrite of what an audit saw is detected. */
    auditHeads: join(data, 'register', 'audit-heads.jsonl'),
    marker: (request: string) => purgeMarkerPath(project.records, request),
    private: privateDir(config),
  };
}

/** What a retention rule may need to know of a request's runs (src/dag.ts RetentionFacts). */
export function retentionFacts(project: Project, request: string): RetentionFacts {
  const ids = project.records.list(request);
  if (!ids.length) return { stopped: false, firstRun: null };
  // A damaged run record (set aside by the next run) must not stop a purge: the readable ones answer.
  const readable = ids.map((id) => readOrUndefined(project, request, id)).filter((r) => r !== undefined);
  if (!readable.length) return { stopped: false, firstRun: null };
  return { stopped: readable.at(-1)!.status === 'stopped', firstRun: readable[0]!.started.slice(0, 10) };
}

/** The request's own input files: every file input whose path names {request}. */
export function requestInputPaths(project: Project, request: string): string[] {
  const paths = new Set<string>();
  for (const [, inputs] of project.graph.inputs) {
    for (const src of Object.values(inputs)) {
      if (src.kind === 'file' && src.path.includes('{request}')) paths.add(resolveInputPath(privateConfig(project), src.path, request));
    }
  }
  return [...paths].sort();
}

/** The shownFileNames a stage declares for this folder input of the request, if any. */
function shownFileNamesOf(project: Project, folder: string, request: string): string[] | undefined {
  for (const [stage, inputs] of project.graph.inputs) {
    for (const [name, src] of Object.entries(inputs)) {
      if (src.kind !== 'file' || resolveInputPath(privateConfig(project), src.path, request) !== folder) continue;
      const shown = project.graph.stages.get(stage)?.shownFileNames?.[name];
      if (shown) return shown;
    }
  }
  return undefined;
}

/** Must be called with the request's lock held (the project holds it during a run; commands take it). */
export async function purgeRequest(project: Project, options: PurgeRequestOptions): Promise<PurgeResult> {
  const { request, classifications } = options;
  const when = options.when ?? new Date();
  const paths = dataPaths(project);
  const dataDir = project.dataDir;
  const rel = (p: string) => relative(dataDir, p).split(sep).join('/');
  const classes = new Set(classifications);
  const partial = options.keep !== undefined;
  const dry = !!options.dryRun;

  // What this request's runs hold, by blob.
  const mine = new Map<string, { dataset: string; classification: Classification; bytes: number; rows?: number; stage: string; output: string }>();
  const runIds = project.records.list(request);
  // Only outputs derived from the request's own files: shared reference data (a national register
  // built once for every request) is not the request's to delete.
  const scoped = requestScoped(project.graph);
  for (const { stage, output, o } of runOutputs(project, request)) {
    if (scoped.has(stage) && classes.has(o.classification)) mine.set(o.hash, { dataset: `${stage}.${output}`, classification: o.classification, bytes: o.bytes, rows: o.rows, stage, output });
  }

  // Bytes another request still needs are kept until that request no longer needs them.
  const neededBy = new Map<string, string[]>();
  for (const other of project.records.requests()) {
    if (other === request || readPurgeMarker(project, other)) continue;
    for (const { o } of runOutputs(project, other)) if (mine.has(o.hash) && !o.purged) neededBy.set(o.hash, [...new Set([...(neededBy.get(o.hash) ?? []), other])]);
  }

  // Fingerprint identifiers before the bytes are gone, so the audit can look for leftovers.
  let fingerprints = 0;
  const { Duck } = await import('./duck.ts');
  const db = await Duck.open({ threads: 1 });
  try {
    for (const [hash, m] of mine) {
      const spec = project.graph.stages.get(m.stage)?.outputs[m.output];
      // A partial purge fingerprints only the withdrawn person (the caller does), not everyone.
      if (!partial && !dry && spec?.identifiers && spec.format === 'parquet' && project.store.hasBlob(hash)) {
        fingerprints = await harvestFingerprints(db, project.store.blobPath(hash), spec.identifiers, paths.fingerprints, request, paths.fingerprintKey());
      }
    }
  } finally {
    db.close();
  }

  // First the plan: what to delete, each with its register entry. Nothing is touched yet.
  const planned: Planned[] = [];
  const kept: PurgeResult['kept'] = [];
  const base = { request, operator: options.operator, reason: options.reason, rule: options.rule };
  const removeFile = (path: string, deletion: Deletion) => planned.push({ path, deletion });
  for (const [hash, m] of [...mine].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (options.keep?.has(hash)) continue;
    if (neededBy.has(hash)) {
      kept.push({ dataset: m.dataset, blob: hash, neededBy: neededBy.get(hash)! });
      continue;
    }
    const entry = { ...base, dataset: m.dataset, classification: m.classification, blob: hash, bytes: m.bytes };
    if (project.store.hasBlob(hash)) removeFile(project.store.blobPath(hash), { ...entry, ...(m.rows === undefined ? {} : { rows: m.rows }), location: rel(project.store.blobPath(hash)) });
    // A damaged copy a run set aside holds the same kind of data: it goes too, and is recorded.
    for (const copy of project.store.quarantinedCopies(hash)) removeFile(copy, { ...entry, location: rel(copy) });
    // Published copies of the same output.
    const spec = project.graph.stages.get(m.stage)?.outputs[m.output];
    if (spec?.publish) {
      const copy = join(dataDir, spec.publish.replaceAll('{request}', request));
      if (existsSync(copy) && (await sha256File(copy)) === hash) removeFile(copy, { ...entry, dataset: `${m.dataset} (published copy)`, location: rel(copy) });
    }
  }

  // A published copy of a person-level output is the request's data whatever its bytes now (a
  // provider's rejection file opened and saved again no longer hashes to its blob).
  if (!partial) {
    const plannedPaths = new Set(planned.map((x) => x.path));
    for (const [stage, spec] of project.graph.stages) {
      if (!scoped.has(stage)) continue;
      for (const [output, o] of Object.entries(spec.outputs)) {
        if (!o.publish?.includes('{request}') || !classes.has(o.classification)) continue; // a path of its own, not shared
        const copy = join(dataDir, o.publish.replaceAll('{request}', request));
        if (!existsSync(copy) || plannedPaths.has(copy) || !statSync(copy).isFile()) continue;
        removeFile(copy, { ...base, dataset: `${stage}.${output} (published copy, changed since)`, classification: o.classification, blob: await sha256File(copy), bytes: statSync(copy).size, location: rel(copy) });
      }
    }
  }

  // The request's own input files are personal whatever else is kept.
  const folders: string[] = [];
  if (classes.has('personal') && !partial) {
    for (const input of requestInputPaths(project, request)) {
      if (!existsSync(input)) continue;
      const isFolder = statSync(input).isDirectory();
      const files = isFolder ? listFiles(input) : [input];
      // The register keeps what it names for ever: a file whose name a stage does not list is named
      // by its keyed label there, as in run records (file-names.ts).
      const shown = isFolder ? shownFileNamesOf(project, input, request) : undefined;
      const unlisted = shown ? unlistedFiles(privateConfig(project), input, shown, !dry) : new Map<string, UnlistedFile>();
      for (const f of files) {
        const blob = await sha256File(f);
        const bytes = statSync(f).size;
        const named = (p: string) => (unlisted.has(f) ? join(relative(p, input), unlisted.get(f)!.label) : relative(p, f)).split(sep).join('/');
        const inPrivate = !relative(paths.private, f).startsWith('..');
        const where = inPrivate ? `private:${named(paths.private)}` : relative(dataDir, f).startsWith('..') ? named(project.root) : named(dataDir);
        removeFile(f, { ...base, dataset: inPrivate ? where : `input:${named(project.root)}`, classification: 'personal', blob, bytes, location: where });
      }
      if (statSync(input).isDirectory()) folders.push(input);
    }
  }
  if (dry) return { deleted: [], kept, fingerprints: 0, wouldDelete: planned.map((x) => x.deletion) };

  // Then the deletions, journalled: the plan is written down first, so a purge interrupted half
  // way (killed, a file that cannot be removed) leaves no deletion unrecorded: the next purge of
  // the request records what the interrupted one deleted, then finishes the job.
  const entries = deleteJournalled(pendingPurgePath(project, request), paths.register, planned, () => {
    for (const { path } of planned) rmSync(path, { force: true });
    for (const folder of folders) removeTree(folder);
    // Work folders of this request's runs, if an interrupted run left any.
    if (classes.has('personal') && !partial) for (const id of runIds) removeTree(join(project.store.tmp, id));
  }, when);

  // Run records keep their hashes and say when the bytes were purged.
  const deleted = new Set(entries.map((e) => e.blob));
  for (const id of runIds) {
    let record;
    try {
      record = project.records.read(request, id);
    } catch (error) {
      if (error instanceof DamagedRunRecordError) continue; // its outputs were found by what it still names
      throw error;
    }
    let changed = false;
    for (const s of Object.values(record.stages)) {
      for (const o of Object.values(s.outputs ?? {})) {
        if (deleted.has(o.hash) && !o.purged) {
          o.purged = when.toISOString();
          changed = true;
        }
      }
    }
    if (changed) project.records.write(record);
  }

  const previous = readPurgeMarker(project, request);
  const marker: PurgeMarker = {
    purged: previous?.purged ?? when.toISOString(),
    classifications: [...new Set([...(previous?.classifications ?? []), ...classifications])],
    reason: options.reason,
    rule: options.rule,
    operator: options.operator,
    entries: [...(previous?.entries ?? []), ...entries.map((e) => ({ seq: e.seq, hash: e.hash }))],
  };
  if (classes.has('personal') && !partial) writeFileAtomic(paths.marker(request), JSON.stringify(marker, null, 2) + '\n', 0o600);
  return { deleted: entries, kept, fingerprints };
}

/**
 * Delete, journalled: the plan is written down first, then `remove` deletes, then the register
 * records the plan and the journal goes. A deletion interrupted half way (killed, a file that
 * cannot be removed) so leaves no deletion unrecorded: the next one with the same journal first
 * records what the interrupted one deleted. Purge and gc both delete this way.
 */
export function deleteJournalled(journal: string, register: DeletionRegister, planned: Planned[], remove: () => void, when?: Date): RegisterEntry[] {
  const recovered = recoverPendingPurge(journal, register);
  if (!recovered.length && !planned.length) {
    remove();
    return [];
  }
  writeFileAtomic(journal, JSON.stringify({ seqBefore: register.entries().at(-1)?.seq ?? 0, planned: [...recovered, ...planned] } satisfies PendingPurge) + '\n', 0o600);
  remove();
  const entries = register.append([...recovered, ...planned].map((x) => x.deletion), when);
  rmSync(journal, { force: true });
  return entries;
}

/** One deletion of a purge or gc: the file, and the register entry that records it. */
export interface Planned {
  path: string;
  deletion: Deletion;
}

/** A purge's plan, written before it deletes anything; removed once the register holds it. */
interface PendingPurge {
  /** the register's last seq when the plan was written: entries after it may already record it */
  seqBefore: number;
  planned: Planned[];
}

export function pendingPurgePath(project: Project, request: string): string {
  return join(project.records.requestDir(request), 'purge-pending.json');
}

/**
 * What an interrupted purge deleted and did not record: the planned files that are gone and that
 * no register entry written since the plan names. Recorded by the purge that finds them.
 */
function recoverPendingPurge(journal: string, register: DeletionRegister): Planned[] {
  if (!existsSync(journal)) return [];
  let pending: PendingPurge;
  try {
    pending = JSON.parse(readFileSync(journal, 'utf8')) as PendingPurge;
  } catch {
    return []; // cut short while it was being written: nothing was deleted after it
  }
  const since = new Set(register.entries().filter((e) => e.seq > pending.seqBefore).map((e) => `${e.blob} ${e.location}`));
  return (pending.planned ?? []).filter((x) => !existsSync(x.path) && !since.has(`${x.deletion.blob} ${x.deletion.location}`));
}

/**
 * Whether an operator's text (a purge's or a withdrawal's reason, kept in the deletion register)
 * names a person of the request: a full name, or an id, of any row of its outputs that declare
 * identifier columns. The register must never hold an identifier, so such a reason is refused.
 */
export async function textNamesPerson(project: Project, request: string, text: string): Promise<boolean> {
  const candidates = lineCandidates(text);
  if (!candidates.length) return false;
  const blobs = new Map<string, NonNullable<OutputSpec['identifiers']>>();
  for (const id of project.records.list(request)) {
    let record;
    try {
      record = project.records.read(request, id);
    } catch {
      continue; // a damaged run record names nothing we can read
    }
    for (const [stage, s] of Object.entries(record.stages)) {
      for (const [output, o] of Object.entries(s.outputs ?? {})) {
        const spec = project.graph.stages.get(stage)?.outputs[output];
        if (spec?.identifiers && spec.format === 'parquet' && project.store.hasBlob(o.hash)) blobs.set(o.hash, spec.identifiers);
      }
    }
  }
  if (!blobs.size) return false;
  const { Duck } = await import('./duck.ts');
  const db = await Duck.open({ threads: 1 });
  try {
    const wanted = new Set(candidates);
    for (const [hash, spec] of blobs) {
      for (const row of await identifierRows(db, project.store.blobPath(hash), spec)) if (identifierTexts(row).some((t) => wanted.has(t))) return true;
    }
    return false;
  } finally {
    db.close();
  }
}

function readOrUndefined(project: Project, request: string, id: string): RunRecord | undefined {
  try {
    return project.records.read(request, id);
  } catch (error) {
    if (error instanceof DamagedRunRecordError) return undefined;
    throw error;
  }
}

type RunOutput = { stage: string; output: string; o: { hash: string; classification: Classification; bytes: number; rows?: number; purged?: string } };

/**
 * Every output the request's runs name. A readable run record names its own; a damaged one (or
 * one a run set aside in runs/ID/set-aside/) still names blobs a purge must not miss: every
 * blob hash legible in its text that a stage record of the store describes is taken, so a
 * person-level blob is never left behind because the record that named it was damaged.
 */
function runOutputs(project: Project, request: string): RunOutput[] {
  const out: RunOutput[] = [];
  const illegible: string[] = [];
  for (const id of project.records.list(request)) {
    const record = readOrUndefined(project, request, id);
    if (!record) illegible.push(join(project.records.requestDir(request), `${id}.json`));
    else for (const [stage, s] of Object.entries(record.stages)) for (const [output, o] of Object.entries(s.outputs ?? {})) out.push({ stage, output, o });
  }
  const aside = join(project.records.requestDir(request), 'set-aside');
  if (existsSync(aside)) for (const f of listFiles(aside)) illegible.push(f);
  if (!illegible.length) return out;
  const described = new Map<string, RunOutput>();
  for (const r of project.store.records()) for (const [output, o] of Object.entries(r.outputs)) described.set(o.hash, { stage: r.stage, output, o: { hash: o.hash, classification: o.classification, bytes: o.bytes, ...(o.rows === undefined ? {} : { rows: o.rows }) } });
  // Only blobs made from the request's own files lead on: the shared register's outputs are read by every request.
  const scoped = requestScoped(project.graph);
  const known = new Set(out.filter((x) => scoped.has(x.stage)).map((x) => x.o.hash));
  for (const f of illegible) {
    for (const m of readFileSync(f, 'latin1').matchAll(/[0-9a-f]{64}/g)) {
      const d = described.get(m[0]);
      if (d && scoped.has(d.stage) && !known.has(m[0])) out.push(d), known.add(m[0]);
    }
  }
  // What was made from those blobs (a record cut short still names its first stages' outputs):
  // every stage record whose key reads a known blob made its outputs from the request's data.
  const records = [...project.store.records()];
  for (let grew = true; grew; ) {
    grew = false;
    for (const r of records) {
      if (!scoped.has(r.stage) || !Object.values(r.key.inputs).some((h) => typeof h === 'string' && known.has(h))) continue;
      for (const [output, o] of Object.entries(r.outputs)) {
        if (known.has(o.hash)) continue;
        known.add(o.hash);
        out.push(described.get(o.hash) ?? { stage: r.stage, output, o });
        grew = true;
      }
    }
  }
  return out;
}
