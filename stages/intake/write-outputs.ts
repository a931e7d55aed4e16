// Outputs are written whole or not at all: each is built in the run's scratch folder (mode 0600
// for personal data, inside a 0700 temp folder) and renamed into place only when complete.
import { chmod, copyFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Duck } from '../../src/duck.ts';
import type { Problem } from './problems.ts';
import { COHORT_COLUMNS, type CohortRow } from './validate-rows.ts';

export const PERSONAL_MODE = 0o600;

async function moveIntoPlace(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    await copyFile(from, to);
    await rm(from, { force: true });
  }
}

export async function writeJson(path: string, value: unknown, tmpDir: string): Promise<void> {
  const tmp = join(tmpDir, `${basename(path)}.partial`);
  await writeFile(tmp, JSON.stringify(value, null, 2) + '\n', { mode: 0o600 });
  await moveIntoPlace(tmp, path);
}

/**
 * Where a spreadsheet cell could begin inside a value: at its start, or after any character a
 * spreadsheet may split a line at. Excel opens a .csv with the locale's list separator, which is
 * ; in much of Europe: there a quoted "01/01/1990;=cmd|..." is two cells, the second a formula.
 */
const CELL_START = /(?<=^|[,;\t\r\n"])[=+\-@\t\r]/g;

/**
 * A value that a spreadsheet would run as a formula (= + - @, or a leading tab or CR, at the
 * start or after a , ; tab, line end or quote inside it) gets a single quote there, so opening
 * the rejection file in Excel shows it instead of running it, whatever the separator.
 */
export function neutraliseFormula(value: string): string {
  return value.replace(CELL_START, "'$&");
}

function csvField(value: string): string {
  const safe = neutraliseFormula(value);
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The provider-facing list: request and file problems first, then by row, in the order found. */
export async function writeRejections(path: string, problems: Problem[], tmpDir: string): Promise<number> {
  const ordered = problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => (a.p.row ?? 0) - (b.p.row ?? 0) || a.i - b.i)
    .map(({ p }) => p);
  const lines = ['row,field,problem,value'];
  for (const p of ordered)
    lines.push([p.row === null ? '' : String(p.row), p.column ?? p.field, p.detail ?? p.problem, p.value ?? ''].map(csvField).join(','));
  const tmp = join(tmpDir, `${basename(path)}.partial`);
  await writeFile(tmp, lines.join('\r\n') + '\r\n', { mode: PERSONAL_MODE });
  await chmod(tmp, PERSONAL_MODE);
  await moveIntoPlace(tmp, path);
  return ordered.length;
}

export async function writeCohort(db: Duck, stageDir: string, rows: CohortRow[], path: string, tmpDir: string): Promise<void> {
  await db.file(join(stageDir, 'cohort-table.sql'));
  const appender = await db.con.createAppender('cohort_in');
  try {
    for (const r of rows) {
      appender.appendInteger(r.row);
      for (const column of COHORT_COLUMNS.slice(1)) {
        const v = r[column];
        if (v === null) appender.appendNull();
        else appender.appendVarchar(String(v));
      }
      appender.endRow();
    }
  } finally {
    appender.closeSync();
  }
  const tmp = join(tmpDir, `${basename(path)}.partial`);
  await db.file(join(stageDir, 'cohort-write.sql'), { path: tmp });
  await chmod(tmp, PERSONAL_MODE);
  await moveIntoPlace(tmp, path);
}
