// The quarterly audit: is the deletion register intact, is any identifier of a purged request
// still anywhere under the data folder, and is any personal data held past its due date? It
// reports files, rows and kinds of finding, never the identifiers themselves.
import { closeSync, createReadStream, existsSync, openSync, readFileSync, readSync, readdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join, relative, sep } from 'node:path';
import { listFiles } from './hash.ts';
import { fingerprint, lineCandidates, type FingerprintFile } from './identifiers.ts';
import { dataPaths, readPurgeMarker } from './purge.ts';
import type { Project } from './project.ts';
import type { Duck } from './duck.ts';
import type { Classification, Format } from './stage.ts';

export interface AuditFinding {
  file: string;
  /** the purged request whose identifier was found */
  request: string;
  /** line of a text file, or row of a table */
  line: number;
}

export interface AuditReport {
  registerEntries: number;
  chain: string[];
  markers: string[];
  findings: AuditFinding[];
  overdue: { request: string; due: string; blobs: number }[];
  scanned: number;
  skipped: { file: string; why: string }[];
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
}

export async function audit(project: Project, options: AuditOptions = {}): Promise<AuditReport> {
  const paths = dataPaths(project);
  const dataDir = project.dataDir;
  const rel = (p: string) => relative(dataDir, p).split(sep).join('/');

  // 1. The register's chain, and every purge's entries still in it (truncation is caught here).
  const chain = paths.register.verify();
  const entries = paths.register.entries();
  const byHash = new Map(entries.map((e) => [e.hash, e.seq]));
  const markers: string[] = [];
  for (const request of project.records.requests()) {
    const m = readPurgeMarker(project, request);
    for (const e of m?.entries ?? []) if (byHash.get(e.hash) !== e.seq) markers.push(`request ${request}: register entry ${e.seq} of its purge is missing or altered`);
  }

  // 2. Identifiers of purged requests anywhere under the data folder.
  const fps: FingerprintFile[] = existsSync(paths.fingerprints)
    ? readdirSync(paths.fingerprints).filter((f) => f.endsWith('.json')).sort().map((f) => JSON.parse(readFileSync(join(paths.fingerprints, f), 'utf8')) as FingerprintFile)
    : [];
  const sets = fps.map((f) => ({ request: f.request, salt: f.salt, set: new Set(f.fingerprints) }));
  const match = (line: string): string | undefined => {
    if (!sets.length) return undefined;
    for (const text of lineCandidates(line)) for (const s of sets) if (s.set.has(fingerprint(s.salt, text))) return s.request;
    return undefined;
  };

  const blobInfo = new Map<string, { format: Format; classification: Classification }>();
  for (const r of project.store.records()) for (const o of Object.values(r.outputs)) blobInfo.set(o.hash, { format: o.format, classification: o.classification });

  const exclude = new Set((options.exclude ?? ['reference']).map((e) => join(dataDir, e)));
  exclude.add(paths.fingerprints);
  const findings: AuditFinding[] = [];
  const skipped: AuditReport['skipped'] = [];
  let scanned = 0;
  const { Duck } = await import('./duck.ts');
  const db = await Duck.open({ threads: 2 });
  try {
    const files = existsSync(dataDir) ? listFiles(dataDir).filter((f) => ![...exclude].some((x) => f === x || f.startsWith(x + sep))) : [];
    for (const file of files) {
      const name = rel(file);
      const blob = /^store\/objects\/[0-9a-f]{64}$/.test(name) ? name.slice('store/objects/'.length) : undefined;
      const info = blob ? blobInfo.get(blob) : undefined;
      const kind = info?.format ?? sniff(file);
      if (info && !options.deep && info.classification === 'pseudonymised' && (kind === 'parquet' || kind === 'arrow')) {
        skipped.push({ file: name, why: 'pseudonymised table (use --deep to scan)' });
        continue;
      }
      if (!sets.length) {
        scanned++;
        continue;
      }
      let lines: AsyncIterable<string> | Iterable<string>;
      if (kind === 'parquet') {
        lines = parquetLines(db, file);
      } else if (kind === 'arrow') {
        lines = await arrowLines(file);
      } else if (kind === 'binary') {
        skipped.push({ file: name, why: 'binary file of unknown format' });
        continue;
      } else {
        lines = readLines(file);
      }
      let n = 0;
      for await (const line of lines) {
        n++;
        const hit = match(line);
        if (hit) findings.push({ file: name, request: hit, line: n });
      }
      scanned++;
    }
  } finally {
    db.close();
  }

  // 3. Personal data held past its due date.
  const overdue: AuditReport['overdue'] = [];
  const today = (options.today ?? new Date()).toISOString().slice(0, 10);
  if (options.dueDate) {
    for (const request of project.records.requests()) {
      if (readPurgeMarker(project, request)) continue;
      const due = await options.dueDate(request);
      if (!due || due >= today) continue;
      const held = new Set<string>();
      for (const id of project.records.list(request)) {
        for (const s of Object.values(project.records.read(request, id).stages)) {
          for (const o of Object.values(s.outputs ?? {})) if (o.classification === 'personal' && project.store.hasBlob(o.hash)) held.add(o.hash);
        }
      }
      if (held.size) overdue.push({ request, due, blobs: held.size });
    }
  }

  return { registerEntries: entries.length, chain, markers, findings, overdue, scanned, skipped, ok: !chain.length && !markers.length && !findings.length && !overdue.length };
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
