// withdraw: a person (or the whole cohort) withdrawn by the provider (DPIA: right to erasure and
// to restriction). For one person the cohort is corrected (their row blanked, so every other row
// keeps its number), what that touches re-runs, and every older blob that held them is purged and
// recorded. For the whole cohort everything person-level of the request is purged.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { commandArgs } from '../src/args.ts';
import { sha256File } from '../src/hash.ts';
import { acquireLock } from '../src/lock.ts';
import { addFingerprints } from '../src/identifiers.ts';
import { dataPaths, purgeRequest } from '../src/purge.ts';
import { Runner, checkRequestId } from '../src/runner.ts';
import { forcedPurge, operatorName, today } from '../src/retention-commands.ts';
import { chooseMode, createRenderer } from '../src/log.ts';
import type { LoadedDag } from '../src/dag.ts';
import { locateFiles } from '../stages/intake/locate.ts';
import { readTable, type RawCell } from '../stages/intake/read-table.ts';
import { mapColumns } from '../stages/intake/headers.ts';
import { loadSchemas } from '../stages/intake/schemas.ts';
import { excelDateToIso, parseDate } from '../stages/intake/dates.ts';

const INTAKE_DIR = new URL('../stages/intake/', import.meta.url).pathname;

function cellText(cell: RawCell): string {
  if (cell === null) return '';
  if (cell instanceof Date) return excelDateToIso(cell) ?? '';
  return String(cell);
}

function csvField(text: string): string {
  return text === '' ? '' : `"${text.replaceAll('"', '""')}"`;
}

export async function withdrawCommand(argv: string[], dag: LoadedDag): Promise<number> {
  const args = commandArgs(
    argv,
    { request: { type: 'string' }, row: { type: 'string' }, reference: { type: 'string' }, reason: { type: 'string' }, json: { type: 'boolean' } },
    'usage: npm run pipeline -- withdraw --request ID [--row N | --reference REF] [--reason TEXT]',
  );
  if (args.exit !== undefined) return args.exit;
  const values = args.values;
  const request = values.request ?? '';
  const bad = checkRequestId(request);
  if (bad) return fail(bad, 2);
  const runner = new Runner(dag);
  const reason = values.reason ?? 'withdrawn by the provider';

  if (values.row === undefined && values.reference === undefined) {
    // The whole cohort: everything person-level goes, whatever the retention rules say.
    const done = await forcedPurge(runner, request, reason, 0, { classifications: ['personal', 'pseudonymised'], rule: 'withdrawal of the whole cohort' });
    (done.ok ? console.log : console.error)(done.ok ? done.message : `error: ${done.message}`);
    return done.ok ? 0 : 1;
  }

  // 1. Correct the cohort: the person's row blanked in a new correction file.
  const requestDir = join(dag.dataDir, 'requests', request);
  const lock = await acquireLock(join(runner.records.requestDir(request), '.lock'), `withdraw-${process.pid}`, 0);
  if (!lock.ok) return fail(`request ${request} is being run by process ${lock.owner.pid}; withdraw when it ends`, 75);
  let row: number;
  try {
    if (!existsSync(requestDir)) return fail(runner.purgedNotice(request) ?? `request ${request} has no folder ${relative(dag.root, requestDir)}`);
    const files = await locateFiles(requestDir);
    if (!files.cohort) return fail(`request ${request}: no cohort file to correct`);
    const read = await readTable(files.cohort, files.cohortLabel, { maxFileBytes: Number.MAX_SAFE_INTEGER, maxUnzippedBytes: Number.MAX_SAFE_INTEGER });
    if (!read.ok) return fail(`request ${request}: ${files.cohortLabel} cannot be read (${read.problem.problem})`);
    const { table } = read;
    const schemas = await loadSchemas(INTAKE_DIR);
    const columns = mapColumns(table.header, () => true, schemas.fields, schemas.mandatory, schemas.atLeastOne);
    const col = (field: string) => columns.fields.indexOf(field);
    const target = values.row !== undefined
      ? table.rows.find((r) => r.row === Number(values.row))
      : table.rows.find((r) => col('reference') >= 0 && cellText(r.cells[col('reference')] ?? null).trim() === values.reference!.trim());
    const which = values.row !== undefined ? `row ${values.row}` : 'the given reference';
    if (!target || target.cells.every((c) => cellText(c).trim() === '')) return fail(`request ${request}: ${files.cohortLabel} has no person at ${which}`);
    row = target.row;

    // Fingerprint the person before their data goes, so the audit can look for leftovers.
    const get = (field: string) => (col(field) >= 0 ? cellText(target.cells[col(field)] ?? null).trim() : '');
    const dob = parseDate(get('dob')) ?? '';
    addFingerprints(dataPaths(runner).fingerprints, `${request}-withdrawn-row-${row}`, [{ names: [get('forename'), get('surname')], dates: [dob], ids: [get('pnc_id'), get('prison_number')] }]);

    const lines: string[] = [table.header.map((h) => csvField(cellText(h))).join(',')];
    let next = 2;
    for (const r of [...table.rows].sort((a, b) => a.row - b.row)) {
      for (; next < r.row; next++) lines.push(''); // keep blank rows so row numbers do not move
      lines.push(r.row === row ? '' : r.cells.map((c) => csvField(cellText(c))).join(','));
      next = r.row + 1;
    }
    const correction = join(requestDir, 'corrections', `${today()}-cohort.csv`);
    mkdirSync(join(requestDir, 'corrections'), { recursive: true, mode: 0o700 });
    const tmp = `${correction}.${process.pid}.tmp`;
    writeFileSync(tmp, lines.join('\r\n') + '\r\n', { mode: 0o600 });
    renameSync(tmp, correction);

    // 2. Every earlier upload held the person: delete them and record it.
    const superseded = [join(requestDir, 'cohort.csv'), join(requestDir, 'cohort.xlsx')];
    const corrDir = join(requestDir, 'corrections');
    for (const f of readdirSync(corrDir)) if (join(corrDir, f) !== correction) superseded.push(join(corrDir, f));
    const deletions = [];
    for (const f of superseded.filter((f) => existsSync(f))) {
      const blob = await sha256File(f);
      const bytes = statSync(f).size;
      rmSync(f);
      deletions.push({ request, dataset: `input:${relative(dag.root, f).split(sep).join('/')}`, classification: 'personal', blob, bytes, location: relative(dag.dataDir, f).split(sep).join('/'), operator: operatorName(), reason, rule: `withdrawal of row ${row}` });
    }
    dataPaths(runner).register.append(deletions);
  } finally {
    lock.release();
  }

  // 3. Re-run: only what the correction touches runs again.
  const renderer = createRenderer(chooseMode(!!values.json));
  const outcome = await runner.run({ request, onEvent: (e) => renderer.onEvent(e) });
  renderer.close();
  if (!outcome.ok && outcome.reason !== 'stopped') return fail(`the corrected cohort was saved, but the re-run failed: ${outcome.message}; run the pipeline again, then withdraw again to purge older copies`);

  // 4. Purge every older person-level blob of the request that the corrected run no longer uses.
  const keep = new Set<string>();
  for (const s of Object.values(outcome.record?.stages ?? {})) for (const o of Object.values(s.outputs ?? {})) keep.add(o.hash);
  const lock2 = await acquireLock(join(runner.records.requestDir(request), '.lock'), `withdraw-${process.pid}`, 10_000);
  if (!lock2.ok) return fail(`request ${request} is busy; run withdraw again to purge the older copies`, 75);
  try {
    const result = await purgeRequest(runner, { request, classifications: ['personal', 'pseudonymised'], reason, operator: operatorName(), rule: `withdrawal of row ${row}`, keep });
    console.log(`request ${request}: row ${row} withdrawn; ${result.deleted.length} older item(s) holding it purged and recorded`);
    return 0;
  } finally {
    lock2.release();
  }
}

function fail(message: string, code = 1): number {
  console.error(`error: ${message}`);
  return code;
}
