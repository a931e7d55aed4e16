// withdraw one person, withdrawn by the provider (DPIA: right to erasure and to restriction): the
// cohort is corrected (their row blanked, so every other row keeps its number), what that touches
// re-runs, and every older blob that held them is purged and recorded. (The whole cohort: see
// commands/withdraw.ts.)
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { sha256File } from '../src/hash.ts';
import { acquireLock } from '../src/lock.ts';
import { addFingerprints } from '../src/identifiers.ts';
import { dataPaths, deleteJournalled, pendingPurgePath, privateConfig, purgeRequest, type Planned } from '../src/purge.ts';
import { resolveInputPath } from '../src/keys.ts';
import { WITHDRAWN_INPUT, readWithdrawn, type WithdrawnList } from '../stages/purge/withdrawal.ts';
import { randomBytes } from 'node:crypto';
import { writeFileAtomic } from '../src/fsutil.ts';
import { Runner } from '../src/runner.ts';
import { operatorName, today } from '../src/clock.ts';
import { chooseMode, createRenderer } from '../src/log.ts';
import { purgedNotice, requestLockPath } from '../src/request.ts';
import { confirm } from '../src/commands/confirm.ts';
import { EXIT } from '../src/commands/exit.ts';
import type { Project } from '../src/project.ts';
import { locateFiles } from '../stages/intake/locate.ts';
import { readTable, type RawCell } from '../stages/intake/read-table.ts';
import { mapColumns } from '../stages/intake/headers.ts';
import { loadSchemas } from '../stages/intake/schemas.ts';
import { parseDate } from '../stages/intake/dates.ts';
// A cell as intake reads it: in a date column an Excel serial number becomes yyyy-mm-dd in the
// workbook's date system, so a workbook written back out as a CSV correction gives the same dates.
import { cellText as cellAsText, DATE_FIELDS } from '../stages/intake/validate-rows.ts';
import { nameKey } from '../stages/intake/names.ts';
import { identifierTexts, lineCandidates, type IdentifierRow } from '../src/identifiers.ts';
import { REASON_NAMES_PERSON } from '../src/commands/common.ts';

const INTAKE_DIR = new URL('../stages/intake/', import.meta.url).pathname;

function csvField(text: string): string {
  return text === '' ? '' : `"${text.replaceAll('"', '""')}"`;
}

export interface PersonWithdrawal {
  request: string;
  /** exactly one of row and reference */
  row?: string;
  reference?: string;
  reason: string;
  dryRun: boolean;
  yes: boolean;
  json: boolean;
}

/** Called by the withdraw command (commands/withdraw.ts) once the request and the person are given. */
export async function withdrawPerson(project: Project, values: PersonWithdrawal): Promise<number> {
  const { request, reason, json } = values;
  const dag = project;

  // 1. Correct the cohort: the person's row blanked in a new correction file.
  const requestDir = join(dag.dataDir, 'requests', request);
  const lock = await acquireLock(requestLockPath(project.records, request), `withdraw-${process.pid}`, 0);
  if (!lock.ok) return fail(`request ${request} is being run by process ${lock.owner.pid}; withdraw when it ends`, 75);
  let row: number;
  let withdrawnRows: number[] = [];
  let resumed = false;
  try {
    if (!existsSync(requestDir)) return fail(purgedNotice(project, request) ?? `request ${request} has no folder ${relative(dag.root, requestDir)}`);
    const files = await locateFiles(requestDir, today());
    if (!files.cohort) return fail(`request ${request}: no cohort file to correct`);
    const read = await readTable(files.cohort, files.cohortLabel, { maxFileBytes: Number.MAX_SAFE_INTEGER, maxUnzippedBytes: Number.MAX_SAFE_INTEGER, maxRows: Number.MAX_SAFE_INTEGER });
    if (!read.ok) return fail(`request ${request}: ${files.cohortLabel} cannot be read (${read.problem.problem})`);
    const { table } = read;
    const schemas = await loadSchemas(INTAKE_DIR);
    const columns = mapColumns(table.header, () => true, schemas.fields, schemas.mandatory, schemas.atLeastOne);
    const col = (field: string) => columns.fields.indexOf(field);
    const isDateColumn = (j: number) => (DATE_FIELDS as readonly string[]).includes(columns.fields[j] ?? '');
    const text = (r: (typeof table.rows)[number], field: string) => (col(field) >= 0 ? cellAsText(r.cells[col(field)] ?? null, isDateColumn(col(field)), table.dateSystem).trim() : '');
    const target = values.row !== undefined
      ? table.rows.find((r) => r.row === Number(values.row))
      : table.rows.find((r) => text(r, 'reference') === values.reference!.trim());
    const which = values.row !== undefined ? `row ${values.row}` : 'the given reference';
    const lastRow = Math.max(1, ...table.rows.map((r) => r.row));
    const blank = target ? target.cells.every((c) => cellAsText(c).trim() === '') : values.row !== undefined && Number(values.row) > 1 && Number(values.row) <= lastRow;
    const removeUploads = async (uploads: string[]) => {
      // Journalled like a purge: an interruption leaves no deletion unrecorded (the next purge of the request records it).
      const planned: Planned[] = [];
      for (const f of uploads.filter((f) => existsSync(f))) {
        planned.push({ path: f, deletion: { request, dataset: `input:${relative(dag.root, f).split(sep).join('/')}`, classification: 'personal', blob: await sha256File(f), bytes: statSync(f).size, location: relative(dag.dataDir, f).split(sep).join('/'), operator: operatorName(), reason, rule: 'withdrawal of one person' } });
      }
      deleteJournalled(pendingPurgePath(project, request), dataPaths(project).register, planned, () => {
        for (const { path } of planned) rmSync(path);
      });
    };
    if (blank) {
      // Already blank in the cohort in use: a withdrawal made before, perhaps interrupted after its
      // correction was written (before its re-run or purge). Finish it: older uploads, re-run, purge.
      row = Number(values.row);
      withdrawnRows = [row];
      resumed = true;
      const corrDir = join(requestDir, 'corrections');
      const older = [join(requestDir, 'cohort.csv'), join(requestDir, 'cohort.xlsx'), ...(existsSync(corrDir) ? readdirSync(corrDir).map((f) => join(corrDir, f)) : [])].filter((f) => existsSync(f) && f !== files.cohort);
      const shown = older.map((f) => relative(dag.root, f).split(sep).join('/'));
      if (values.dryRun) {
        const plan = { dryRun: true, request, row, alreadyBlank: true, deleteFiles: shown, then: 're-run the request, then purge every older output the current run no longer uses' };
        process.stdout.write(json ? JSON.stringify(plan, null, 2) + '\n' : `dry run: ${which} of ${files.cohortLabel} is already blank (withdrawn); would finish its withdrawal:\n${shown.map((f) => `  delete ${f}\n`).join('')}  ${plan.then}\n`);
        return EXIT.ok;
      }
      if (!values.yes && !(await confirm(`${which} of request ${request} is already blank: finish its withdrawal (delete ${older.length} older upload(s), purge every older output)?`))) return fail('not confirmed; nothing was changed', EXIT.cancelled);
      await removeUploads(older);
    } else {
      if (!target) return fail(`request ${request}: ${files.cohortLabel} has no person at ${which}`);
      row = target.row;
      // Every row of the same person goes: intake uses a later copy of a person when the first is
      // blanked, so withdrawing one row of two would leave them in the analysis.
      const rows = sameRows(table.rows, target, text);
      if (await reasonNames(reason, rows.map((r) => identityOf(r, text)))) return fail(REASON_NAMES_PERSON, EXIT.usage);
      const doomedRows = new Set(rows.map((r) => r.row));
      withdrawnRows = [...doomedRows].sort((a, b) => a - b);
      const rowList = [...doomedRows].sort((a, b) => a - b).join(', ');

      const correction = join(requestDir, 'corrections', `${today()}-cohort.csv`);
      const corrDir = join(requestDir, 'corrections');
      const superseded = [join(requestDir, 'cohort.csv'), join(requestDir, 'cohort.xlsx')];
      if (existsSync(corrDir)) for (const f of readdirSync(corrDir)) if (join(corrDir, f) !== correction) superseded.push(join(corrDir, f));
      const doomed = superseded.filter((f) => existsSync(f)).map((f) => relative(dag.root, f).split(sep).join('/'));
      if (values.dryRun) {
        const plan = { dryRun: true, request, row, rows: [...doomedRows].sort((a, b) => a - b), correction: relative(dag.root, correction).split(sep).join('/'), deleteFiles: doomed, then: 're-run the request, then purge every older personal and pseudonymised output the corrected run no longer uses' };
        process.stdout.write(json ? JSON.stringify(plan, null, 2) + '\n' : `dry run: would withdraw row ${row} of request ${request}:\n  write ${plan.correction} (row${doomedRows.size > 1 ? 's' : ''} ${rowList} blanked${doomedRows.size > 1 ? ': the same person' : ''})\n${doomed.map((f) => `  delete ${f}\n`).join('')}  ${plan.then}\n`);
        return EXIT.ok;
      }
      if (!values.yes && !(await confirm(`withdraw row ${row} of request ${request}: delete ${doomed.length} earlier upload(s) and purge every older output that held the person?`))) {
        return fail('not confirmed; nothing was changed', EXIT.cancelled);
      }

      // Fingerprint the person before their data goes, so the audit can look for leftovers (keyed,
      // in the request's own file: no file name marks a person).
      const paths = dataPaths(project);
      addFingerprints(paths.fingerprints, request, paths.fingerprintKey(), rows.map((r) => identityOf(r, text)));
      // They leave the comparison pool as well as the treatment group (stages/purge/withdrawal.ts).
      const links = project.records.latest(request)?.stages.linkage?.outputs?.links?.hash;
      const registerIds: string[] = [];
      if (links && project.store.hasBlob(links)) for (const r of doomedRows) {
        const id = await registerIdOfRow(project.store.blobPath(links), r);
        if (id) registerIds.push(id);
      }
      if (registerIds.length) addWithdrawn(resolveInputPath(privateConfig(project), WITHDRAWN_INPUT.slice('file:'.length), request), registerIds);

      const lines: string[] = [table.header.map((h) => csvField(cellAsText(h))).join(',')];
      let next = 2;
      for (const r of [...table.rows].sort((a, b) => a.row - b.row)) {
        for (; next < r.row; next++) lines.push(''); // keep blank rows so row numbers do not move
        lines.push(doomedRows.has(r.row) ? '' : r.cells.map((c, j) => csvField(cellAsText(c, isDateColumn(j), table.dateSystem))).join(','));
        next = r.row + 1;
      }
      mkdirSync(join(requestDir, 'corrections'), { recursive: true, mode: 0o700 });
      const tmp = `${correction}.${process.pid}.tmp`;
      writeFileSync(tmp, lines.join('\r\n') + '\r\n', { mode: 0o600 });
      renameSync(tmp, correction);

      // 2. Every earlier upload held the person: delete them and record it.
      await removeUploads(superseded);
    }
  } finally {
    lock.release();
  }

  // 3. Re-run: only what the correction touches runs again.
  const renderer = createRenderer(chooseMode(!!values.json));
  const outcome = await new Runner(project).run({ request, onEvent: (e) => renderer.onEvent(e) });
  renderer.close();
  if (!outcome.ok && outcome.reason !== 'stopped') return fail(`the corrected cohort was saved, but the re-run failed: ${outcome.message}; run the pipeline again, then withdraw again to purge older copies`);

  // 4. Purge every older person-level blob of the request that the corrected run no longer uses.
  const keep = new Set<string>();
  for (const s of Object.values(outcome.record?.stages ?? {})) for (const o of Object.values(s.outputs ?? {})) keep.add(o.hash);
  const lock2 = await acquireLock(requestLockPath(project.records, request), `withdraw-${process.pid}`, 10_000);
  if (!lock2.ok) return fail(`request ${request} is busy; run withdraw again to purge the older copies`, 75);
  try {
    // Older aggregates go too: the balance tables before and after hold the treated group's means
    // to full precision, and their difference is the withdrawn person's covariates, which single
    // them out in the register. Only what the corrected run uses is kept.
    const result = await purgeRequest(project, { request, classifications: ['personal', 'pseudonymised', 'aggregate'], reason, operator: operatorName(), rule: 'withdrawal of one person', keep });
    console.log(`request ${request}: row ${row} ${resumed ? 'was already blank: its withdrawal finished' : 'withdrawn'}${withdrawnRows.length > 1 ? ` (with row${withdrawnRows.length > 2 ? 's' : ''} ${withdrawnRows.filter((r) => r !== row).join(', ')}: the same person)` : ''}; ${result.deleted.length} older item(s) holding it purged and recorded`);
    return 0;
  } finally {
    lock2.release();
  }
}

function fail(message: string, code = 1): number {
  console.error(`error: ${message}`);
  return code;
}

/** Add register ids to the list (a new nonce each time), owner-only. */
function addWithdrawn(path: string, registerIds: string[]): WithdrawnList {
  const list = readWithdrawn(path);
  const ids = [...new Set([...list.register_ids, ...registerIds])].sort();
  const next = { nonce: randomBytes(32).toString('hex'), register_ids: ids };
  writeFileAtomic(path, JSON.stringify(next) + '\n', 0o600);
  return next;
}

/** The register id the linkage gave a cohort row (any status that carries one), if any. */
async function registerIdOfRow(linksParquet: string, row: number): Promise<string | undefined> {
  if (!existsSync(linksParquet)) return undefined;
  const { Duck } = await import('../src/duck.ts');
  const db = await Duck.open({ threads: 1 });
  try {
    const hit = await db.one<{ id: string | null }>('SELECT CAST(register_id AS VARCHAR) AS id FROM read_parquet($p) WHERE row = $row AND register_id IS NOT NULL LIMIT 1', { p: linksParquet, row });
    return hit?.id ?? undefined;
  } finally {
    db.close();
  }
}

type Row = { row: number; cells: RawCell[] };

/** A row's identifiers, as the fingerprints and the reason check take them. */
function identityOf(r: Row, text: (r: Row, field: string) => string): IdentifierRow {
  return { names: [text(r, 'forename'), text(r, 'surname')], dates: [parseDate(text(r, 'dob')) ?? ''], ids: [text(r, 'pnc_id'), text(r, 'prison_number'), text(r, 'reference')] };
}

/**
 * The rows of the same person as the target: the same provider's reference, PNC ID or prison
 * number, or the same names and date of birth as intake's duplicate rule compares them.
 */
function sameRows(rows: Row[], target: Row, text: (r: Row, field: string) => string): Row[] {
  const norm = (v: string) => v.toUpperCase().replace(/\s+/g, '');
  const person = (r: Row) => {
    const dob = parseDate(text(r, 'dob'));
    const names = [nameKey(text(r, 'surname')), nameKey(text(r, 'forename'))];
    return {
      ids: ['reference', 'pnc_id', 'prison_number'].map((f) => (text(r, f) ? `${f}:${norm(text(r, f))}` : '')).filter(Boolean),
      identity: dob && names.every(Boolean) ? `${names.join('|')}|${dob}` : '',
    };
  };
  const t = person(target);
  return rows.filter((r) => {
    if (r.row === target.row) return true;
    if (r.cells.every((c) => cellAsText(c).trim() === '')) return false;
    const p = person(r);
    return (t.identity !== '' && p.identity === t.identity) || p.ids.some((id) => t.ids.includes(id));
  });
}

/** Whether the reason names the person (a full name or an id), checked on the rows being withdrawn. */
async function reasonNames(reason: string, people: IdentifierRow[]): Promise<boolean> {
  const candidates = new Set(lineCandidates(reason));
  return people.some((p) => identifierTexts(p).some((t) => candidates.has(t)));
}
