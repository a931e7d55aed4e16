// Which files of the request folder are read: request.json, and the cohort, which is the newest
// corrections/<yyyy-mm-dd>-cohort.csv (or .xlsx) when there is one, otherwise cohort.csv or
// cohort.xlsx. Only regular files are inputs (regular-file.ts): a link, a FIFO or a device in
// any of these places is refused by name, never followed. A correction's name carries its date,
// which must be a real day and not after today.
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { dateParts, isRealDate } from './dates.ts';
import type { Problem } from './problems.ts';
import { entryAt, whatItIs, type Entry } from './regular-file.ts';

/**
 * A file name is the provider's own text (john-smith-cohort.csv): the summary and the console
 * quote a correction's name only when it is made of digits and separators, otherwise the
 * rejection file does.
 */
const QUOTABLE_CORRECTION = '[\\d._ -]*cohort\\.(csv|xlsx)';
const quotable = (name: string): boolean => new RegExp(`^${QUOTABLE_CORRECTION}$`, 'i').test(name);

/**
 * The paths of a request folder that may be shown and kept in run records as they are (the
 * framework names any other by a keyed hash: StageSpec.shownFileNames): the names intake asks for,
 * and corrections named by digits and separators only.
 */
export const SHOWN_REQUEST_PATHS = ['request\\.json', 'cohort\\.(csv|xlsx)', `corrections/${QUOTABLE_CORRECTION}`];

export interface RequestFiles {
  /** request.json: a regular file, absent, or something else (a link ...), said in words. */
  requestJson: Entry & { path: string };
  cohort: string | null;
  /** The cohort's path relative to the request folder, for messages. */
  cohortLabel: string;
  problems: Problem[];
}

/** A correction as the provider should name it. */
const CORRECTION = /^(\d{4})-(\d{2})-(\d{2})-cohort\.(csv|xlsx)$/i;
/** Anything else that looks like it was meant as a correction of the cohort. */
const LOOKS_LIKE_CORRECTION = /cohort[^/]*\.(csv|xlsx)$/i;

export async function locateFiles(dir: string, today: string): Promise<RequestFiles> {
  const requestPath = join(dir, 'request.json');
  const out: RequestFiles = { requestJson: { ...(await entryAt(requestPath)), path: requestPath }, cohort: null, cohortLabel: 'cohort.csv', problems: [] };
  const refuse = (kind: string, field: string, problem: string) => out.problems.push({ kind, row: null, field, problem, effect: 'request refused' });
  // The request folder itself must be a folder, not a link to one elsewhere.
  const folder = await lstat(dir).catch(() => null);
  if (folder && !folder.isDirectory()) {
    refuse('not_a_file', 'request folder', `is ${whatItIs(folder) ?? 'a file'}: the request's files must be in a folder of their own under data/requests`);
    out.requestJson = { kind: 'other', what: 'not read (the request folder itself is not a plain folder)', path: requestPath };
    return out;
  }

  const corrections = await readCorrections(dir, today, refuse, out.problems);
  if (corrections === 'refused') return out;
  if (corrections.length) {
    const newest = corrections[corrections.length - 1]!;
    const sameDay = corrections.filter((f) => f.slice(0, 10) === newest.slice(0, 10));
    out.cohortLabel = `corrections/${newest}`;
    if (sameDay.length > 1) refuse('two_cohort_files', `corrections/${newest.slice(0, 10)}-cohort.*`, 'there are two corrections for the same day: send one');
    else out.cohort = join(dir, 'corrections', newest);
    return out;
  }
  const csv = await entryAt(join(dir, 'cohort.csv'));
  const xlsx = await entryAt(join(dir, 'cohort.xlsx'));
  for (const [name, entry] of [['cohort.csv', csv], ['cohort.xlsx', xlsx]] as const)
    if (entry.kind === 'other') refuse('not_a_file', name, `is ${entry.what}: put the cohort file itself in the request folder`);
  if (out.problems.length) return out;
  if (csv.kind === 'file' && xlsx.kind === 'file') refuse('two_cohort_files', 'cohort.csv, cohort.xlsx', 'both a CSV and an Excel cohort were sent: send one');
  else if (csv.kind === 'file') out.cohort = join(dir, 'cohort.csv');
  else if (xlsx.kind === 'file') [out.cohort, out.cohortLabel] = [join(dir, 'cohort.xlsx'), 'cohort.xlsx'];
  else refuse('file_missing', 'cohort', 'no cohort.csv or cohort.xlsx was sent');
  return out;
}

/** The usable correction names, sorted (oldest first), or 'refused' when one of them is wrong. */
async function readCorrections(dir: string, today: string, refuse: (kind: string, field: string, problem: string) => void, out: Problem[]): Promise<string[] | 'refused'> {
  const folder = join(dir, 'corrections');
  let info;
  try {
    info = await lstat(folder);
  } catch {
    return []; // no corrections folder: the original cohort stands
  }
  if (!info.isDirectory()) {
    refuse('not_a_file', 'corrections', `is ${whatItIs(info) ?? 'a file'}: corrections go in a folder named corrections inside the request folder`);
    return 'refused';
  }
  const usable: string[] = [];
  let refused = false;
  for (const entry of (await readdir(folder, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const field = `corrections/${entry.name}`;
    const m = CORRECTION.exec(entry.name);
    if (!m) {
      if (LOOKS_LIKE_CORRECTION.test(entry.name)) {
        const problem = 'is not named yyyy-mm-dd-cohort.csv (or .xlsx) with the day it was made, so it cannot be ordered with the other corrections';
        if (quotable(entry.name)) refuse('correction_bad_name', field, problem);
        else out.push({ kind: 'correction_bad_name', row: null, field: 'corrections/(a file)', problem: `a file ${problem}`, effect: 'request refused', value: entry.name });
        refused = true;
      }
      continue; // notes and other files beside the corrections are not read
    }
    if (!entry.isFile()) {
      refuse('not_a_file', field, `is ${whatItIs(await lstat(join(folder, entry.name))) ?? 'not a regular file'}: put the corrected file itself in the corrections folder`);
      refused = true;
      continue;
    }
    const parts = dateParts(`${m[1]}-${m[2]}-${m[3]}`)!;
    if (!isRealDate(parts)) {
      refuse('correction_bad_date', field, 'is named for a day that does not exist: name it yyyy-mm-dd-cohort.csv with the real day it was made');
      refused = true;
    } else if (entry.name.slice(0, 10) > today) {
      refuse('correction_bad_date', field, 'is dated after today: name it yyyy-mm-dd-cohort.csv with the day it was made');
      refused = true;
    } else usable.push(entry.name);
  }
  return refused ? 'refused' : usable;
}
