// The small pure pieces of intake, checked against independent references: JavaScript's own
// calendar, published Excel serial numbers, the MoJ's PNC test vectors, byte-level encodings.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ageOn, calendarDateFormat, excelSerialToIso, parseDate } from '../../stages/intake/dates.ts';
import { decodeText, sniffKind } from '../../stages/intake/decode.ts';
import { columnLetter, columnsMessage, headerWords, mapColumns } from '../../stages/intake/headers.ts';
import { loadSchemas } from '../../stages/intake/schemas.ts';
import { nameKey } from '../../stages/intake/names.ts';
import { normalisePnc, pncCheckLetter, pncCheckLetterFits } from '../../stages/intake/pnc.ts';
import { chooseSeparator } from '../../stages/intake/read-table.ts';
import { neutraliseFormula } from '../../stages/intake/write-outputs.ts';
import { zipSizes } from '../../stages/intake/zip-sizes.ts';
import { zipSync } from 'fflate';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { parseCsv } from '../../stages/intake/csv.ts';
import { entryAt, readRegularFile } from '../../stages/intake/regular-file.ts';
import { PLACEHOLDER } from '../../stages/intake/validate-rows.ts';
import { formulasWithoutValues } from '../../stages/intake/xlsx-formulas.ts';
import { withoutBlankRows } from '../../stages/intake/xlsx-blank-rows.ts';
import { openWorkbook, type FirstSheet } from '../../stages/intake/xlsx-sheet.ts';
import { storedZip } from '../../stages/intake/xlsx-repack.ts';
import { tagsEnd } from '../../stages/intake/xml-tags.ts';
import { zipMembers } from '../../stages/intake/zip-sizes.ts';
import { readdirSync } from 'node:fs';
import { readSheet } from 'read-excel-file/node';

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
  // Also where a spreadsheet splitting at , ; tab or a line end would start a cell inside the value.
  assert.is(neutraliseFormula('1990;=cmd|x'), "1990;'=cmd|x");
  assert.is(neutraliseFormula('a,+1\tb\n-c"@d'), "a,'+1\tb\n'-c\"'@d");
});

test('header words and column letters', () => {
  assert.is(headerWords('  Date_of-Birth (dd/mm/yyyy)* '), 'date of birth');
  assert.is(headerWords('Surname/Last name'), 'surname/last name');
  assert.equal([0, 25, 26, 27, 701, 702].map(columnLetter), ['A', 'Z', 'AA', 'AB', 'ZZ', 'AAA']);
});

/** A small seeded generator (mulberry32), so every run checks the same cases. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('the CSV reader gives back exactly the records written, with any mix of line endings, on 300 seeds', () => {
  const alphabet = ['a', 'B', ' ', ',', ';', '"', '\n', '\r\n', '\r', 'é', "'"];
  for (let seed = 1; seed <= 300; seed++) {
    const rnd = random(seed);
    const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;
    const sep = pick([',', ';', '\t', '|']);
    const width = 1 + Math.floor(rnd() * 5);
    const records: string[][] = Array.from({ length: 1 + Math.floor(rnd() * 30) }, () =>
      Array.from({ length: width }, () => Array.from({ length: Math.floor(rnd() * 6) }, () => pick(alphabet)).join('')),
    );
    records[0] = records[0]!.map((v, j) => `h${j}${v.replace(/[^a-zA-Z]/g, '')}`); // a header with no blank cells
    const quoteIfNeeded = (v: string) => (/["\r\n]/.test(v) || v.includes(sep) ? `"${v.replace(/"/g, '""')}"` : v);
    // An empty line ending LF right after a line ending CR would be one CRLF: never written so.
    let previous = '';
    const line = (r: string[]) => {
      const body = r.map(quoteIfNeeded).join(sep);
      previous = pick(body === '' && previous === '\r' ? ['\r', '\r\n'] : ['\n', '\r\n', '\r']);
      return body + previous;
    };
    const text = records.map(line).join('');
    const parsed = parseCsv(text, sep, 1_000);
    assert.ok(parsed.ok, `seed ${seed}`);
    if (!parsed.ok) continue;
    assert.equal(parsed.header, records[0], `seed ${seed}`);
    const nonBlank = records.slice(1).map((cells, i) => ({ row: i + 2, cells })).filter((r) => r.cells.some((v) => v.trim() !== ''));
    assert.equal(parsed.rows, nonBlank, `seed ${seed}`);
  }
});

test('on files with one line ending, the CSV reader agrees with csv-parse record for record', () => {
  for (let seed = 1; seed <= 100; seed++) {
    const rnd = random(seed * 7919);
    const eol = ['\n', '\r\n'][seed % 2]!;
    const cell = () => (rnd() < 0.3 ? `"x${eol}y, ""z"""` : rnd() < 0.5 ? `v${Math.floor(rnd() * 100)}` : 'a"b');
    const rows = Array.from({ length: 20 }, () => Array.from({ length: 4 }, cell));
    const text = rows.map((r) => r.join(',')).join(eol) + eol;
    const ours = parseCsv(text, ',', 1_000);
    const theirs = parse(text, { relax_quotes: true, relax_column_count: true, bom: false }) as string[][];
    assert.ok(ours.ok);
    if (ours.ok) assert.equal([ours.header, ...ours.rows.map((r) => r.cells)], theirs, `seed ${seed}`);
  }
});

test('CSV reader: blank rows count in row numbers, line endings are named, an unclosed quote gives its row, maxRows stops', () => {
  const mixed = parseCsv('h1,h2\na,b\r\n\r\n,\rc,d\r', ',', 10);
  assert.equal(mixed, { ok: true, header: ['h1', 'h2'], rows: [{ row: 2, cells: ['a', 'b'] }, { row: 5, cells: ['c', 'd'] }], lineEndings: 'mixed' });
  assert.is((parseCsv('h\r\nx\r\n', ',', 10) as { lineEndings: string }).lineEndings, 'crlf');
  assert.is((parseCsv('h\rx', ',', 10) as { lineEndings: string }).lineEndings, 'cr');
  // Excel keeps text after a closing quote; a quote inside an unquoted value is a character.
  assert.equal((parseCsv('h,i\n"ab"cd,x"y\n', ',', 10) as { rows: unknown[] }).rows, [{ row: 2, cells: ['abcd', 'x"y'] }]);
  assert.equal(parseCsv('h\na\nb\n"c\nd\n', ',', 10), { ok: false, unclosedQuoteRow: 4 });
  assert.equal(parseCsv('h\na\n\n\nb\nc\n', ',', 2), { ok: false, tooManyRows: 2 });
  assert.is((parseCsv('h\na\n\n\nb\n', ',', 2) as { rows: unknown[] }).rows.length, 2);
  // A million blank lines: one header, no rows, and the row number of the last line is right.
  const blank = parseCsv('h1,h2\n' + '\n'.repeat(1_000_000) + 'x,y\n', ',', 10);
  assert.equal(blank.ok && blank.rows, [{ row: 1_000_002, cells: ['x', 'y'] }]);
});

test('decoding: one NUL byte in a text file is not binary (it is a problem of its row); many are', () => {
  const text = 'surname,forename\nSmi\u0000th,Ada\n' + 'Jones,Bob\n'.repeat(20);
  assert.equal(decodeText(Buffer.from(text)), { ok: true, text, encoding: 'utf-8' });
  assert.equal(decodeText(Buffer.from('abc\u0000'.repeat(10))), { ok: false, why: 'binary' });
});

test('placeholders for no value: NULL, N/A and the like; real names such as Na, Nan and Nil are not', () => {
  for (const v of ['NULL', 'null', 'Null', 'N/A', 'n/a', '#N/A', 'N.A.', 'none', 'Unknown', 'not known', '-', '--', '?']) assert.ok(PLACEHOLDER.test(v), v);
  for (const v of ['Na', 'NA', 'Nan', 'Nil', 'Nullo', 'Ann', 'Knowles', 'A-N']) assert.not.ok(PLACEHOLDER.test(v), v);
});

test('only regular files are read: a device, a folder or a link is refused without being read', async () => {
  assert.equal(await entryAt('/dev/zero'), { kind: 'other', what: 'a device, not a file' });
  assert.equal(await readRegularFile('/dev/zero', 10), { ok: false, what: 'a device, not a file' }); // never reads forever
  assert.equal(await readRegularFile('/', 10), { ok: false, what: 'a folder, not a file' });
  assert.equal(await entryAt('/no/such/file'), { kind: 'absent' });
  assert.equal(await readRegularFile('/proc/self/exe', 10), { ok: false, what: 'a symbolic link (a shortcut to another file), not the file itself' });
});

/** The first sheet of a workbook, as intake unzips it. */
function firstSheet(bytes: Buffer): FirstSheet {
  const opened = openWorkbook(bytes, zipMembers(bytes)!, 2 ** 28);
  assert.ok(!opened.tooLarge && !opened.damaged && opened.sheet);
  return (opened as { sheet: FirstSheet }).sheet;
}

test('formulas without saved values are found by cell, in the first sheet only', () => {
  const dir = fileURLToPath(new URL('../fixtures/intake/files/', import.meta.url));
  assert.equal(formulasWithoutValues(firstSheet(readFileSync(dir + 'formula-without-value.xlsx')).xml), [{ row: 3, column: 1 }]);
  assert.equal(formulasWithoutValues(firstSheet(readFileSync(dir + 'formula-text-without-value.xlsx')).xml), [{ row: 3, column: 1 }, { row: 5, column: 2 }]);
  assert.equal(formulasWithoutValues(firstSheet(readFileSync(dir + 'good.xlsx')).xml), []);
});

test('the console names the columns: missing by template name, unknown or doubled by letter and heading (when it reads as a name)', async () => {
  const schemas = await loadSchemas(fileURLToPath(new URL('../../stages/intake/', import.meta.url)));
  const map = (header: string[]) => mapColumns(header, () => true, schemas.fields, schemas.mandatory, schemas.atLeastOne);
  assert.is(
    columnsMessage(map(['surname', 'forename', 'dob', 'Last name', 'Home address', '12 High St', 'index date'])),
    'column D ("Last name") is a second column for surname; column E ("Home address") is not a template column; column F is not a template column; no gender column',
  );
  assert.is(columnsMessage(map(['surname', 'forename', 'dob', 'gender'])), 'no index_date, conviction_date, intervention_start_date column (at least one is needed)');
  // One recognised heading is not enough to trust the row as a header: other cells may be values.
  assert.is(columnsMessage(map(['Quillfeather', 'gender'])), 'column A is not a template column; no surname column; no forename column; no dob column; no index_date, conviction_date, intervention_start_date column (at least one is needed)');
});

test('blank rows taken out of a workbook: the reader sees the same cells at the same row numbers', async () => {
  const dir = fileURLToPath(new URL('../fixtures/intake/files/', import.meta.url));
  const nonBlank = (rows: unknown[][]) => rows.map((cells, i) => [i + 1, cells] as const).filter(([, cells]) => cells.some((c) => c !== null && c !== ''));
  /** What intake hands the reader: the unzipped members zipped again, with the sheet's blank rows out. */
  const repacked = (bytes: Buffer): Buffer | null => {
    const opened = openWorkbook(bytes, zipMembers(bytes)!, 2 ** 28);
    if (opened.tooLarge || opened.damaged || !opened.sheet) return null;
    const compact = withoutBlankRows(opened.sheet.xml);
    if (!compact) return null;
    return storedZip(new Map([...opened.parts, [opened.sheet.member.name, compact]]));
  };
  let compacted = 0;
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.xlsx')).sort()) {
    const bytes = readFileSync(dir + name);
    if (!zipMembers(bytes) || name.startsWith('zip-bomb') || name.startsWith('formula-text')) continue; // refused before the reader
    const compact = repacked(bytes);
    if (!compact) continue; // no blank rows, or not a workbook (zip-not-xlsx.xlsx ...)
    compacted++;
    assert.equal(nonBlank(await readSheet(compact, 1, { trim: false })), nonBlank(await readSheet(bytes, 1, { trim: false })), name);
  }
  assert.ok(compacted >= 1, 'blank-rows.xlsx has blank rows to take out');
  const rows = nonBlank(await readSheet(repacked(readFileSync(dir + 'blank-rows.xlsx'))!, 1, { trim: false }));
  assert.equal(rows.map(([n]) => n), [1, 2, 3, 4, 5, 1006, 1007, 1008, 1009]);
});

test('the members intake unzipped, zipped again, read the same as the upload', async () => {
  const dir = fileURLToPath(new URL('../fixtures/intake/files/', import.meta.url));
  for (const name of ['good.xlsx', 'bad-rows.xlsx', 'missing-column.xlsx', 'formula-without-value.xlsx']) {
    const bytes = readFileSync(dir + name);
    const opened = openWorkbook(bytes, zipMembers(bytes)!, 2 ** 28);
    assert.ok(!opened.tooLarge && !opened.damaged);
    if (opened.tooLarge || opened.damaged) continue;
    assert.equal(await readSheet(storedZip(opened.parts), 1, { trim: false }), await readSheet(bytes, 1, { trim: false }), name);
  }
});

test('XML tags end before the next begins; comments, CDATA and > inside attribute values are allowed', () => {
  for (const ok of ['<a><b x="1>2"/>text</a>', '<?xml version="1.0"?><a><!-- <b <c --><![CDATA[<<]]></a>', 'no tags', ''])
    assert.ok(tagsEnd(Buffer.from(ok)), ok);
  for (const bad of ['<a <b>', '<a', '<a><!-- never closed', '<a><![CDATA[ <', '<row r="1" <c r="A1" <f>'])
    assert.not.ok(tagsEnd(Buffer.from(bad)), bad);
});

test.run();
