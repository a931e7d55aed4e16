// Which files of the request folder are read: request.json, and the cohort, which is the newest
// corrections/<yyyy-mm-dd>-cohort.csv (or .xlsx) when there is one, otherwise cohort.csv or cohort.xlsx.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Problem } from './problems.ts';

export interface RequestFiles {
  requestJson: string | null;
  cohort: string | null;
  /** The cohort's path relative to the request folder, for messages. */
  cohortLabel: string;
  problems: Problem[];
}

const CORRECTION = /^(\d{4}-\d{2}-\d{2})-cohort\.(csv|xlsx)$/i;

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

export async function locateFiles(dir: string): Promise<RequestFiles> {
  const out: RequestFiles = { requestJson: null, cohort: null, cohortLabel: 'cohort.csv', problems: [] };
  const refuse = (kind: string, field: string, problem: string) => out.problems.push({ kind, row: null, field, problem, effect: 'request refused' });
  if (await isFile(join(dir, 'request.json'))) out.requestJson = join(dir, 'request.json');

  let corrections: string[] = [];
  try {
    corrections = (await readdir(join(dir, 'corrections'))).filter((f) => CORRECTION.test(f)).sort();
  } catch {
    // no corrections folder: the original cohort stands
  }
  if (corrections.length) {
    const newest = corrections[corrections.length - 1]!;
    const sameDay = corrections.filter((f) => f.slice(0, 10) === newest.slice(0, 10));
    out.cohortLabel = `corrections/${newest}`;
    if (sameDay.length > 1) refuse('two_cohort_files', `corrections/${newest.slice(0, 10)}-cohort.*`, 'there are two corrections for the same day: send one');
    else out.cohort = join(dir, 'corrections', newest);
    return out;
  }
  const csv = await isFile(join(dir, 'cohort.csv'));
  const xlsx = await isFile(join(dir, 'cohort.xlsx'));
  if (csv && xlsx) refuse('two_cohort_files', 'cohort.csv, cohort.xlsx', 'both a CSV and an Excel cohort were sent: send one');
  else if (csv) out.cohort = join(dir, 'cohort.csv');
  else if (xlsx) [out.cohort, out.cohortLabel] = [join(dir, 'cohort.xlsx'), 'cohort.xlsx'];
  else refuse('file_missing', 'cohort', 'no cohort.csv or cohort.xlsx was sent');
  return out;
}
