// The quarterly audit: is the deletion register intact (chain, keyed MACs, and its head kept
// outside the data folder), is any identifier of a purged request or a withdrawn person still
// anywhere under the data folder, and is any personal data held past its due date? It reports
// files, rows and kinds of finding, never the identifiers themselves. A person a purged request
// shares with another, live, request is not a leak where that request holds them in its own data.
import { appendFileSync, closeSync, createReadStream, existsSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { dirname, join, relative, sep } from 'node:path';
import { listFiles } from './hash.ts';
import { derivedOnlyFrom } from './graph.ts';
import { fingerprint, fingerprintSet, lineCandidates, loadFingerprints } from './identifiers.ts';
import { dataPaths, readPurgeMarker, requestInputPaths } from './purge.ts';
import { clearTemporary } from './temporary.ts';
import type { Project } from './project.ts';
import { verifyStore, type StoreCheck } from './store-check.ts';
import type { Duck } from './duck.ts';
import type { Classification, Format } from './stage.ts';

export interface AuditFinding {
  file: string;
  /** the purged request (or the request of a withdrawn person) whose identifier was found */
  request: string;
  /** line of a text file, or row of a table, or string of a binary file */
  line: number;
}

export interface AuditReport {
  registerEntries: number;
  chain: string[];
  markers: string[];
  /** The register's last entry when the audit ran: its hash is the digest the data-protection officer keeps. */
  head: { seq: number; hash: string } | null;
  findings: AuditFinding[];
  /** Hits in a live request's own data of a person that request also holds: not leaks. */
  excused: number;
  overdue: { request: string; due: string; blobs: number }[];
  /** Temporary and spill files: those of dead runs removed before the scan, and those a live run still holds (scanned). */
  temporary: { removedFolders: number; removedFiles: number; held: number };
  scanned: number;
  skipped: { file: string; why: string }[];
  /** With --deep: the store check (every blob re-hashed, every record checked), as `verify --store`. */
  store?: StoreCheck;
  ok: boolean;
}

export interface AuditOptions {
  /** Also scan pseudonymised tables in the store (large at national scale). */
  deep?: boolean;
  today?: Date;
  /** Folders under the data folder that legitimately hold identities (the national register). */
  exclude?: string[];
  /** When each request's personal data is due for deletion (from its retention rules). */
  dueDate?: (request: string) => Promise<string | undefined>;
  /** Export the register's head to data/register/audit-heads.jsonl (what a quarterly audit does). */
  recordHead?: boolean;
}

interface AuditHead {
  date: string;
  seq: number;
  hash: string;
}

export async function audit(project: Project, options: AuditOptions = {}): Promise<AuditReport> {
  const paths = dataPaths(project);
  const dataDir = project.dataDir;
  const rel = (p: string) => relative(dataDir, p).split(sep).join('/');
  const today = (options.today ?? new Date()).toISOString().slice(0, 10);

  // 0. Temporary files of dead runs go first; they are counted, not silently skipped.
  const cleared = clearTemporary(project.store.tmp);

  // 1. The register: chain, MACs, head; every purge's entries still in it; every earlier audit's head still in it.
  const chain = paths.register.verify();
  const entries = paths.register.entries();
  const byHash = new Map(entries.map((e) => [e.hash, e.seq]));
  const bySeq = new Map(entries.map((e) => [e.seq, e.hash]));
  const markers: string[] = [];
  for (const request of project.records.requests()) {
    const m = readPurgeMarker(project, request);
    for (const e of m?.entries ?? []) if (byHash.get(e.hash) !== e.seq) markers.push(`request ${request}: register entry ${e.seq} of its purge is missing or altered`);
  }
  const heads: AuditHead[] = existsSync(paths.auditHeads) ? readFileSync(paths.auditHeads, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as AuditHead) : [];
  for (const h of heads) if (h.seq > 0 && bySeq.get(h.seq) !== h.hash) markers.push(`the audit of ${h.date} saw register entry ${h.seq} with digest ${h.hash.slice(0, 16)}…; it is now ${bySeq.has(h.seq) ? 'different' : 'missing'}`);
  const last = entries.at(-1);
  const head = last ? { seq: last.seq, hash: last.hash } : null;

  // 2. Identifiers of purged requests and withdrawn people anywhere under the data folder.
  let key: Buffer;
  try {
    key = paths.fingerprintKey();
  } catch (error) {
    // Without the key no fingerprint can be looked for: the audit cannot pass.
    markers.push((error as Error).message);
    key = Buffer.alloc(32);
  }
  const sets: { request: string; set: Set<string> }[] = [];
  const legacy: string[] = [];
  if (existsSync(paths.fingerprints)) {
    for (const f of readdirSync(paths.fingerprints).filter((f) => f.endsWith('.json')).sort()) {
      try {
        const file = loadFingerprints(paths.fingerprints, f.slice(0, -5));
        if (file) sets.push({ request: file.request, set: new Set(file.fingerprints) });
      } catch {
        legacy.push(`register/fingerprints/${f}`);
      }
    }
  }

  const excluded = options.exclude ?? ['reference'];
  // Blobs made from the excluded folders alone (tables derived from reference data) are a
  // function of what those folders hold: no more a leak than the folders themselves.
  const referenceStages = derivedOnlyFrom(project.graph, excluded.map((e) => relative(project.root, join(dataDir, e)).split(sep).join('/')));
  const blobInfo = new Map<string, { format: Format; classification: Classification; reference: boolean }>();
  for (const r of project.store.records()) {
    for (const o of Object.values(r.outputs)) blobInfo.set(o.hash, { format: o.format, classification: o.classification, reference: referenceStages.has(r.stage) || !!blobInfo.get(o.hash)?.reference });
  }
  // Stage records may be gone (a damaged store): the run records name the same blobs. Without
  // this the register's derived tables, which hold every register person, read as leftovers.
  for (const request of project.records.requests()) {
    for (const id of project.records.list(request)) {
      let run;
      try {
        run = project.records.read(request, id);
      } catch {
        continue; // a damaged run record: the stage records (or the scan) speak for its blobs
      }
      for (const [stage, s] of Object.entries(run.stages)) {
        if (referenceStages.has(stage)) for (const o of Object.values(s.outputs ?? {})) blobInfo.set(o.hash, { format: o.format, classification: o.classification, reference: true });
      }
    }
  }

  const { Duck } = await import('./duck.ts');
  const db = await Duck.open({ threads: 2 });
  const findings: AuditFinding[] = legacy.map((file) => ({ file, request: 'unknown', line: 0 }));
  const skipped: AuditReport['skipped'] = [];
  let scanned = 0;
  let excused = 0;
  let held = 0;
  try {
    // Live requests: what each legitimately holds (its own cohort's identifiers, in memory) and which files are its own.
    const live = sets.length ? await liveRequests(project, db, key) : new Map<string, LiveRequest>();
    const ownerOf = (name: string): string[] => {
      const owners: string[] = [];
      const top = /^(requests|reports|runs|notices)\/([^/]+)\//.exec(name);
      if (top && live.has(top[2]!)) owners.push(top[2]!);
      const blob = /^store\/objects\/([0-9a-f]{64})$/.exec(name)?.[1];
      if (blob) for (const [r, l] of live) if (l.blobs.has(blob)) owners.push(r);
      return owners;
    };

    const exclude = new Set(excluded.map((e) => join(dataDir, e)));
    exclude.add(paths.fingerprints);
    const files = existsSync(dataDir) ? listFiles(dataDir).filter((f) => ![...exclude].some((x) => f === x || f.startsWith(x + sep))) : [];
    for (const file of files) {
      const name = rel(file);
      if (name.startsWith('store/tmp/')) held++;
      const blob = /^store\/objects\/[0-9a-f]{64}$/.test(name) ? name.slice('store/objects/'.length) : undefined;
      const info = blob ? blobInfo.get(blob) : undefined;
      const kind = info?.format ?? sniff(file);
      if (info?.reference) {
        skipped.push({ file: name, why: `made from ${excluded.join(', ')} alone` });
        continue;
      }
      if (info && !options.deep && info.classification === 'pseudonymised' && (kind === 'parquet' || kind === 'arrow')) {
        skipped.push({ file: name, why: 'pseudonymised table (use --deep to scan)' });
        continue;
      }
      if (!sets.length) {
        scanned++;
        continue;
      }
      let lines: AsyncIterable<string> | Iterable<string>;
      try {
        if (kind === 'parquet') lines = parquetLines(db, file);
        else if (kind === 'arrow') lines = await arrowLines(file);
        else if (kind === 'binary') lines = binaryStrings(file);
        else lines = readLines(file);
      } catch {
        lines = binaryStrings(file);
      }
      const owners = ownerOf(name);
      let n = 0;
      const scan = async (source: AsyncIterable<string> | Iterable<string>) => {
        for await (const line of source) {
          n++;
          for (const text of lineCandidates(line)) {
            const fp = fingerprint(key, text);
            const hit = sets.find((s) => s.set.has(fp));
            if (!hit) continue;
            if (owners.some((o) => live.get(o)!.fingerprints.has(fp))) {
              excused++;
              continue;
            }
            findings.push({ file: name, request: hit.request, line: n });
            break;
          }
        }
      };
      try {
        await scan(lines);
      } catch {
        // A file that is not what its first bytes said (a truncated parquet, a spill block): read its strings.
        n = 0;
        await scan(binaryStrings(file));
      }
      scanned++;
    }
  } finally {
    db.close();
  }

  // 3. Personal data held past its due date.
  const overdue: AuditReport['overdue'] = [];
  if (options.dueDate) {
    for (const request of project.records.requests()) {
      if (readPurgeMarker(project, request)) continue;
      const due = await options.dueDate(request);
      if (!due || due >= today) continue;
      const heldBlobs = new Set<string>();
      for (const id of project.records.list(request)) {
        for (const s of Object.values(project.records.read(request, id).stages)) {
          for (const o of Object.values(s.outputs ?? {})) if (o.classification === 'personal' && project.store.hasBlob(o.hash)) heldBlobs.add(o.hash);
        }
      }
      const inputs = existsSync(join(dataDir, 'requests', request));
      if (heldBlobs.size || inputs) overdue.push({ request, due, blobs: heldBlobs.size });
    }
  }

  // 4. With --deep, the store itself: is every blob what its name says, every record sound?
  const store = options.deep ? await verifyStore(project.store, project.records, dataDir) : undefined;

  const ok = !chain.length && !markers.length && !findings.length && !overdue.length && (store?.ok ?? true);
  if (options.recordHead) {
    mkdirSync(dirname(paths.auditHeads), { recursive: true });
    appendFileSync(paths.auditHeads, JSON.stringify({ date: today, seq: head?.seq ?? 0, hash: head?.hash ?? '', ok } satisfies AuditHead & { ok: boolean }) + '\n', { mode: 0o600 });
  }
  return {
    registerEntries: entries.length,
    chain,
    markers,
    head,
    findings,
    excused,
    overdue,
    temporary: { removedFolders: cleared.folders, removedFiles: cleared.files, held },
    scanned,
    skipped,
    ...(store ? { store } : {}),
    ok,
  };
}

/** The date of the last recorded audit, or null; `schedule` audits again once it is `everyDays` old. */
export function lastAudit(project: Project): string | null {
  const file = dataPaths(project).auditHeads;
  if (!existsSync(file)) return null;
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim());
  return lines.length ? (JSON.parse(lines.at(-1)!) as AuditHead).date : null;
}

export function auditDue(project: Project, today: string, everyDays = 91): boolean {
  const last = lastAudit(project);
  if (!last) return true;
  return (Date.parse(`${today}T00:00:00Z`) - Date.parse(`${last}T00:00:00Z`)) / 86_400_000 >= everyDays;
}

/** One line on the audit's outcome, for the console and `schedule`. */
export function auditSummary(report: AuditReport): string {
  const problems = report.chain.length + report.markers.length;
  return `${report.ok ? 'passed' : 'FAILED'}: register ${report.registerEntries} entries${problems ? `, ${problems} problem(s)` : ', intact'}; ${report.findings.length} identifier finding(s) in ${report.scanned} file(s); ${report.overdue.length} request(s) overdue; digest ${report.head ? `${report.head.seq}:${report.head.hash}` : 'none (empty register)'}`;
}

interface LiveRequest {
  /** Blobs its unpurged run records point at. */
  blobs: Set<string>;
  /** Fingerprints of its own cohort (its latest outputs that declare identifier columns). */
  fingerprints: Set<string>;
}

async function liveRequests(project: Project, db: Duck, key: Buffer): Promise<Map<string, LiveRequest>> {
  const live = new Map<string, LiveRequest>();
  for (const request of project.records.requests()) {
    if (readPurgeMarker(project, request)) continue;
    const blobs = new Set<string>();
    const ids = project.records.list(request);
    for (const id of ids) for (const s of Object.values(project.records.read(request, id).stages)) for (const o of Object.values(s.outputs ?? {})) if (!o.purged) blobs.add(o.hash);
    const fingerprints = new Set<string>();
    const latest = ids.length ? project.records.read(request, ids.at(-1)!) : undefined;
    for (const [stage, s] of Object.entries(latest?.stages ?? {})) {
      for (const [output, o] of Object.entries(s.outputs ?? {})) {
        const spec = project.graph.stages.get(stage)?.outputs[output];
        if (!spec?.identifiers || spec.format !== 'parquet' || !project.store.hasBlob(o.hash)) continue;
        for (const fp of await fingerprintSet(db, project.store.blobPath(o.hash), spec.identifiers, key)) fingerprints.add(fp);
      }
    }
    // And whatever its own input files hold as text (rows intake could not use are in the upload
    // and the rejection file, but not in the cohort it kept).
    for (const input of requestInputPaths(project, request)) {
      if (!existsSync(input)) continue;
      for (const file of statSync(input).isDirectory() ? listFiles(input) : [input]) {
        if (sniff(file) !== 'text') continue;
        for await (const line of readLines(file)) for (const text of lineCandidates(line)) fingerprints.add(fingerprint(key, text));
      }
    }
    live.set(request, { blobs, fingerprints });
  }
  return live;
}

/**
 * The printable strings of a file of unknown format (a DuckDB spill block, a zip): runs of
 * printable bytes, at least four long, as "lines". Spilled strings are stored as they are, so an
 * identifier in a spill file is found here.
 */
async function* binaryStrings(file: string): AsyncIterable<string> {
  let current = '';
  // Strings packed side by side lose their separators ("Wilkinson2004/0123456X"): id-shaped
  // pieces (digits, '/', a letter) are also given as lines of their own.
  const withIds = function* (s: string) {
    yield s;
    for (const re of [/\d{2,4}\/\d{1,8}[A-Za-z]/g, /[A-Za-z]{1,2}\d{4,6}[A-Za-z]{0,2}/g, /\d{4}-\d{2}-\d{2}/g]) for (const m of s.matchAll(re)) yield m[0];
  };
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    for (const byte of chunk) {
      if (byte >= 0x20 && byte < 0x7f) current += String.fromCharCode(byte);
      else {
        if (current.length >= 4) yield* withIds(current);
        current = '';
      }
    }
  }
  if (current.length >= 4) yield* withIds(current);
}

/** The format of a file that no stage record describes, from its first bytes. */
function sniff(file: string): Format | 'text' | 'binary' {
  const head = Buffer.alloc(8);
  const fd = openSync(file, 'r');
  const n = readSync(fd, head, 0, head.length, 0);
  closeSync(fd);
  const s = head.subarray(0, n);
  if (s.subarray(0, 4).toString('latin1') === 'PAR1') return 'parquet';
  if (s.subarray(0, 6).toString('latin1') === 'ARROW1') return 'arrow';
  if (s.subarray(0, 2).toString('latin1') === 'PK') return 'binary'; // zip, xlsx
  return s.includes(0) ? 'binary' : 'text';
}

function readLines(file: string): AsyncIterable<string> {
  return createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
}

/**
 * A Parquet table's rows as text lines (values joined by commas), streamed from DuckDB: nothing
 * is written to disk, so a killed audit leaves no copy of a personal table anywhere.
 */
async function* parquetLines(db: Duck, file: string): AsyncIterable<string> {
  const result = await db.con.stream("SELECT concat_ws(',', *COLUMNS(*)) AS line FROM read_parquet($p)", { p: file });
  for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
    for (const line of chunk.getColumns()[0]!) yield String(line ?? '');
  }
}

async function arrowLines(file: string): Promise<string[]> {
  const { tableFromIPC } = await import('apache-arrow');
  const table = tableFromIPC(readFileSync(file));
  const out: string[] = [];
  for (const row of table) out.push(Object.values(row?.toJSON() ?? {}).map((v) => (v instanceof Date ? v.toISOString().slice(0, 10) : String(v))).join(','));
  return out;
}
