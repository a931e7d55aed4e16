// Formula cells whose result was never saved in the workbook. A workbook written by a program
// rather than by Excel (or saved with calculation switched off) can hold `=A2` without the value
// it computes to; read-excel-file then reads the cell as empty, or stops at the first such text
// cell. Either way the provider would hear "missing" or "could not be read" for a cell that
// looks filled in on their screen, so intake finds these cells itself and names them.
//
// Only the first sheet is looked at (the one intake reads), found through the workbook's own
// relationships. The sheet is inflated with node:zlib, capped at the unzipped-size limit.
import { unzipMember, zipMembers, type ZipMember } from './zip-sizes.ts';

export interface CellAddress {
  /** Spreadsheet row number (1-based). */
  row: number;
  /** Column index (0-based). */
  column: number;
}

function member(bytes: Buffer, members: ZipMember[], name: string, maxBytes: number): Buffer | null {
  const m = members.find((x) => x.name === name);
  const out = m ? unzipMember(bytes, m, maxBytes) : null;
  return out === 'too large' ? null : out;
}

/** The path of the workbook's first sheet, e.g. xl/worksheets/sheet1.xml. */
function firstSheetPath(bytes: Buffer, members: ZipMember[], maxBytes: number): string | null {
  const workbook = member(bytes, members, 'xl/workbook.xml', maxBytes)?.toString('utf8');
  const rels = member(bytes, members, 'xl/_rels/workbook.xml.rels', maxBytes)?.toString('utf8');
  if (!workbook || !rels) return null;
  const sheet = /<(?:\w+:)?sheet\b[^>]*?\br:id="([^"]+)"/.exec(workbook) ?? /<(?:\w+:)?sheet\b[^>]*?\b\w+:id="([^"]+)"/.exec(workbook);
  if (!sheet) return null;
  for (const rel of rels.matchAll(/<(?:\w+:)?Relationship\b[^>]*>/g)) {
    const id = /\bId="([^"]+)"/.exec(rel[0])?.[1];
    const target = /\bTarget="([^"]+)"/.exec(rel[0])?.[1];
    if (id === sheet[1] && target) return target.startsWith('/') ? target.slice(1) : `xl/${target.replace(/^\.\//, '')}`;
  }
  return null;
}

/** Column letters to a 0-based index: A -> 0, AA -> 26. */
function columnIndex(letters: string): number {
  let n = 0;
  for (const ch of letters) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n - 1;
}

/**
 * Cells of the first sheet that hold a formula (<f>) but no saved value (no <v>, or an empty
 * one in a non-text cell). Empty when there are none or the workbook cannot be looked into.
 */
export function formulasWithoutValues(bytes: Buffer, maxUnzippedBytes: number): CellAddress[] {
  const members = zipMembers(bytes);
  if (!members) return [];
  const path = firstSheetPath(bytes, members, maxUnzippedBytes);
  const sheet = path ? member(bytes, members, path, maxUnzippedBytes) : null;
  // Most workbooks have no formulas at all: look for one before decoding the sheet.
  if (!sheet || (sheet.indexOf('<f') < 0 && sheet.indexOf(':f') < 0)) return [];
  const xml = sheet.toString('utf8');
  const out: CellAddress[] = [];
  for (const cell of xml.matchAll(/<(?:\w+:)?c\b([^>]*?)(?:\/>|>([\s\S]*?)<\/(?:\w+:)?c>)/g)) {
    const body = cell[2];
    if (!body || !/<(?:\w+:)?f\b/.test(body)) continue;
    const value = /<(?:\w+:)?v\b[^>]*?(?:\/>|>([\s\S]*?)<\/(?:\w+:)?v>)/.exec(body);
    const textCell = /\bt="str"/.test(cell[1]!);
    if (value && (value[1] || textCell)) continue; // a saved value (an empty text result is a value)
    const ref = /\br="([A-Z]+)(\d+)"/.exec(cell[1]!);
    if (ref) out.push({ row: Number(ref[2]), column: columnIndex(ref[1]!) });
  }
  return out;
}
