// The reviewer's workflow before anything reaches the provider (the JDL's quality assurance
// before release): a second analyst approves the exact results (by the sha256 of results.json),
// and sharing refuses results nobody approved unless the operator says why. Commands call these
// functions and print; nothing here prints or chooses an exit code.
//
// Files (no personal data: names of analysts, hashes, dates, a reason):
//   data/runs/<request>/review.jsonl              append-only: every approval and every sharing
//   data/requests/<request>/shared/v<N>-results.json  the results as shared (read by the report's erratum)
//   data/requests/<request>/shared/v<N>-report.html   the report as shared, for a later side-by-side diff
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Json } from '../../src/stage.ts';
import { readShared, type SharedVersion } from './erratum.ts';

export interface ReviewPaths {
  /** data/reports/<request>/results.json and report.html (the published outputs of the latest run). */
  results: string;
  report: string;
  /** data/requests/<request>/shared */
  sharedDir: string;
  /** data/runs/<request>/review.jsonl */
  log: string;
  /** data/requests/<request>/request.json */
  requestFile: string;
}

export function reviewPaths(dataDir: string, request: string): ReviewPaths {
  return {
    results: join(dataDir, 'reports', request, 'results.json'),
    report: join(dataDir, 'reports', request, 'report.html'),
    sharedDir: join(dataDir, 'requests', request, 'shared'),
    log: join(dataDir, 'runs', request, 'review.jsonl'),
    requestFile: join(dataDir, 'requests', request, 'request.json'),
  };
}

export interface Approval {
  kind: 'approval';
  request: string;
  results_sha256: string;
  report_version: number;
  by: string;
  /** The account that typed the command (PIPELINE_OPERATOR or user@host). */
  operator: string;
  on: string;
  run: string | null;
}

export interface Sharing {
  kind: 'shared';
  request: string;
  results_sha256: string;
  report_version: number;
  operator: string;
  on: string;
  run: string | null;
  approval: { by: string; on: string } | null;
  /** Given when shared without an approval. */
  without_approval_reason: string | null;
}

export type ReviewEntry = Approval | Sharing;

export function sha256(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function readReviewLog(path: string): ReviewEntry[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l, i) => {
      try {
        return JSON.parse(l) as ReviewEntry;
      } catch {
        throw new Error(`${path}: line ${i + 1} is not JSON`);
      }
    });
}

function append(path: string, entry: ReviewEntry): void {
  mkdirSync(dirname(path), { recursive: true });
  appendFileSync(path, `${JSON.stringify(entry)}\n`, { mode: 0o644 });
}

export interface Current {
  hash: string;
  version: number;
  results: Record<string, Json>;
}

/** The published results of the latest run, and their hash; null when there are none. */
export function currentResults(paths: ReviewPaths): Current | null {
  if (!existsSync(paths.results)) return null;
  const bytes = readFileSync(paths.results);
  const results = parseNamed(bytes.toString('utf8'), paths.results, 're-run the pipeline to publish the results again') as Record<string, Json>;
  return { hash: sha256(bytes), version: typeof results.report_version === 'number' ? results.report_version : 1, results };
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; reason: string; usage?: boolean };

/** Record a second analyst's sign-off of the exact results now published. */
export function approve(paths: ReviewPaths, o: { request: string; by: string; operator: string; today: string; run: string | null; expectHash?: string }): Outcome<Approval & { again: boolean }> {
  const by = o.by.trim();
  if (!by) return { ok: false, reason: '--by NAME is required: the name of the analyst who checked the results', usage: true };
  const current = currentResults(paths);
  if (!current) return { ok: false, reason: `request ${o.request} has no results yet (${paths.results}): run the pipeline first` };
  if (o.expectHash && !current.hash.startsWith(o.expectHash)) {
    return { ok: false, reason: `the published results are ${current.hash.slice(0, 12)}, not ${o.expectHash}: they changed since you checked them; check again` };
  }
  const log = readReviewLog(paths.log);
  const again = log.some((e) => e.kind === 'approval' && e.results_sha256 === current.hash && e.by === by);
  const entry: Approval = { kind: 'approval', request: o.request, results_sha256: current.hash, report_version: current.version, by, operator: o.operator, on: o.today, run: o.run };
  if (!again) append(paths.log, entry);
  return { ok: true, value: { ...entry, again } };
}

/** The approvals of exactly these results (by hash). */
export function approvalsOf(paths: ReviewPaths, hash: string): Approval[] {
  return readReviewLog(paths.log).filter((e): e is Approval => e.kind === 'approval' && e.results_sha256 === hash);
}

export interface ShareResult {
  version: number;
  hash: string;
  on: string;
  firstSharing: boolean;
  /** Already shared with the same figures: nothing written. */
  alreadyShared: SharedVersion | null;
  approval: { by: string; on: string } | null;
  erratum: boolean;
}

/**
 * Freeze the published results (and the report) as shared version N. Refuses results that no
 * second analyst approved, unless `withoutApproval` carries a reason, which is recorded.
 */
export function share(paths: ReviewPaths, o: { request: string; operator: string; today: string; run: string | null; withoutApproval?: string | null }, write: (path: string, data: string) => void): Outcome<ShareResult> {
  if (o.withoutApproval !== undefined && o.withoutApproval !== null && !o.withoutApproval.trim()) {
    return { ok: false, reason: '--without-approval needs --reason "…": why the results go out before a second analyst approved them', usage: true };
  }
  const current = currentResults(paths);
  if (!current) return { ok: false, reason: `request ${o.request} has no results yet (${paths.results}): run the pipeline first` };
  if (!existsSync(dirname(paths.requestFile))) return { ok: false, reason: `request ${o.request} has no request folder (was it purged?)` };
  const shared = readShared(paths.sharedDir);
  const last = shared.at(-1);
  if (last && current.version === last.version) {
    return { ok: true, value: { version: last.version, hash: current.hash, on: last.shared_on, firstSharing: false, alreadyShared: last, approval: null, erratum: false } };
  }
  const approvals = approvalsOf(paths, current.hash);
  const approval = approvals.at(-1) ? { by: approvals.at(-1)!.by, on: approvals.at(-1)!.on } : null;
  if (!approval && !o.withoutApproval) {
    return {
      ok: false,
      reason: `the results of request ${o.request} (version ${current.version}, sha256 ${current.hash.slice(0, 12)}) have not been approved: a second analyst checks them and runs \`approve --request ${o.request} --by NAME\`, or share with --without-approval --reason "…" (recorded)`,
    };
  }
  const reason = approval ? null : o.withoutApproval!.trim();
  // Read before anything is written: a request form that cannot be read must not leave a frozen
  // version behind without its log entry.
  const form = parseNamed(readFileSync(paths.requestFile, 'utf8'), paths.requestFile, 'restore it') as { dates?: { results_shared?: string | null } };
  mkdirSync(paths.sharedDir, { recursive: true, mode: 0o700 });
  const frozen = {
    version: current.version,
    shared_on: o.today,
    results_sha256: current.hash,
    run: o.run,
    approval: approval ?? { without_approval: true, reason, operator: o.operator },
    results: current.results,
  };
  write(join(paths.sharedDir, `v${current.version}-results.json`), `${JSON.stringify(frozen, null, 2)}\n`);
  // The report as the provider received it, for `diff --against shared` to show side by side.
  if (existsSync(paths.report)) write(join(paths.sharedDir, `v${current.version}-report.html`), readFileSync(paths.report, 'utf8'));
  const firstSharing = !!form.dates && !form.dates.results_shared;
  if (firstSharing) {
    form.dates!.results_shared = o.today;
    write(paths.requestFile, `${JSON.stringify(form, null, 2)}\n`);
  }
  append(paths.log, { kind: 'shared', request: o.request, results_sha256: current.hash, report_version: current.version, operator: o.operator, on: o.today, run: o.run, approval, without_approval_reason: reason });
  return { ok: true, value: { version: current.version, hash: current.hash, on: o.today, firstSharing, alreadyShared: null, approval, erratum: current.results.erratum !== null && current.results.erratum !== undefined } };
}

/** The shared version's frozen report, when `share` kept one. */
export function sharedReport(paths: ReviewPaths, version: number): string | null {
  const file = join(paths.sharedDir, `v${version}-report.html`);
  return existsSync(file) ? readFileSync(file, 'utf8') : null;
}

/** JSON.parse, with the file named when it fails (the bare parser message names no file). */
function parseNamed(text: string, path: string, remedy: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${path} is damaged (not valid JSON): ${remedy}; nothing was recorded`);
  }
}
