// The CSV reader: one pass over the decoded text, in the way Excel reads a CSV file.
//
// Why not csv-parse: every record shorter than the header made it build a CsvError (with its
// message and stack) under relax_column_count, so a 1 MB upload of a header and a million
// empty lines took minutes and most of a gigabyte. Here a blank line costs a comparison.
//
// What it accepts, like Excel: a record ends at LF, CRLF or a lone CR, whichever each line
// uses (files pasted together from several systems mix them); a field that starts with a quote
// runs to the closing quote, "" inside it is one quote, and newlines and separators inside it
// are part of the value; a quote anywhere else is an ordinary character; text after a closing
// quote and before the next separator is kept. A record is one spreadsheet row, however many
// lines it spans, and blank rows count in the row numbers but are not returned.
import type { RawRow } from './cells.ts';

export type LineEndings = 'lf' | 'crlf' | 'cr' | 'mixed' | 'none';

export type CsvOutcome =
  | { ok: true; header: string[]; rows: RawRow[]; lineEndings: LineEndings }
  /** A quoted value that never closes, starting in this spreadsheet row. */
  | { ok: false; unclosedQuoteRow: number }
  /** More non-blank rows than allowed (reading stopped there). */
  | { ok: false; tooManyRows: number };

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/** Records of text split at `separator` (one character); at most maxRows non-blank rows after the header. */
export function parseCsv(text: string, separator: string, maxRows: number): CsvOutcome {
  const sep = separator.charCodeAt(0);
  const n = text.length;
  let header: string[] | null = null;
  const rows: RawRow[] = [];
  let record: string[] = [];
  let rowNumber = 1; // spreadsheet row of the record being read: the header is row 1
  let lf = 0, crlf = 0, cr = 0;
  let i = 0;

  const endRecord = (): boolean => {
    if (header === null) header = record;
    else if (!isBlankRecord(record)) {
      if (rows.length >= maxRows) return false;
      rows.push({ row: rowNumber, cells: record });
    }
    record = [];
    rowNumber++;
    return true;
  };

  for (;;) {
    let value: string;
    if (i < n && text.charCodeAt(i) === QUOTE) {
      let j = i + 1;
      value = '';
      for (;;) {
        const q = text.indexOf('"', j);
        if (q < 0) return { ok: false, unclosedQuoteRow: rowNumber };
        if (text.charCodeAt(q + 1) === QUOTE) {
          value += text.slice(j, q + 1);
          j = q + 2;
        } else {
          value += text.slice(j, q);
          j = q + 1;
          break;
        }
      }
      const end = fieldEnd(text, j, sep);
      if (end > j) value += text.slice(j, end);
      i = end;
    } else {
      const end = fieldEnd(text, i, sep);
      value = text.slice(i, end);
      i = end;
    }
    record.push(value);
    if (i >= n) break;
    const c = text.charCodeAt(i);
    if (c === sep) {
      i++;
      continue;
    }
    if (c === CR && text.charCodeAt(i + 1) === LF) (crlf++, (i += 2));
    else if (c === CR) (cr++, i++);
    else (lf++, i++);
    if (!endRecord()) return { ok: false, tooManyRows: maxRows };
    if (i >= n) return { ok: true, header: header!, rows, lineEndings: endings(lf, crlf, cr) };
  }
  if (!endRecord()) return { ok: false, tooManyRows: maxRows };
  return { ok: true, header: header!, rows, lineEndings: endings(lf, crlf, cr) };
}

/** Index of the separator, CR or LF that ends an unquoted field starting at i (n at the end). */
function fieldEnd(text: string, i: number, sep: number): number {
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === sep || c === LF || c === CR) return i;
    i++;
  }
  return n;
}

function isBlankRecord(record: string[]): boolean {
  for (const v of record) if (v !== '' && v.trim() !== '') return false;
  return true;
}

function endings(lf: number, crlf: number, cr: number): LineEndings {
  const kinds = (lf ? 1 : 0) + (crlf ? 1 : 0) + (cr ? 1 : 0);
  if (kinds > 1) return 'mixed';
  return lf ? 'lf' : crlf ? 'crlf' : cr ? 'cr' : 'none';
}
