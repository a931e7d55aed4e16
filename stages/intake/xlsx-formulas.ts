// Formula cells whose result was never saved in the workbook. A workbook written by a program
// rather than by Excel (or saved with calculation switched off) can hold `=A2` without the value
// it computes to; read-excel-file then reads the cell as empty, or stops at the first such text
// cell. Either way the provider would hear "missing" or "could not be read" for a cell that
// looks filled in on their screen, so intake finds these cells itself and names them.
//
// Only the first sheet is looked at (the one intake reads, unzipped by xlsx-sheet.ts).

export interface CellAddress {
  /** Spreadsheet row number (1-based). */
  row: number;
  /** Column index (0-based). */
  column: number;
}

/** Column letters to a 0-based index: A -> 0, AA -> 26. */
function columnIndex(letters: string): number {
  let n = 0;
  for (const ch of letters) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n - 1;
}

/**
 * Cells of a sheet's XML that hold a formula (<f>) but no saved value (no <v>, or an empty one
 * in a non-text cell).
 */
export function formulasWithoutValues(sheet: Buffer): CellAddress[] {
  // Most workbooks have no formulas at all: look for one before decoding the sheet.
  if (sheet.indexOf('<f') < 0 && sheet.indexOf(':f') < 0) return [];
  const xml = sheet.toString('utf8');
  const out: CellAddress[] = [];
  // A tag stops at the next <, a cell's body at the next <c, a value at the next <: an element
  // that never closes fails at once instead of searching the rest of the sheet (quadratic time).
  for (const cell of xml.matchAll(/<(?:\w+:)?c\b([^<>]*?)(?:\/>|>((?:(?!<(?:\w+:)?c\b)[\s\S])*?)<\/(?:\w+:)?c>)/g)) {
    const body = cell[2];
    if (!body || !/<(?:\w+:)?f\b/.test(body)) continue;
    const value = /<(?:\w+:)?v\b[^<>]*?(?:\/>|>([^<]*)<\/(?:\w+:)?v>)/.exec(body);
    const textCell = /\bt="str"/.test(cell[1]!);
    if (value && (value[1] || textCell)) continue; // a saved value (an empty text result is a value)
    const ref = /\br="([A-Z]+)(\d+)"/.exec(cell[1]!);
    if (ref) out.push({ row: Number(ref[2]), column: columnIndex(ref[1]!) });
  }
  return out;
}
