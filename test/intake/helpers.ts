// Shared by the intake tests: build a request folder in a temp dir, run the stage directly, and
// read its outputs back with independent readers (DuckDB for Parquet, csv-parse for the CSV).
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { Duck } from '../../src/duck.ts';
import stage, { type IntakeParams } from '../../stages/intake/stage.ts';
import { runStageDirect, type DirectRun } from '../helpers/run-stage.ts';
import { testTempDir } from '../helpers/temp-dir.ts';

export const FIXTURES = fileURLToPath(new URL('../fixtures/intake/', import.meta.url));
export const STAGE_URL = new URL('../../stages/intake/stage.ts', import.meta.url).href;

export const HEADER = ['reference', 'surname', 'forename', 'dob', 'gender', 'pnc_id', 'prison_number', 'index_date', 'conviction_date', 'intervention_start_date', 'intervention_end_date', 'sentence_type', 'notes'];

export function baseRequest(id = 'test'): Record<string, unknown> {
  return JSON.parse(readFileSync(join(FIXTURES, 'request.json'), 'utf8').replace('"corpus"', JSON.stringify(id)));
}

export function tempDir(prefix = 'intake-test-'): string {
  return testTempDir(prefix);
}

/** A request folder: request.json plus files given as name -> content (string/bytes) or { copy: path }. */
export function requestFolder(files: Record<string, string | Uint8Array | { copy: string }>, request: Record<string, unknown> | string | null = baseRequest()): string {
  const dir = tempDir('intake-request-');
  if (request !== null) writeFileSync(join(dir, 'request.json'), typeof request === 'string' ? request : JSON.stringify(request));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    if (typeof content === 'object' && !(content instanceof Uint8Array)) copyFileSync(content.copy, join(dir, name));
    else writeFileSync(join(dir, name), content);
  }
  return dir;
}

export interface Summary {
  status: 'accepted' | 'rejected';
  reasons: { kind: string; message: string }[];
  file: Record<string, string | null>;
  counts: { submitted: number; usable: number; unusable: number; duplicates: number };
  limits: Record<string, number>;
  problems: { kind: string; field: string; problem: string; effect: string; count: number; rows: number[] }[];
}

export interface IntakeRun extends DirectRun {
  summary: Summary;
  summaryText: string;
}

/** The day the tests run on, as the stage sees it (ctx.today): after every date in the fixtures. */
export const TODAY = '2024-06-01';

export async function runIntake(dir: string, params: Partial<IntakeParams> = {}, request = 'test', today = TODAY): Promise<IntakeRun> {
  const run = await runStageDirect(stage, STAGE_URL, { inputs: { request: dir }, params, request, today });
  const summaryText = readFileSync(run.outputs.summary!, 'utf8');
  return { ...run, summaryText, summary: JSON.parse(summaryText) as Summary };
}

/** Row-number lists of a kind, across fields. */
export function rowsOf(summary: Summary, kind: string): number[] {
  return summary.problems.filter((p) => p.kind === kind).flatMap((p) => p.rows).sort((a, b) => a - b);
}

export function kinds(summary: Summary): Set<string> {
  return new Set([...summary.problems.map((p) => p.kind), ...summary.reasons.map((r) => r.kind)]);
}

export async function readParquet(path: string): Promise<Record<string, unknown>[]> {
  const db = await Duck.open({ threads: 1 });
  try {
    return await db.json(`SELECT * FROM read_parquet($path) ORDER BY row`, { path });
  } finally {
    db.close();
  }
}

export async function parquetColumns(path: string): Promise<{ name: string; type: string }[]> {
  const db = await Duck.open({ threads: 1 });
  try {
    return await db.all(`SELECT column_name AS name, column_type AS type FROM (DESCRIBE SELECT * FROM read_parquet($path))`, { path });
  } finally {
    db.close();
  }
}

export function readRejections(path: string): { row: string; field: string; problem: string; value: string }[] {
  return existsSync(path) ? parse(readFileSync(path, 'utf8'), { columns: true }) : [];
}

export function csvText(rows: string[][], sep = ','): string {
  return rows.map((r) => r.map((v) => (/["\r\n]/.test(v) || v.includes(sep) ? `"${v.replace(/"/g, '""')}"` : v)).join(sep)).join('\n') + '\n';
}

/** n fictional people, all valid; letters-only names made from the index so each is distinct. */
export function people(n: number, start = 0): string[][] {
  const letters = (i: number) => {
    let s = '';
    for (let k = i + 1; k > 0; k = Math.floor((k - 1) / 26)) s = String.fromCharCode(97 + ((k - 1) % 26)) + s;
    return s;
  };
  return Array.from({ length: n }, (_, j) => {
    const i = start + j;
    const day = String((i % 28) + 1).padStart(2, '0');
    const month = String((i % 12) + 1).padStart(2, '0');
    return [`P${i}`, `Imagin${letters(i)}`, `Fict${letters(i * 7)}`, `${day}/${month}/${1960 + (i % 40)}`, i % 2 ? 'M' : 'F', '', '', '', '', `${day}/${month}/2019`, '', '', ''];
  });
}
