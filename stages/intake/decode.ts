// What kind of file the provider sent, judged by its bytes rather than its name, and the text of
// a CSV in whichever encoding it came: UTF-8 (with or without a BOM), UTF-16 LE/BE by their BOM
// or, without one, by the zero high bytes of their (mostly ASCII) characters, and otherwise
// windows-1252, the usual encoding of a CSV saved by Excel on Windows, when the
// bytes are not valid UTF-8 (line by line when some lines are and some are not). Node's TextDecoder (full ICU) does the decoding.

export type FileKind = 'empty' | 'zip' | 'ole' | 'encrypted' | 'pdf' | 'text';

export function sniffKind(bytes: Uint8Array): FileKind {
  if (bytes.length === 0) return 'empty';
  const starts = (...sig: number[]) => sig.every((b, i) => bytes[i] === b);
  if (starts(0x50, 0x4b, 0x03, 0x04) || starts(0x50, 0x4b, 0x05, 0x06)) return 'zip';
  // Excel 97-2003 .xls, or a password-protected .xlsx, which Excel wraps in the same container
  if (starts(0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1)) return hasEncryptedPackage(bytes) ? 'encrypted' : 'ole';
  if (starts(0x25, 0x50, 0x44, 0x46, 0x2d)) return 'pdf';
  return 'text';
}

/** 'utf-8 and windows-1252': lines of both, as when rows from two exports are pasted into one file. */
const ENCRYPTED_PACKAGE = Buffer.from('EncryptedPackage\0', 'utf16le');

/**
 * Whether a compound file (MS-CFB) holds the EncryptedPackage stream of an encrypted Office
 * document (MS-OFFCRYPTO). Directory entries are 128 bytes, aligned to 128 after the header, and
 * start with the stream's name in UTF-16LE; looking at each aligned slot needs no FAT walk.
 */
function hasEncryptedPackage(bytes: Uint8Array): boolean {
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 512; at + 128 <= data.length; at += 128)
    if (data.readUInt16LE(at + 64) === ENCRYPTED_PACKAGE.length && data.compare(ENCRYPTED_PACKAGE, 0, ENCRYPTED_PACKAGE.length, at, at + ENCRYPTED_PACKAGE.length) === 0) return true;
  return false;
}

export type Encoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252' | 'utf-8 and windows-1252';

export type Decoded = { ok: true; text: string; encoding: Encoding } | { ok: false; why: 'binary' };

/** Share of control characters (other than tab, CR, LF; NUL included) above which text is taken for binary. */
const CONTROL_SHARE = 0.01;

export function decodeText(bytes: Uint8Array): Decoded {
  let encoding: Encoding;
  let text: string;
  let guessed: 'utf-16le' | 'utf-16be' | null;
  if (bytes[0] === 0xff && bytes[1] === 0xfe) [encoding, text] = ['utf-16le', new TextDecoder('utf-16le').decode(bytes)];
  else if (bytes[0] === 0xfe && bytes[1] === 0xff) [encoding, text] = ['utf-16be', new TextDecoder('utf-16be').decode(bytes)];
  else if ((guessed = utf16WithoutBom(bytes))) [encoding, text] = [guessed, new TextDecoder(guessed).decode(bytes)];
  else [encoding, text] = utf8OrWindows1252(bytes);
  if (looksBinary(text)) return { ok: false, why: 'binary' };
  return { ok: true, text, encoding };
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });
const isUtf8 = (bytes: Uint8Array): boolean => {
  try {
    UTF8.decode(bytes);
    return true;
  } catch {
    return false;
  }
};

/**
 * UTF-8 when all of it is (with or without a BOM); otherwise each line in its own encoding: UTF-8
 * where the line is valid UTF-8, else windows-1252. A whole file of windows-1252 comes out as
 * before, and a UTF-8 file with one line pasted in from a windows-1252 export (or one stray byte)
 * keeps every other line's accents right, instead of turning each é of the file into Ã©.
 * Splitting at the byte LF is safe in both encodings; a quoted value's own line ends are rejoined.
 */
function utf8OrWindows1252(bytes: Uint8Array): [Encoding, string] {
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const body = bom ? bytes.subarray(3) : bytes;
  // fatal: invalid UTF-8 throws instead of turning into U+FFFD, which is how we know to fall back.
  if (isUtf8(body)) return ['utf-8', new TextDecoder('utf-8').decode(body)];
  const windows1252 = new TextDecoder('windows-1252');
  const utf8 = new TextDecoder('utf-8');
  const lines: string[] = [];
  let utf8Lines = bom ? 1 : 0; // a BOM says the file was meant as UTF-8
  for (let start = 0; start <= body.length; ) {
    let end = body.indexOf(0x0a, start);
    if (end < 0) end = body.length;
    const line = body.subarray(start, end);
    if (line.some((b) => b >= 0x80) && isUtf8(line)) {
      lines.push(utf8.decode(line));
      utf8Lines++;
    } else lines.push(fixWindows1252(windows1252.decode(line)));
    start = end + 1;
  }
  return [utf8Lines ? 'utf-8 and windows-1252' : 'windows-1252', lines.join('\n')];
}

/**
 * UTF-16 without a byte-order mark (some exporters write it): a CSV's header and most of its
 * values are ASCII, whose UTF-16 high byte is zero, so one side of nearly every byte pair is zero
 * and the other almost never is. Judged on the first 4,096 bytes; at least 16 are needed.
 */
function utf16WithoutBom(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | null {
  const n = Math.min(bytes.length, 4096) & ~1;
  if (n < 16) return null;
  let zeroEven = 0, zeroOdd = 0;
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) zeroEven++;
    if (bytes[i + 1] === 0) zeroOdd++;
  }
  const pairs = n / 2;
  if (zeroOdd >= 0.8 * pairs && zeroEven <= 0.02 * pairs) return 'utf-16le';
  if (zeroEven >= 0.8 * pairs && zeroOdd <= 0.02 * pairs) return 'utf-16be';
  return null;
}

/**
 * Many control characters mean this is not a text file. A stray one (a NUL byte pasted into a
 * surname) is a problem of its row, found when the row is checked, not a reason to refuse the file.
 */
function looksBinary(text: string): boolean {
  let controls = 0;
  const allowed = Math.max(1, text.length * CONTROL_SHARE);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0x7f) if (++controls > allowed) return true;
  }
  return false;
}

// Bytes 0x80-0x9F of windows-1252 (WHATWG index-windows-1252). Node 20.18.3 and later decode
// 'windows-1252' as Latin-1 and return these bytes as C1 control characters instead
// (nodejs/node#56542, #60888), so O’Brien typed in Excel would arrive as O\u0092Brien. Mapping
// the C1 range afterwards is right whether or not the running Node has the bug.
const WINDOWS_1252_C1 = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
];

export function fixWindows1252(text: string): string {
  return text.replace(/[\u0080-\u009f]/g, (c) => String.fromCharCode(WINDOWS_1252_C1[c.charCodeAt(0) - 0x80]!));
}
