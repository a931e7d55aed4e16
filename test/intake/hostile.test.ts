// Hostile and odd uploads that we did not generate: each probe is a real file in a temp request
// folder, run through the intake stage. Each was found to crash, mislead or leak before its fix.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import writeXlsxFile from 'write-excel-file/node';
import { FIXTURES, HEADER, baseRequest, csvText, kinds, people, readParquet, readRejections, requestFolder, rowsOf, runIntake } from './helpers.ts';

const PARAMS = { minPeople: 5 };
const good = (n = 10) => csvText([HEADER, ...people(n)]);

test('a header of 200,000 unknown columns is refused by column, not by a stack overflow, and the message stays short', async () => {
  const text = good().replace('notes\n', `notes${',extra'.repeat(200_000)}\n`);
  const run = await runIntake(requestFolder({ 'cohort.csv': text }), PARAMS);
  assert.is(run.summary.status, 'rejected');
  assert.ok(kinds(run.summary).has('unknown_column'));
  const stop = run.result!.stop!;
  assert.ok(stop.length < 2_000, `${stop.length} characters of console message`);
  assert.match(stop, /column N \("extra"\) is not a template column.* and 199,990 more columns/);
});

test('a row with 200,000 values beyond the last column is one problem of that row', async () => {
  const lines = good().split('\n');
  lines[3] += ',x'.repeat(200_000);
  const run = await runIntake(requestFolder({ 'cohort.csv': lines.join('\n') }), PARAMS);
  assert.is(run.summary.status, 'accepted', JSON.stringify(run.summary.reasons));
  assert.equal(rowsOf(run.summary, 'extra_values'), [4]);
  const lines4 = readRejections(run.outputs.rejections!).filter((r) => r.row === '4');
  assert.is(lines4.length, 1);
  assert.match(lines4[0]!.problem, /200,000 values beyond the last column/);
});

// --- dates ---

test('a column written month first (as a spreadsheet set to US dates saves it) refuses the request; one such date among day-first ones is that row\'s problem', async () => {
  const rows = people(70);
  const dob = HEADER.indexOf('dob');
  // the whole column month first: 02/13/1990 is 13 February, 05/04/1990 read day first would be 5 April
  const usRows = rows.map((r) => r.map((v, j) => (j === dob ? v.replace(/^(\d\d)\/(\d\d)/, '$2/$1') : v)));
  const us = await runIntake(requestFolder({ 'cohort.csv': csvText([HEADER, ...usRows]) }), PARAMS);
  assert.ok(rowsOf(us.summary, 'month_first_date').length > 20, JSON.stringify(rowsOf(us.summary, 'month_first_date')));
  assert.is(us.summary.status, 'rejected');
  assert.match(us.result!.stop!, /dob: \d+ dates are written month first \(mm\/dd\/yyyy\) and only 0 day first, so the others of that column may be month first too/);
  // one typo in a day-first column: that row's date is named, the request goes on
  rows[0]![dob] = '02/13/1990';
  const run = await runIntake(requestFolder({ 'cohort.csv': csvText([HEADER, ...rows]) }), PARAMS);
  assert.equal(rowsOf(run.summary, 'month_first_date'), [2]);
  assert.is(run.summary.status, 'accepted');
  // 31/04/1990 is not real either way: only not a real date.
  rows[0]![dob] = '31/04/1990';
  const other = await runIntake(requestFolder({ 'cohort.csv': csvText([HEADER, ...rows]) }), PARAMS);
  assert.equal(rowsOf(other.summary, 'not_a_real_date'), [2]);
  assert.is(other.summary.status, 'accepted');
});

// --- quotes ---

test('a stray quote that swallows the rows after it refuses the request, naming the row and field, instead of losing people silently', async () => {
  for (const [column, at] of [['surname', /,(Imag)/], ['notes', /,$/]] as const) {
    const lines = csvText([HEADER, ...people(80)]).split('\n');
    lines[5] = lines[5]!.replace(at, (m) => (column === 'notes' ? ',"see file' : `,"${m.slice(1)}`)); // row 6 opens a quote
    lines[40] = lines[40]!.replace(/,Fict/, ',Fict"'); // row 41 closes it: rows 7 to 41 were read into row 6
    const run = await runIntake(requestFolder({ 'cohort.csv': lines.join('\n') }), PARAMS);
    assert.is(run.summary.status, 'rejected', `${column}: ${JSON.stringify(run.summary.counts)}`);
    assert.equal(rowsOf(run.summary, 'quote_spans_rows'), [6], column);
    assert.is(run.summary.problems.find((p) => p.kind === 'quote_spans_rows')!.field, column);
    assert.match(run.result!.stop!, new RegExp(`row 6, ${column}: runs over 36 lines`));
  }
  // The next row swallowed: one person would be lost.
  const next = csvText([HEADER, ...people(10)]).split('\n');
  next[5] = next[5]!.replace(/,Imag/, ',"Imag');
  next[6] = next[6]!.replace(/,Imag/, ',Imag"');
  const one = await runIntake(requestFolder({ 'cohort.csv': next.join('\n') }), PARAMS);
  assert.equal(rowsOf(one.summary, 'quote_spans_rows'), [6]);
  // A note over several lines, and a name over two, quoted properly, are no sign of that.
  const rows = people(10);
  rows[3]![HEADER.indexOf('notes')] = 'Met twice,\nthen moved away; see file.';
  rows[4]![HEADER.indexOf('forename')] = 'Anna\nMaria';
  const fine = await runIntake(requestFolder({ 'cohort.csv': csvText([HEADER, ...rows]) }), PARAMS);
  assert.is(fine.summary.status, 'accepted', JSON.stringify(fine.summary.problems));
  assert.equal(fine.summary.problems.map((p) => p.kind), ['not_a_name']);
});

// --- headers ---

test('headings with non-breaking, zero-width or ideographic spaces (pasted from a web page or Word) are recognised', async () => {
  const header = [...HEADER];
  header[HEADER.indexOf('dob')] = 'Date\u00a0of\u00a0Birth';
  header[HEADER.indexOf('surname')] = '\u200bLast\u2009name\u00a0';
  header[HEADER.indexOf('intervention_start_date')] = 'Intervention\u3000start\u202fdate';
  header[HEADER.indexOf('gender')] = '\ufeffGender'; // a byte-order mark left by pasting two files together
  const run = await runIntake(requestFolder({ 'cohort.csv': csvText([header, ...people(10)]) }), PARAMS);
  assert.is(run.summary.status, 'accepted', JSON.stringify(run.summary.problems));
  assert.is(run.summary.counts.usable, 10);
});

test('a CSV starting with Excel\'s "sep=;" line: that separator, and row numbers as Excel shows them (the line hidden)', async () => {
  const rows = people(10);
  rows[2]![HEADER.indexOf('gender')] = 'X'; // the third person: row 4 in Excel
  for (const [sep, eol] of [[';', '\r\n'], ['\t', '\n'], [',', '\r\n']]) {
    const text = `sep=${sep}${eol}` + csvText([HEADER, ...rows], sep).replace(/\n/g, eol);
    const run = await runIntake(requestFolder({ 'cohort.csv': text }), PARAMS);
    assert.is(run.summary.status, 'accepted', `${JSON.stringify(sep)}: ${JSON.stringify(run.summary.problems)}`);
    assert.equal(rowsOf(run.summary, 'not_a_gender'), [4]);
    assert.is(run.summary.counts.usable, 9);
  }
});

// --- encodings ---

/** A UTF-8 cohort with accented names, and one more person whose line was pasted in from a windows-1252 file (é as the byte E9). */
function utf8WithOneWindows1252Line(bom: boolean): Buffer {
  const rows = people(10);
  rows[0]![HEADER.indexOf('surname')] = 'Zoëfield';
  rows[1]![HEADER.indexOf('surname')] = 'Renée';
  const pasted = people(1, 10)[0]!;
  pasted[HEADER.indexOf('surname')] = 'M\u00e9la';
  return Buffer.concat([
    Buffer.from(bom ? [0xef, 0xbb, 0xbf] : []),
    Buffer.from(csvText([HEADER, ...rows]), 'utf8'),
    Buffer.from(csvText([pasted]), 'latin1'), // é -> E9, invalid as UTF-8
  ]);
}

for (const bom of [false, true]) {
  test(`a UTF-8 file${bom ? ' with a BOM' : ''} with one line in windows-1252: every line read in its own encoding`, async () => {
    const run = await runIntake(requestFolder({ 'cohort.csv': utf8WithOneWindows1252Line(bom) }), PARAMS);
    assert.is(run.summary.status, 'accepted', JSON.stringify(run.summary.problems));
    assert.equal(run.summary.problems, [], 'no row problems made up by decoding the whole file as windows-1252');
    assert.is(run.summary.file.encoding, 'utf-8 and windows-1252');
    const surnames = (await readParquet(run.outputs.cohort!)).map((r) => r.surname);
    assert.equal([surnames[0], surnames[1], surnames[10]], ['Zoëfield', 'Renée', 'Méla']);
  });
}

test('a request form saved by Notepad as "Unicode" (UTF-16) or in windows-1252 is read, accents and all', async () => {
  const form = JSON.stringify({ ...baseRequest(), organisation: { name: 'Café Zoë Trust', description: 'An invented charity.' } });
  for (const [encoding, bytes] of [
    ['utf-16le', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(form, 'utf16le')])],
    ['windows-1252', Buffer.from(form, 'latin1')],
  ] as const) {
    const run = await runIntake(requestFolder({ 'cohort.csv': good(), 'request.json': bytes }, null), PARAMS);
    assert.is(run.summary.status, 'accepted', `${encoding}: ${JSON.stringify(run.summary.problems)}`);
    assert.is(JSON.parse(readFileSync(run.outputs.request!, 'utf8')).organisation.name, 'Café Zoë Trust', encoding);
  }
  // Read the same way where it decides that a request sent by e-mail is deleted on receipt, unread.
  const email = JSON.stringify({ ...baseRequest(), transfer_channel: 'email' });
  const run = await runIntake(requestFolder({ 'cohort.csv': good(), 'request.json': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(email, 'utf16le')]) }, null), PARAMS);
  assert.ok((run.summary as unknown as { deleted_on_receipt?: unknown }).deleted_on_receipt, JSON.stringify(run.summary));
  assert.not.ok(existsSync(run.outputs.rejections!), 'no rejection file quotes the values of a request deleted on receipt');
});

test('an unknown key in request.json that is not a plain field name is not quoted in the summary (it may be personal)', async () => {
  const form = { ...baseRequest(), contact: { name: 'A. Contact', email: 'contact@example.org', 'Quillfeather mobile 07700 900123': true }, notes: 'x' };
  const run = await runIntake(requestFolder({ 'cohort.csv': good() }, form), PARAMS);
  assert.is(run.summary.status, 'rejected');
  const fields = run.summary.problems.filter((p) => p.kind === 'request_invalid').map((p) => p.field).sort();
  assert.equal(fields, ['request.json: contact.(a field not in the form)', 'request.json: notes']);
  assert.not.ok(`${run.summaryText}\n${run.notes.join('\n')}\n${run.result!.stop}`.includes('Quillfeather'));
  // The provider is told which key in the rejection file, which may quote it.
  assert.ok(readRejections(run.outputs.rejections!).some((r) => r.value === 'Quillfeather mobile 07700 900123'));
});

// --- the rejection file, opened in a spreadsheet ---

test('a formula after a ; or tab inside a value is neutralised too: Excel in a ;-list locale splits cells there', async () => {
  const rows = people(10);
  const dob = HEADER.indexOf('dob');
  rows[0]![dob] = "01/01/1990;=cmd|' /C calc'!A0";
  rows[1]![dob] = '02/02/1990\t+SUM(1)';
  rows[2]![dob] = '03/03/1990;;@SUM(1)';
  rows[3]![dob] = '=1+1;-2';
  const run = await runIntake(requestFolder({ 'cohort.csv': csvText([HEADER, ...rows]) }), PARAMS);
  assert.equal(rowsOf(run.summary, 'not_a_date'), [2, 3, 4, 5]);
  const raw = readFileSync(run.outputs.rejections!, 'utf8');
  // Whichever of , ; tab (or a quote, or a line end) a spreadsheet splits at, no cell starts a formula.
  for (const piece of raw.split(/[,;\t\r\n"]/)) assert.not.match(piece, /^[=+\-@]/, JSON.stringify(piece));
  // And the value is still the one sent, with a ' before each formula.
  assert.equal(readRejections(run.outputs.rejections!).filter((r) => r.field === 'dob').map((r) => r.value), [
    "01/01/1990;'=cmd|' /C calc'!A0", "02/02/1990\t'+SUM(1)", "03/03/1990;;'@SUM(1)", "'=1+1;'-2",
  ]);
});

// --- workbooks that are not what they seem ---

/**
 * A compound file (the OLE container Excel uses for .xls and for a password-protected .xlsx), by
 * the MS-CFB layout: 512-byte sectors, one FAT sector, one directory sector, and each stream in
 * whole sectors (4,096 bytes, so none goes to the mini stream).
 */
function compoundFile(streams: string[]): Buffer {
  const SECTOR = 512;
  const streamSectors = 8;
  const sectors = 2 + streams.length * streamSectors;
  const out = Buffer.alloc(SECTOR * (1 + sectors));
  Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]).copy(out, 0);
  out.writeUInt16LE(0x3e, 24);
  out.writeUInt16LE(3, 26);
  out.writeUInt16LE(0xfffe, 28);
  out.writeUInt16LE(9, 30);
  out.writeUInt16LE(6, 32);
  out.writeUInt32LE(1, 44); // FAT sectors
  out.writeUInt32LE(1, 48); // first directory sector
  out.writeUInt32LE(4096, 56);
  out.writeUInt32LE(0xfffffffe, 60);
  out.writeUInt32LE(0xfffffffe, 68);
  for (let i = 0; i < 109; i++) out.writeUInt32LE(i === 0 ? 0 : 0xffffffff, 76 + 4 * i);
  const fat = SECTOR;
  const next = (sector: number, value: number) => out.writeUInt32LE(value, fat + 4 * sector);
  for (let i = 0; i < SECTOR / 4; i++) next(i, 0xffffffff);
  next(0, 0xfffffffd);
  next(1, 0xfffffffe);
  const entry = (index: number, name: string, type: number, start: number, size: number, child = 0xffffffff, right = 0xffffffff) => {
    const at = SECTOR * 2 + 128 * index;
    out.write(name, at, 'utf16le');
    out.writeUInt16LE((name.length + 1) * 2, at + 64);
    out.writeUInt8(type, at + 66);
    out.writeUInt8(1, at + 67); // black
    out.writeUInt32LE(0xffffffff, at + 68);
    out.writeUInt32LE(right, at + 72);
    out.writeUInt32LE(child, at + 76);
    out.writeUInt32LE(start, at + 116);
    out.writeUInt32LE(size, at + 120);
  };
  entry(0, 'Root Entry', 5, 0xfffffffe, 0, 1);
  streams.forEach((name, k) => {
    const first = 2 + k * streamSectors;
    for (let i = 0; i < streamSectors; i++) next(first + i, i === streamSectors - 1 ? 0xfffffffe : first + i + 1);
    entry(1 + k, name, 2, first, streamSectors * SECTOR, 0xffffffff, k + 1 < streams.length ? 2 + k : 0xffffffff);
    out.fill(0x5a, SECTOR * (1 + first), SECTOR * (1 + first + streamSectors));
  });
  return out;
}

test('a password-protected workbook is named as such, not as an Excel 97-2003 file', async () => {
  const encrypted = compoundFile(['EncryptionInfo', 'EncryptedPackage']);
  const run = await runIntake(requestFolder({ 'cohort.xlsx': encrypted }), PARAMS);
  assert.is(run.summary.status, 'rejected');
  assert.equal(run.summary.problems.map((p) => p.kind), ['file_encrypted']);
  assert.match(run.result!.stop!, /cohort\.xlsx: is protected by a password/);
  // A real .xls (a Workbook stream in the same container) is still told to be saved as .xlsx.
  const xls = await runIntake(requestFolder({ 'cohort.xlsx': compoundFile(['Workbook']) }), PARAMS);
  assert.equal(xls.summary.problems.map((p) => p.kind), ['file_old_excel']);
});

test('a workbook in the 1904 date system (older Excel for Mac): serial numbers in date columns are read in that system', async () => {
  const rows = people(10);
  const dates = new Set(['dob', 'index_date', 'conviction_date', 'intervention_start_date', 'intervention_end_date']);
  // Days since 1 January 1904, what such a workbook stores for a date (here in General format).
  const serial1904 = (ddmmyyyy: string) => {
    const [d, m, y] = ddmmyyyy.split('/').map(Number);
    return (Date.UTC(y!, m! - 1, d!) - Date.UTC(1904, 0, 1)) / 86_400_000;
  };
  const sheet = [HEADER.map((h) => ({ value: h })), ...rows.map((r) => r.map((v, j) => (!v ? null : dates.has(HEADER[j]!) ? { value: serial1904(v) } : { value: v })))];
  const members = unzipSync(await writeXlsxFile(sheet as never).toBuffer());
  const workbook = strFromU8(members['xl/workbook.xml']!);
  assert.match(workbook, /<workbookPr\/>/);
  members['xl/workbook.xml'] = strToU8(workbook.replace('<workbookPr/>', '<workbookPr date1904="1"/>'));
  const run = await runIntake(requestFolder({ 'cohort.xlsx': zipSync(members) }), PARAMS);
  assert.is(run.summary.status, 'accepted', JSON.stringify(run.summary.problems));
  const fromCsv = await runIntake(requestFolder({ 'cohort.csv': csvText([HEADER, ...rows]) }), PARAMS);
  const pick = (r: Record<string, unknown>) => [r.dob, r.intervention_start_date];
  assert.equal((await readParquet(run.outputs.cohort!)).map(pick), (await readParquet(fromCsv.outputs.cohort!)).map(pick));
});

// --- XML that never closes ---

/** good.xlsx with its first sheet's XML (or its workbook.xml) changed by `edit`. */
function editedWorkbook(member: string, edit: (xml: string) => string): Buffer {
  const members = unzipSync(GOOD_XLSX);
  members[member] = strToU8(edit(strFromU8(members[member]!)));
  return Buffer.from(zipSync(members));
}

// Each of these took time growing with the square of its size (a pattern looked for a closing tag
// from every opening one): 2 MB of XML, about 8 KB zipped, took 24 s; a 30 MB sheet, hours.
// No time is asserted here (speed belongs in bench/): the fixed code reads each in well under a
// second, and a return of the quadratic search would turn this file into minutes, which CI's
// 20-minute limit shows.
const NEVER_CLOSED: [string, string, (xml: string) => string][] = [
  ['rows that never close', 'xl/worksheets/sheet1.xml', (xml) => xml.replace('</sheetData>', '<row r="99"><c r="A99"><v>1</v></c>'.repeat(100_000) + '</sheetData>')],
  ['formula cells that never close', 'xl/worksheets/sheet1.xml', (xml) => xml.replace('</sheetData>', '<c r="A99"><f>1</f>'.repeat(100_000) + '</sheetData>')],
  ['tags without an end', 'xl/worksheets/sheet1.xml', (xml) => xml.replace('</sheetData>', '<row r="1" <c r="A1" <f '.repeat(100_000) + '</sheetData>')],
  ['sheet entries without an end', 'xl/workbook.xml', (xml) => xml.replace('<sheets>', '<sheets>' + '<sheet r:id="'.repeat(200_000))],
  ['relationships without an end', 'xl/_rels/workbook.xml.rels', (xml) => xml.replace('<Relationship ', '<Relationship Id="'.repeat(200_000) + '<Relationship ')],
];
for (const [what, member, edit] of NEVER_CLOSED) {
  test(`a workbook with ${what} is read or refused (its search for closing tags is linear)`, async () => {
    const bytes = editedWorkbook(member, edit);
    const run = await runIntake(requestFolder({ 'cohort.xlsx': bytes }), PARAMS);
    assert.ok(run.summary.status === 'rejected' || run.summary.counts.usable === 8, JSON.stringify(run.summary.problems));
  });
}

// --- zip archives that lie ---

const GOOD_XLSX = readFileSync(join(FIXTURES, 'files/good.xlsx'));

/** Offsets of a zip's end record and central directory (independent of stages/intake's reader). */
function directoryOf(zip: Buffer): { eocd: number; cd: number } {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  return { eocd, cd: zip.readUInt32LE(eocd + 16) };
}

/**
 * good.xlsx with one more deflated member written as a local entry before the central directory
 * but not listed in it: a reader that walks the local entries (as read-excel-file streams them)
 * unzips it; one that reads the directory never sees it.
 */
function withHiddenMember(zip: Buffer, name: string, content: Buffer): Buffer {
  const { eocd, cd } = directoryOf(zip);
  const data = deflateRawSync(content);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(content.length, 22);
  local.writeUInt16LE(Buffer.byteLength(name), 26);
  const hidden = Buffer.concat([local, Buffer.from(name), data]);
  const out = Buffer.concat([zip.subarray(0, cd), hidden, zip.subarray(cd)]);
  out.writeUInt32LE(cd + hidden.length, eocd + hidden.length + 16);
  return out;
}

test('a workbook member hidden from the zip directory is not unzipped past the cap by the reader', async () => {
  const cap = 2 ** 20;
  const plain = await runIntake(requestFolder({ 'cohort.xlsx': GOOD_XLSX }), { ...PARAMS, maxUnzippedBytes: cap });
  assert.is(plain.summary.status, 'accepted', 'good.xlsx is well under the cap');
  // 8 MB of spaces deflate to about 8 KB; the directory says nothing about them.
  const bomb = withHiddenMember(GOOD_XLSX, 'xl/worksheets/sheet9.xml', Buffer.alloc(8 * 2 ** 20, 0x20));
  assert.ok(bomb.length < 100_000);
  const run = await runIntake(requestFolder({ 'cohort.xlsx': bomb }), { ...PARAMS, maxUnzippedBytes: cap });
  assert.is(run.summary.status, 'rejected', 'accepted after unzipping 8 MB under a 1 MB cap');
  assert.is(run.summary.counts.submitted, 0);
  assert.match(run.result!.stop!, /cohort\.xlsx: /);
});

test('a member whose directory entry understates its packed size is refused, not handed to the reader', async () => {
  // The sheet's compressed size in the central directory made 10 bytes: unzipping that much fails,
  // while the local header still holds the real size a streaming reader would follow.
  const zip = Buffer.from(GOOD_XLSX);
  const { cd, eocd } = directoryOf(zip);
  let forged = false;
  for (let at = cd; at < eocd; ) {
    const nameLength = zip.readUInt16LE(at + 28);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString();
    if (name === 'xl/worksheets/sheet1.xml') (zip.writeUInt32LE(10, at + 20), (forged = true));
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  assert.ok(forged);
  const run = await runIntake(requestFolder({ 'cohort.xlsx': zip }), PARAMS);
  assert.is(run.summary.status, 'rejected');
  assert.is(run.summary.counts.submitted, 0);
  assert.ok(kinds(run.summary).has('file_unreadable'), JSON.stringify(run.summary.problems));
});

test.run();
