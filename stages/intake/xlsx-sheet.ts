// A workbook unzipped once, every member under one cap: declared sizes can be forged, so the real
// total must keep to maxUnzippedBytes. The XML members are kept, for the reader (which is given
// them zipped again by intake, xlsx-repack.ts, never the upload's own bytes) and for intake's own
// looks at the first sheet (formulas without values, blank rows). The first sheet is the first
// <sheet> of xl/workbook.xml, found through the workbook's relationships, as the reader finds it.
import { unzipMember, type ZipMember } from './zip-sizes.ts';

export interface FirstSheet {
  member: ZipMember;
  /** The sheet's XML, unzipped. */
  xml: Buffer;
}

export type Opened =
  | { tooLarge: true }
  /** An XML member could not be unzipped (damaged, encrypted, an unknown method): nothing to give the reader. */
  | { tooLarge: false; damaged: true }
  /** parts: the members the reader reads (names ending .xml or .rels), unzipped. */
  | { tooLarge: false; damaged: false; sheet: FirstSheet | null; parts: Map<string, Buffer> };

/** The members read-excel-file reads; it skips the rest (images, printer settings ...). */
const isXml = (name: string) => name.endsWith('.xml') || name.endsWith('.rels');

function small(bytes: Buffer, members: ZipMember[], name: string, maxBytes: number): string | null {
  const m = members.find((x) => x.name === name);
  const out = m ? unzipMember(bytes, m, maxBytes) : null;
  return out && out !== 'too large' ? out.toString('utf8') : null;
}

/** The path of the workbook's first sheet, e.g. xl/worksheets/sheet1.xml. */
function firstSheetPath(bytes: Buffer, members: ZipMember[], maxBytes: number): string | null {
  const workbook = small(bytes, members, 'xl/workbook.xml', maxBytes);
  const rels = small(bytes, members, 'xl/_rels/workbook.xml.rels', maxBytes);
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

/** Every member unzipped under one cap (tooLarge beyond it), keeping the XML members and the first sheet. */
export function openWorkbook(bytes: Buffer, members: ZipMember[], maxUnzippedBytes: number): Opened {
  const path = firstSheetPath(bytes, members, maxUnzippedBytes);
  let left = maxUnzippedBytes;
  let sheet: FirstSheet | null = null;
  const parts = new Map<string, Buffer>();
  for (const m of members) {
    if (m.name.endsWith('/') && m.uncompressed === 0) continue; // a folder entry
    const out = unzipMember(bytes, m, left);
    if (out === 'too large') return { tooLarge: true };
    if (!out) {
      if (isXml(m.name)) return { tooLarge: false, damaged: true };
      continue;
    }
    left -= out.length;
    if (isXml(m.name)) parts.set(m.name, out);
    if (m.name === path) sheet = { member: m, xml: out };
  }
  return { tooLarge: false, damaged: false, sheet, parts };
}
