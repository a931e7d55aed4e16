// How large an .xlsx (a zip archive) says it is once unzipped, read from its central directory
// without unzipping anything. A few hundred kilobytes of zeros can declare gigabytes (a "zip
// bomb"); unzipping such an upload would exhaust memory before any row could be checked, so
// intake compares the declared total with a limit first. Declared sizes can be forged: an
// archive that lies about them gets past that check, so xlsx-sheet.ts then unzips every member
// with node:zlib under the same cap (what the reader would do anyway, without the cap), before
// the reader is given the bytes.
import { constants as bufferConstants } from 'node:buffer';
import { inflateRawSync } from 'node:zlib';

const BUFFER_MAX = bufferConstants.MAX_LENGTH;

export interface ZipMember {
  name: string;
  /** 0 stored, 8 deflated. */
  method: number;
  /** General-purpose flags (bit 0: encrypted). */
  flags: number;
  crc: number;
  compressed: number;
  uncompressed: number;
  /** Offset of the member's local header. */
  offset: number;
}

export interface ZipSizes {
  members: number;
  /** Sum of the members' declared uncompressed sizes, in bytes. */
  uncompressed: number;
  compressed: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL_HEADER = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;
const MAX_COMMENT = 0xffff;

function u64(view: DataView, at: number): number {
  return view.getUint32(at + 4, true) * 2 ** 32 + view.getUint32(at, true);
}

/** The declared sizes, or null when the bytes have no readable central directory. */
export function zipSizes(bytes: Uint8Array): ZipSizes | null {
  const members = zipMembers(bytes);
  if (!members) return null;
  let uncompressed = 0;
  let compressed = 0;
  for (const m of members) (uncompressed += m.uncompressed), (compressed += m.compressed);
  return { members: members.length, uncompressed, compressed };
}

/** The central directory's entries, or null when it cannot be read. */
export function zipMembers(bytes: Uint8Array): ZipMember[] | null {
  return readDirectory(bytes)?.members ?? null;
}

/**
 * Whether the archive holds bytes that its directory does not account for: a member hidden
 * between the listed ones, or a listed one whose packed size is understated. A reader that walks
 * the local entries (as read-excel-file streams them) would unzip such bytes unseen by any check
 * made on the directory. Writers leave no gaps, except a data descriptor (12 to 24 bytes) after
 * a member whose flag bit 3 says one follows.
 */
export function hasUnlistedBytes(bytes: Uint8Array, members: ZipMember[]): boolean {
  const directory = readDirectory(bytes)?.directory;
  if (directory === undefined) return true;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sorted = [...members].sort((a, b) => a.offset - b.offset);
  let expected = 0;
  let descriptor = false;
  const fits = (at: number) => at === expected || (descriptor && at - expected >= 12 && at - expected <= 24);
  for (const m of sorted) {
    if (!fits(m.offset) || m.offset + 30 > bytes.byteLength || view.getUint32(m.offset, true) !== LOCAL_HEADER) return true;
    expected = m.offset + 30 + view.getUint16(m.offset + 26, true) + view.getUint16(m.offset + 28, true) + m.compressed;
    descriptor = (m.flags & 8) !== 0;
  }
  return !fits(directory);
}

function readDirectory(bytes: Uint8Array): { members: ZipMember[]; directory: number } | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.byteLength;
  // The end-of-central-directory record: 22 bytes, then a comment of up to 65,535 bytes.
  let eocd = -1;
  for (let at = n - 22; at >= Math.max(0, n - 22 - MAX_COMMENT); at--) {
    if (view.getUint32(at, true) === EOCD) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) return null;
  let members = view.getUint16(eocd + 10, true);
  let directory = view.getUint32(eocd + 16, true);
  if ((members === 0xffff || directory === 0xffffffff) && eocd >= 20 && view.getUint32(eocd - 20, true) === ZIP64_LOCATOR) {
    const record = u64(view, eocd - 20 + 8);
    if (record + 56 > n || view.getUint32(record, true) !== ZIP64_EOCD) return null;
    members = u64(view, record + 32);
    directory = u64(view, record + 48);
  }
  const out: ZipMember[] = [];
  let at = directory;
  for (let k = 0; k < members; k++) {
    if (at + 46 > n || view.getUint32(at, true) !== CENTRAL_HEADER) return null;
    const flags = view.getUint16(at + 8, true);
    const method = view.getUint16(at + 10, true);
    const crc = view.getUint32(at + 16, true);
    let packed = view.getUint32(at + 20, true);
    let size = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    let offset = view.getUint32(at + 42, true);
    if (size === 0xffffffff || packed === 0xffffffff || offset === 0xffffffff) {
      // Zip64: the true sizes are in the extra field 0x0001, uncompressed first, then
      // compressed, then the offset, each only if its 32-bit field is saturated.
      let e = at + 46 + nameLength;
      const end = e + extraLength;
      let found = false;
      while (e + 4 <= end && e + 4 <= n) {
        const id = view.getUint16(e, true);
        const length = view.getUint16(e + 2, true);
        if (id === 0x0001) {
          let f = e + 4;
          if (size === 0xffffffff && f + 8 <= n) (size = u64(view, f)), (f += 8);
          if (packed === 0xffffffff && f + 8 <= n) (packed = u64(view, f)), (f += 8);
          if (offset === 0xffffffff && f + 8 <= n) offset = u64(view, f);
          found = true;
          break;
        }
        e += 4 + length;
      }
      if (!found) return null;
    }
    if (at + 46 + nameLength > n) return null;
    const name = new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength));
    out.push({ name, method, flags, crc, compressed: packed, uncompressed: size, offset });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return { members: out, directory };
}


/** The compressed bytes of a member, or null when its local header cannot be found. */
export function packedBytes(bytes: Buffer, m: ZipMember): { method: number; data: Buffer } | null {
  if (m.offset + 30 > bytes.length || bytes.readUInt32LE(m.offset) !== LOCAL_HEADER) return null;
  const start = m.offset + 30 + bytes.readUInt16LE(m.offset + 26) + bytes.readUInt16LE(m.offset + 28);
  return { method: m.method, data: bytes.subarray(start, start + m.compressed) };
}

/**
 * A member unzipped, at most maxBytes of it: 'too large' beyond that; null when it is neither
 * stored nor deflated, or damaged (the reader then says what is wrong with the file).
 */
export function unzipMember(bytes: Buffer, m: ZipMember, maxBytes: number): Buffer | 'too large' | null {
  const packed = packedBytes(bytes, m);
  if (!packed) return null;
  if (packed.method === 0) return packed.data.length > maxBytes ? 'too large' : packed.data;
  if (packed.method !== 8) return null;
  try {
    // node refuses a maxOutputLength above the largest Buffer (a caller with no cap passes
    // Number.MAX_SAFE_INTEGER): the refusal would read as a damaged member
    return inflateRawSync(packed.data, { maxOutputLength: Math.min(Math.max(1, maxBytes), BUFFER_MAX) });
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ? 'too large' : null;
  }
}
