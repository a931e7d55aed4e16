// Turn the uploaded file into a header and rows of raw cells, by content rather than by file name:
// a CSV (any common encoding and separator, quoted newlines, any line endings) through csv.ts, an
// Excel workbook (.xlsx, first sheet) through read-excel-file. Anything else is a file problem
// naming the file. Library messages are never passed on: they may quote cell contents.
// Only a regular file is read (regular-file.ts). Blank rows are counted in the row numbers but
// not returned, so a file of a million empty lines costs no more than its bytes.
import { basename } from 'node:path';
import { readSheet } from 'read-excel-file/node';
import { parseCsv, type LineEndings } from './csv.ts';
import { decodeText, sniffKind, type Encoding } from './decode.ts';
import { columnLetter } from './headers.ts';
import { FORMULA_WITHOUT_VALUE, isBlank, type RawCell, type RawRow } from './cells.ts';
import { formatCount, type Problem } from './problems.ts';
import { readRegularFile } from './regular-file.ts';
import { withoutBlankRows } from './xlsx-blank-rows.ts';
import { formulasWithoutValues, type CellAddress } from './xlsx-formulas.ts';
import { openWorkbook } from './xlsx-sheet.ts';
import { hasUnlistedBytes, zipMembers, zipSizes } from './zip-sizes.ts';
import { storedZip } from './xlsx-repack.ts';
import { tagsEnd } from './xml-tags.ts';

export type { RawCell, RawRow } from './cells.ts';

export interface Table {
  format: 'csv' | 'xlsx';
  encoding: Encoding | null;
  separator: string | null;
  /** How a CSV's lines end; 'mixed' when they differ from line to line (each is read as a row end). */
  lineEndings: LineEndings | null;
  /** How a workbook counts dates held as serial numbers (workbookPr date1904); 1900 for CSV. */
  dateSystem: 1900 | 1904;
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
  /** More non-blank rows than this (after the header) are refused. */
  maxRows: number;
}

const megabytes = (n: number) => `${n.toLocaleString('en-GB')} bytes (${(n / 2 ** 20).toFixed(1)} MB)`;

export async function readTable(path: string, label: string, limits: ReadLimits): Promise<ReadResult> {
  const { maxFileBytes } = limits;
  const read = await readRegularFile(path, maxFileBytes);
  if (!read.ok) {
    if ('tooLarge' in read)
      return fileProblem(label, 'file_too_large', `is ${megabytes(read.tooLarge)}, more than the ${megabytes(maxFileBytes)} allowed: split the cohort or remove unused columns`);
    if (read.what === 'missing') return fileProblem(label, 'file_missing', 'could not be found');
    return fileProblem(label, 'not_a_file', `is ${read.what}: put the cohort file itself in the request folder`);
  }
  const bytes = read.bytes;
  switch (sniffKind(bytes)) {
    case 'empty':
      return fileProblem(label, 'file_empty', 'is empty');
    case 'ole':
      return fileProblem(label, 'file_old_excel', 'is an Excel 97-2003 (.xls) workbook: save it as .xlsx (Excel Workbook) or as CSV and send it again');
    case 'encrypted':
      return fileProblem(label, 'file_encrypted', 'is protected by a password, so it cannot be read: remove the password in Excel (File, Info, Protect Workbook, Encrypt with Password, then clear it), save it as .xlsx and send it again through the secure channel');
    case 'pdf':
      return fileProblem(label, 'file_not_a_table', 'is a PDF document, not a CSV file or an Excel .xlsx workbook');
    case 'zip':
      return readXlsx(bytes, label, limits);
    case 'text':
      return readCsv(bytes, label, limits.maxRows);
  }
}

const tooManyRows = (label: string, maxRows: number) =>
  fileProblem(label, 'file_too_many_rows', `has more than ${formatCount(maxRows)} rows of people, the most one request may hold: split the cohort into several requests`);

/** "B2, C2 and 3 more cells": where formulas without saved values are. */
function cellList(cells: CellAddress[]): string {
  const shown = cells.slice(0, 5).map((c) => `${columnLetter(c.column)}${c.row}`);
  return cells.length > 5 ? `${shown.join(', ')} and ${formatCount(cells.length - 5)} more` : shown.join(', ');
}

const damagedXlsx = (label: string) =>
  fileProblem(label, 'file_unreadable', 'could not be read as an Excel .xlsx workbook: it is damaged or incomplete (its zip structure does not add up); open it in Excel, save it again as .xlsx and resend it');

async function readXlsx(bytes: Buffer, label: string, limits: ReadLimits): Promise<ReadResult> {
  const { maxUnzippedBytes } = limits;
  // Checked before unzipping: a small archive can declare gigabytes (zip-sizes.ts).
  const members = zipMembers(bytes);
  if (!members) return damagedXlsx(label);
  const sizes = zipSizes(bytes);
  if (sizes && sizes.uncompressed > maxUnzippedBytes) {
    return fileProblem(label, 'file_expands_too_much', `is a ${megabytes(bytes.length)} workbook that would expand to ${megabytes(sizes.uncompressed)} when unzipped, more than the ${megabytes(maxUnzippedBytes)} allowed: save the cohort again as a plain .xlsx with one sheet, or as CSV`);
  }
  // Bytes the directory does not list (a hidden member, an understated packed size) are never unzipped.
  if (hasUnlistedBytes(bytes, members)) return damagedXlsx(label);
  // Declared sizes can be forged: unzipped under the cap, the members must keep to it too.
  const opened = openWorkbook(bytes, members, maxUnzippedBytes);
  if (opened.tooLarge) {
    return fileProblem(label, 'file_expands_too_much', `is a ${megabytes(bytes.length)} workbook that expands to more than the ${megabytes(maxUnzippedBytes)} allowed when unzipped (more than it says it holds): save the cohort again as a plain .xlsx with one sheet, or as CSV`);
  }
  if (opened.damaged) return damagedXlsx(label);
  const { sheet, parts } = opened;
  // Tags that never end make the reader's time explode (xml-tags.ts): no program writes them.
  for (const xml of parts.values()) if (!tagsEnd(xml)) return damagedXlsx(label);
  const formulas = sheet ? formulasWithoutValues(sheet.xml) : [];
  let data: RawCell[][];
  try {
    // Blank rows are taken out first (xlsx-blank-rows.ts): the reader never parses them. The reader
    // is given only what was unzipped here under the cap, zipped again (xlsx-repack.ts).
    const compact = sheet ? withoutBlankRows(sheet.xml) : null;
    if (sheet && compact) parts.set(sheet.member.name, compact);
    data = (await readSheet(storedZip(parts), 1, { trim: false })) as RawCell[][];
  } catch (error) {
    const name = (error as { name?: string }).name;
    // read-excel-file stops at the first text formula without a saved value: say which cells.
    if (formulas.length)
      return fileProblem(label, 'formula_without_value', `cells ${cellList(formulas)} hold formulas whose results were not saved in the file: open it in Excel and save it again, or paste the values instead of the formulas`);
    if (name === 'InvalidSpreadsheetError' || name === 'InvalidInputError')
      return fileProblem(label, 'file_not_xlsx', 'is a zip archive but not an Excel .xlsx workbook: send the upload template as .xlsx or CSV');
    return fileProblem(label, 'file_unreadable', 'could not be read as an Excel .xlsx workbook: open it in Excel, save it again as .xlsx and resend it');
  }
  // Formula cells read as empty are marked, so the row says why its value is missing.
  for (const f of formulas) {
    while (data.length < f.row) data.push([]);
    const cells = data[f.row - 1]!;
    while (cells.length <= f.column) cells.push(null);
    if (cells[f.column] === null) cells[f.column] = FORMULA_WITHOUT_VALUE;
  }
  if (!data.length || data.every((r) => r.every(isBlank))) return fileProblem(label, 'file_empty', 'has no rows on its first sheet');
  const [header, ...rest] = data;
  const rows: RawRow[] = [];
  for (let i = 0; i < rest.length; i++) {
    if (rest[i]!.every(isBlank)) continue;
    if (rows.length >= limits.maxRows) return tooManyRows(label, limits.maxRows);
    rows.push({ row: i + 2, cells: rest[i]! });
  }
  // The reader converts date-formatted cells itself; numbers in a date column are converted later, in this system.
  const workbook = parts.get('xl/workbook.xml')?.toString('utf8') ?? '';
  const dateSystem = /<(?:\w+:)?workbookPr\b[^>]*\bdate1904="(?:1|true)"/.test(workbook) ? 1904 : 1900;
  return { ok: true, table: { format: 'xlsx', encoding: null, separator: null, lineEndings: null, dateSystem, header: header!, rows } };
}

function readCsv(bytes: Buffer, label: string, maxRows: number): ReadResult {
  const decoded = decodeText(bytes);
  if (!decoded.ok) return fileProblem(label, 'file_binary', 'is not a text (CSV) file or an Excel .xlsx workbook');
  let text = decoded.text.charCodeAt(0) === 0xfeff ? decoded.text.slice(1) : decoded.text;
  // Excel's separator hint: a first line "sep=;" that Excel obeys and does not show as a row, so
  // the header is row 1 on the provider's screen and in our row numbers alike.
  const hint = /^sep=([,;\t|])(?:\r\n|\n|\r)/i.exec(text);
  if (hint) text = text.slice(hint[0].length);
  if (!text.trim()) return fileProblem(label, 'file_empty', 'has no text in it');
  const separator = hint ? hint[1]! : chooseSeparator(text);
  const parsed = parseCsv(text, separator, maxRows);
  if (!parsed.ok) {
    if ('tooManyRows' in parsed) return tooManyRows(label, maxRows);
    return fileProblem(label, 'file_unclosed_quote', `a quoted value that starts in row ${parsed.unclosedQuoteRow} is never closed (a " is missing), so the rest of the file cannot be read`);
  }
  return {
    ok: true,
    table: { format: 'csv', encoding: decoded.encoding, separator: SEPARATOR_NAMES[separator]!, lineEndings: parsed.lineEndings, dateSystem: 1900, header: parsed.header, rows: parsed.rows },
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


export function fileLabel(path: string, requestDir: string): string {
  return path.startsWith(requestDir + '/') ? path.slice(requestDir.length + 1) : basename(path);
}
