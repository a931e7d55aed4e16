// Turn the uploaded file into a header and rows of raw cells, by content rather than by file name:
// a CSV (any common encoding and separator, quoted newlines) through csv-parse, an Excel workbook
// (.xlsx, first sheet) through read-excel-file. Anything else is a file problem naming the file.
// Library messages are never passed on: they may quote cell contents.
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { parse } from 'csv-parse/sync';
import { readSheet } from 'read-excel-file/node';
import { decodeText, sniffKind, type Encoding } from './decode.ts';
import type { Problem } from './problems.ts';
import { zipSizes } from './zip-sizes.ts';

export type RawCell = string | number | boolean | Date | null;

export interface RawRow {
  /** Spreadsheet row number: header = 1, first person = 2; blank lines count, as in Excel. */
  row: number;
  cells: RawCell[];
}

export interface Table {
  format: 'csv' | 'xlsx';
  encoding: Encoding | null;
  separator: string | null;
  header: RawCell[];
  rows: RawRow[];
}

export type ReadResult = { ok: true; table: Table } | { ok: false; problem: Problem };

const SEPARATORS = [',', ';', '\t', '|'] as const;
const SEPARATOR_NAMES: Record<string, string> = { ',': 'comma', ';': 'semicolon', '\t': 'tab', '|': 'pipe' };

/** Bytes of the header line looked at to choose the separator: enough for any real header. */
const SNIFF_CHARS = 64 * 1024;

function fileProblem(label: string, kind: string, problem: string): ReadResult {
  return { ok: false, problem: { kind, row: null, field: label, problem, effect: 'request refused' } };
}

export interface ReadLimits {
  /** Larger files are refused before they are read. */
  maxFileBytes: number;
  /** Workbooks that declare more bytes than this once unzipped are refused before unzipping. */
  maxUnzippedBytes: number;
}

const megabytes = (n: number) => `${n.toLocaleString('en-GB')} bytes (${(n / 2 ** 20).toFixed(1)} MB)`;

export async function readTable(path: string, label: string, limits: ReadLimits): Promise<ReadResult> {
  const { maxFileBytes } = limits;
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) return fileProblem(label, 'file_unreadable', 'is not a file');
    size = info.size;
  } catch {
    return fileProblem(label, 'file_missing', 'could not be found');
  }
  if (size > maxFileBytes) {
    return fileProblem(label, 'file_too_large', `is ${megabytes(size)}, more than the ${megabytes(maxFileBytes)} allowed: split the cohort or remove unused columns`);
  }
  const bytes = await readFile(path);
  switch (sniffKind(bytes)) {
    case 'empty':
      return fileProblem(label, 'file_empty', 'is empty');
    case 'ole':
      return fileProblem(label, 'file_old_excel', 'is an Excel 97-2003 (.xls) workbook: save it as .xlsx (Excel Workbook) or as CSV and send it again');
    case 'pdf':
      return fileProblem(label, 'file_not_a_table', 'is a PDF document, not a CSV file or an Excel .xlsx workbook');
    case 'zip':
      return readXlsx(bytes, label, limits.maxUnzippedBytes);
    case 'text':
      return readCsv(bytes, label);
  }
}

async function readXlsx(bytes: Buffer, label: string, maxUnzippedBytes: number): Promise<ReadResult> {
  // Checked before unzipping: a small archive can declare gigabytes (zip-sizes.ts). An archive
  // whose directory cannot be read goes on to the reader, which says what is wrong with it.
  const sizes = zipSizes(bytes);
  if (sizes && sizes.uncompressed > maxUnzippedBytes) {
    return fileProblem(label, 'file_expands_too_much', `is a ${megabytes(bytes.length)} workbook that would expand to ${megabytes(sizes.uncompressed)} when unzipped, more than the ${megabytes(maxUnzippedBytes)} allowed: save the cohort again as a plain .xlsx with one sheet, or as CSV`);
  }
  let data: RawCell[][];
  try {
    data = (await readSheet(bytes, 1, { trim: false })) as RawCell[][];
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'InvalidSpreadsheetError' || name === 'InvalidInputError')
      return fileProblem(label, 'file_not_xlsx', 'is a zip archive but not an Excel .xlsx workbook: send the upload template as .xlsx or CSV');
    return fileProblem(label, 'file_unreadable', 'could not be read as an Excel .xlsx workbook: open it in Excel, save it again as .xlsx and resend it');
  }
  if (!data.length || data.every((r) => r.every(isBlank))) return fileProblem(label, 'file_empty', 'has no rows on its first sheet');
  const [header, ...rest] = data;
  return { ok: true, table: { format: 'xlsx', encoding: null, separator: null, header: header!, rows: rest.map((cells, i) => ({ row: i + 2, cells })) } };
}

function readCsv(bytes: Buffer, label: string): ReadResult {
  const decoded = decodeText(bytes);
  if (!decoded.ok) return fileProblem(label, 'file_binary', 'is not a text (CSV) file or an Excel .xlsx workbook');
  const text = decoded.text.charCodeAt(0) === 0xfeff ? decoded.text.slice(1) : decoded.text;
  if (!text.trim()) return fileProblem(label, 'file_empty', 'has no text in it');
  const separator = chooseSeparator(text);
  let records: string[][];
  try {
    records = parse(text, { delimiter: separator, relax_column_count: true, relax_quotes: true, skip_empty_lines: false, bom: false });
  } catch (error) {
    const e = error as { code?: string; records?: number };
    if (e.code === 'CSV_QUOTE_NOT_CLOSED')
      return fileProblem(label, 'file_unclosed_quote', `a quoted value that starts in row ${(e.records ?? 0) + 1} is never closed (a " is missing), so the rest of the file cannot be read`);
    return fileProblem(label, 'file_unreadable', `could not be read as a CSV file${e.records !== undefined ? ` after row ${e.records}` : ''}`);
  }
  const [header, ...rest] = records;
  return {
    ok: true,
    table: { format: 'csv', encoding: decoded.encoding, separator: SEPARATOR_NAMES[separator]!, header: header ?? [], rows: rest.map((cells, i) => ({ row: i + 2, cells })) },
  };
}

/** The separator that occurs most often in the header line, outside quotes; comma on a tie or none. */
export function chooseSeparator(text: string): string {
  const counts = new Map<string, number>(SEPARATORS.map((s) => [s, 0]));
  let quoted = false;
  for (let i = 0; i < Math.min(text.length, SNIFF_CHARS); i++) {
    const c = text[i]!;
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) break;
    else if (!quoted && counts.has(c)) counts.set(c, counts.get(c)! + 1);
  }
  let best: string = ',';
  for (const s of SEPARATORS) if (counts.get(s)! > counts.get(best)!) best = s;
  return best;
}

export function isBlank(cell: RawCell): boolean {
  return cell === null || (typeof cell === 'string' && cell.trim() === '');
}

export function fileLabel(path: string, requestDir: string): string {
  return path.startsWith(requestDir + '/') ? path.slice(requestDir.length + 1) : basename(path);
}
