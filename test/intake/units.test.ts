// The small pure pieces of intake, checked against independent references: JavaScript's own
// calendar, published Excel serial numbers, the MoJ's PNC test vectors, byte-level encodings.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ageOn, calendarDateFormat, excelSerialToIso, parseDate } from '../../stages/intake/dates.ts';
import { decodeText, sniffKind } from '../../stages/intake/decode.ts';
import { columnLetter, headerWords } from '../../stages/intake/headers.ts';
import { nameKey } from '../../stages/intake/names.ts';
import { normalisePnc, pncCheckLetter, pncCheckLetterFits } from '../../stages/intake/pnc.ts';
import { chooseSeparator } from '../../stages/intake/read-table.ts';
import { neutraliseFormula } from '../../stages/intake/write-outputs.ts';
import { zipSizes } from '../../stages/intake/zip-sizes.ts';
import { zipSync } from 'fflate';

test('parseDate agrees with the JavaScript calendar on every day-month of several years', () => {
  for (const y of [1900, 1999, 2000, 2001, 2024, 2100]) {
    for (let m = 1; m <= 12; m++) {
      for (let d = 0; d <= 32; d++) {
        const real = d >= 1 && new Date(Date.UTC(y, m - 1, d)).getUTCDate() === d;
        const iso = `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
        assert.is(parseDate(`${d}/${m}/${y}`), real ? iso : null, `${d}/${m}/${y}`);
        assert.is(parseDate(iso), real ? iso : null, iso);
        assert.is(calendarDateFormat(`${d}/${m}/${y}`), real);
      }
    }
  }
  for (const s of ['1/2/90', '01-02-1990', '1990/02/01', '3 Feb 1990', '', '1990-2-3']) assert.is(parseDate(s), null, s);
});

test('Excel serial numbers (1900 system) map to the dates Excel shows', () => {
  // Reference values from Excel: 1 = 1900-01-01, 59 = 1900-02-28, 61 = 1900-03-01, 36526 = 2000-01-01, 45292 = 2024-01-01.
  assert.is(excelSerialToIso(1), '1900-01-01');
  assert.is(excelSerialToIso(59), '1900-02-28');
  assert.is(excelSerialToIso(61), '1900-03-01');
  assert.is(excelSerialToIso(36526), '2000-01-01');
  assert.is(excelSerialToIso(45292), '2024-01-01');
  assert.is(excelSerialToIso(45292.75), '2024-01-01');
  for (const bad of [0, -5, Number.NaN, 3e6]) assert.is(excelSerialToIso(bad), null);
});

test('ageOn counts whole years, birthdays included', () => {
  assert.is(ageOn('2009-02-02', '2019-02-01'), 9);
  assert.is(ageOn('2009-02-02', '2019-02-02'), 10);
  assert.is(ageOn('2000-02-29', '2019-02-28'), 18);
  assert.is(ageOn('2000-02-29', '2019-03-01'), 19);
});

test('PNC check letter: the MoJ validator test vectors pass, every other letter fails', () => {
  for (const id of ['2001/0171310W', '2011/0275516Q', '2008/0056560Z', '2003/0062845E', '1981/0154257C']) {
    assert.ok(pncCheckLetterFits(id), id);
    for (const other of 'ABCDEFGHJKLMNPQRTUVWXYZ'.replace(id.at(-1)!, '')) assert.not.ok(pncCheckLetterFits(id.slice(0, -1) + other), id + other);
  }
  // Short forms: two-digit year, serial without leading zeros.
  assert.ok(pncCheckLetterFits('01/171310W'));
  assert.is(pncCheckLetter('08', '56560'), 'Z');
  assert.is(normalisePnc('01/171310W', 2024), '2001/0171310W');
  assert.is(normalisePnc('81/154257C', 2024), '1981/0154257C');
  assert.is(normalisePnc('24/1C', 2024), '2024/0000001C');
  assert.is(normalisePnc('25/1C', 2024), '1925/0000001C');
});

test('name keys: only A-Z and single spaces', () => {
  const cases: [string, string][] = [
    ["  O'Brien ", 'OBRIEN'], ['O’Brien', 'OBRIEN'], ['Smith-Jones', 'SMITH JONES'], ['Zoë', 'ZOE'], ['Renée', 'RENEE'], ['Müller', 'MULLER'],
    ['Łódź', 'LODZ'], ['Søren', 'SOREN'], ['Straße', 'STRASSE'], ['Æthelred', 'AETHELRED'], ['St. John  Smythe', 'ST JOHN SMYTHE'], ['Иванова', ''],
  ];
  for (const [name, key] of cases) {
    assert.is(nameKey(name), key, name);
    assert.match(nameKey(name), /^(?:[A-Z]+(?: [A-Z]+)*)?$/);
  }
});

test('decoding: BOMs, UTF-16 without BOM, UTF-8, windows-1252 fallback (including 0x80-0x9F), binary', () => {
  const text = 'surname\nZoë O’Brien €5\n';
  const le = decodeText(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
  assert.equal(le, { ok: true, text, encoding: 'utf-16le' });
  const beBytes = Buffer.from(text, 'utf16le');
  for (let i = 0; i < beBytes.length; i += 2) [beBytes[i], beBytes[i + 1]] = [beBytes[i + 1]!, beBytes[i]!];
  assert.equal(decodeText(Buffer.concat([Buffer.from([0xfe, 0xff]), beBytes])), { ok: true, text, encoding: 'utf-16be' });
  assert.equal(decodeText(Buffer.from(text, 'utf8')), { ok: true, text, encoding: 'utf-8' });
  // windows-1252 bytes written by hand: ë = EB, ’ = 92, € = 80.
  const cp = Buffer.from([...Buffer.from('surname\nZo'), 0xeb, 0x20, 0x4f, 0x92, ...Buffer.from('Brien '), 0x80, 0x35, 0x0a]);
  assert.equal(decodeText(cp), { ok: true, text, encoding: 'windows-1252' });
  // UTF-16 without a BOM, told by where the zero bytes are; too short to tell, or zeros on both
  // sides, is binary.
  const csvText = 'surname,forename,dob\r\nZoë,Ada,1990-01-02\r\n';
  assert.equal(decodeText(Buffer.from(csvText, 'utf16le')), { ok: true, text: csvText, encoding: 'utf-16le' });
  const be = Buffer.from(csvText, 'utf16le');
  for (let i = 0; i < be.length; i += 2) [be[i], be[i + 1]] = [be[i + 1]!, be[i]!];
  assert.equal(decodeText(be), { ok: true, text: csvText, encoding: 'utf-16be' });
  assert.equal(decodeText(Buffer.from([0x61, 0x00, 0x62, 0x00])), { ok: false, why: 'binary' });
  assert.equal(decodeText(Buffer.from(Array.from({ length: 64 }, (_, i) => (i % 3 === 0 ? 0 : 0x41 + (i % 26))))), { ok: false, why: 'binary' });
  assert.is(sniffKind(Buffer.from('PK\x03\x04rest', 'latin1')), 'zip');
  assert.is(sniffKind(Buffer.alloc(0)), 'empty');
  assert.is(sniffKind(Buffer.from('a,b\n')), 'text');
});

/**
 * A zip64 archive by the APPNOTE layout: one member whose sizes are 0xFFFFFFFF in its central
 * header and given in a zip64 extra field, then the zip64 end record, its locator, and an end
 * record whose counts are saturated.
 */
function zip64Declaring(size: number): Uint8Array {
  const name = new TextEncoder().encode('sheet.xml');
  const bytes = new Uint8Array(46 + name.length + 20 + 56 + 20 + 22);
  const v = new DataView(bytes.buffer);
  const u64 = (at: number, x: number) => (v.setUint32(at, x % 2 ** 32, true), v.setUint32(at + 4, Math.floor(x / 2 ** 32), true));
  v.setUint32(0, 0x02014b50, true);
  v.setUint32(20, 0xffffffff, true);
  v.setUint32(24, 0xffffffff, true);
  v.setUint16(28, name.length, true);
  v.setUint16(30, 20, true);
  bytes.set(name, 46);
  let at = 46 + name.length;
  v.setUint16(at, 0x0001, true);
  v.setUint16(at + 2, 16, true);
  u64(at + 4, size);
  u64(at + 12, 1234);
  at += 20;
  const record = at;
  v.setUint32(at, 0x06064b50, true);
  u64(at + 24, 1);
  u64(at + 32, 1);
  u64(at + 40, record);
  u64(at + 48, 0);
  at += 56;
  v.setUint32(at, 0x07064b50, true);
  u64(at + 8, record);
  at += 20;
  v.setUint32(at, 0x06054b50, true);
  v.setUint16(at + 8, 0xffff, true);
  v.setUint16(at + 10, 0xffff, true);
  v.setUint32(at + 12, 0xffffffff, true);
  v.setUint32(at + 16, 0xffffffff, true);
  return bytes;
}

test('zip sizes are read from the central directory without unzipping, and unreadable directories give null', () => {
  const members = { 'a.xml': new Uint8Array(100_000), 'b/c.txt': new TextEncoder().encode('hello'), 'empty': new Uint8Array(0) };
  const zip = zipSync(members, { level: 9 });
  const sizes = zipSizes(zip);
  assert.equal(sizes && { members: sizes.members, uncompressed: sizes.uncompressed }, { members: 3, uncompressed: 100_005 });
  assert.ok(sizes!.compressed < 1000, `compressed ${sizes!.compressed}`);
  // With an archive comment after the directory, and inside a larger buffer (byteOffset != 0).
  const commented = zipSync(members, { comment: 'x'.repeat(300) } as never);
  const padded = new Uint8Array(commented.length + 7);
  padded.set(commented, 7);
  assert.is(zipSizes(padded.subarray(7))!.uncompressed, 100_005);
  // A member whose declared size is forged upwards is what the guard sees.
  const forged = Uint8Array.from(zip);
  const view = new DataView(forged.buffer);
  const directory = view.getUint32(forged.length - 22 + 16, true);
  view.setUint32(directory + 24, 0xfffffff0, true);
  assert.is(zipSizes(forged)!.uncompressed, 0xfffffff0 + 5);
  assert.is(zipSizes(zip.subarray(0, zip.length - 30)), null, 'truncated: no end record');
  assert.is(zipSizes(zip64Declaring(5 * 2 ** 30))!.uncompressed, 5 * 2 ** 30, 'zip64 sizes in the extra field');
  assert.is(zipSizes(new TextEncoder().encode('reference,surname\n')), null);
});

test('separator: the commonest of , ; tab | in the header line, outside quotes', () => {
  assert.is(chooseSeparator('a,b,c\n1;2;3;4;5\n'), ',');
  assert.is(chooseSeparator('a;b;c\n'), ';');
  assert.is(chooseSeparator('a\tb\tc'), '\t');
  assert.is(chooseSeparator('a|b|c\r\n'), '|');
  assert.is(chooseSeparator('"a;b;c",d\n'), ',');
  assert.is(chooseSeparator('single\n'), ',');
});

test('formula neutralising: = + - @ tab CR get a leading quote, nothing else changes', () => {
  for (const v of ['=HYPERLINK("http://x","y")', '+1', '-2', '@SUM(A1)', '\tx', '\rx']) assert.is(neutraliseFormula(v), `'${v}`);
  for (const v of ['Smith', "O'Brien", ' =x', '']) assert.is(neutraliseFormula(v), v);
});

test('header words and column letters', () => {
  assert.is(headerWords('  Date_of-Birth (dd/mm/yyyy)* '), 'date of birth');
  assert.is(headerWords('Surname/Last name'), 'surname/last name');
  assert.equal([0, 25, 26, 27, 701, 702].map(columnLetter), ['A', 'Z', 'AA', 'AB', 'ZZ', 'AAA']);
});

test.run();
