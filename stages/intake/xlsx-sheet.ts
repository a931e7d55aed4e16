// The first sheet of a workbook, unzipped once for intake's own looks at it (formulas without
// values, blank rows), while every member is unzipped under one cap: declared sizes can be
// forged, so the real total must keep to maxUnzippedBytes before the reader is given the file.
// The first sheet is the first <sheet> of xl/workbook.xml, found through the workbook's
// relationships, as the reader finds it.
import { unzipMember, type ZipMember } from './zip-sizes.ts';

export interface FirstSheet {
  member: ZipMember;
  /** The sheet's XML, unzipped. */
  xml: Buffer;
}

export type Opened = { tooLarge: true } | { tooLarge: false; sheet: FirstSheet | null };

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

/** Every member unzipped under one cap (tooLarge beyond it), keeping the first sheet's XML. */
export function openWorkbook(bytes: Buffer, members: ZipMember[], maxUnzippedBytes: number): Opened {
  const path = firstSheetPath(bytes, members, maxUnzippedBytes);
  let left = maxUnzippedBytes;
  let sheet: FirstSheet | null = null;
  for (const m of members) {
    const out = unzipMember(bytes, m, left);
    if (out === 'too large') return { tooLarge: true };
    if (!out) continue;
    left -= out.length;
    if (m.name === path) sheet = { member: m, xml: out };
  }
  return { tooLarge: false, sheet };
}
