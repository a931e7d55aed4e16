// Blank rows taken out of a workbook before read-excel-file reads it. A range formatted down to
// row 200,000 leaves 200,000 <row> elements of styled, empty cells; the reader parses every one
// of them into a row of nulls (seconds, and hundreds of megabytes), only for intake to skip them.
// Here each <row> of the first sheet without a value (<v>), an inline string (<is>) or a formula
// (<f>) is dropped from the sheet's XML, and the workbook is zipped again with that sheet alone
// re-deflated (every other member is copied as it was). Row numbers do not move: the reader
// places rows by their r attribute, so this is only done when every row has one.
import { deflateRawSync } from 'node:zlib';
import type { FirstSheet } from './xlsx-sheet.ts';
import { packedBytes, type ZipMember } from './zip-sizes.ts';

const ROW = /<((?:\w+:)?row)\b[^>]*?(?:\/>|>([\s\S]*?)<\/\1>)/g;
const ROW_WITHOUT_NUMBER = /<(?:\w+:)?row\b(?![^>]*\br=)[^>]*>/;
const HAS_CONTENT = /<(?:\w+:)?(?:v|is|f)\b/;

let CRC_TABLE: Uint32Array | undefined;
function crc32(bytes: Uint8Array): number {
  if (!CRC_TABLE) {
    CRC_TABLE = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      CRC_TABLE[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = CRC_TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

interface Entry {
  name: Buffer;
  method: number;
  crc: number;
  compressed: number;
  uncompressed: number;
  data: Buffer;
}

/** A zip of these entries: local headers and data, the central directory, its end record. */
function zip(entries: Entry[]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(e.method, 8);
    local.writeUInt32LE(e.crc, 14);
    local.writeUInt32LE(e.compressed, 18);
    local.writeUInt32LE(e.uncompressed, 22);
    local.writeUInt16LE(e.name.length, 26);
    parts.push(local, e.name, e.data);
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt16LE(20, 6);
    header.writeUInt16LE(e.method, 10);
    header.writeUInt32LE(e.crc, 16);
    header.writeUInt32LE(e.compressed, 20);
    header.writeUInt32LE(e.uncompressed, 24);
    header.writeUInt16LE(e.name.length, 28);
    header.writeUInt32LE(offset, 42);
    central.push(header, e.name);
    offset += 30 + e.name.length + e.data.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, directory, end]);
}

/**
 * The workbook with the first sheet's blank rows taken out, or null when there are none, or when
 * the workbook is not one this can safely rewrite (encrypted, zip64, rows without numbers ...):
 * the reader then gets the original bytes.
 */
export function withoutBlankRows(bytes: Buffer, members: ZipMember[], first: FirstSheet): Buffer | null {
  if (members.some((m) => m.flags & 1 || m.offset >= 0xffffffff || m.compressed >= 0xffffffff || m.uncompressed >= 0xffffffff)) return null;
  const sheet = first.member;
  const xml = first.xml.toString('utf8');
  if (ROW_WITHOUT_NUMBER.test(xml)) return null;
  let dropped = 0;
  const kept = xml.replace(ROW, (row, _tag: string, body: string | undefined) => (body && HAS_CONTENT.test(body) ? row : (dropped++, '')));
  if (!dropped) return null;
  const entries: Entry[] = [];
  for (const m of members) {
    const name = Buffer.from(m.name, 'utf8');
    if (m === sheet) {
      const raw = Buffer.from(kept, 'utf8');
      const data = deflateRawSync(raw);
      entries.push({ name, method: 8, crc: crc32(raw), compressed: data.length, uncompressed: raw.length, data });
    } else {
      const packed = packedBytes(bytes, m);
      if (!packed) return null;
      entries.push({ name, method: m.method, crc: m.crc, compressed: m.compressed, uncompressed: m.uncompressed, data: packed.data });
    }
  }
  return zip(entries);
}
