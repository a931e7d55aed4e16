// One test per intake rule, each on a small generated cohort that breaks only that rule.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import writeXlsxFile from 'write-excel-file/node';
import { Duck } from '../../src/duck.ts';
import stage from '../../stages/intake/stage.ts';
import { FIXTURES, HEADER, baseRequest, csvText, kinds, parquetColumns, people, readParquet, readRejections, requestFolder, rowsOf, runIntake, tempDir } from './helpers.ts';

const col = (name: string) => HEADER.indexOf(name);
/** 60 valid people with one cell changed: person i is spreadsheet row i + 2. */
function cohortWith(changes: [person: number, column: string, value: string][], n = 60): string {
  const rows = people(n);
  for (const [i, c, v] of changes) rows[i]![col(c)] = v;
  return csvText([HEADER, ...rows]);
}
async function runCsv(text: string, params = {}, request: Record<string, unknown> | string = baseRequest()) {
  return runIntake(requestFolder({ 'cohort.csv': text }, request), params);
}

// --- whole-request rules ---

test('60 usable people are accepted, 59 are refused (default minPeople)', async () => {
  const ok = await runCsv(csvText([HEADER, ...people(60)]));
  assert.is(ok.summary.status, 'accepted');
  assert.is((await readParquet(ok.outputs.cohort!)).length, 60);
  const few = await runCsv(csvText([HEADER, ...people(59)]));
  assert.is(few.summary.status, 'rejected');
  assert.equal(few.summary.reasons.map((r) => r.kind), ['too_few_people']);
  assert.match(few.result!.stop!, /59 usable people, fewer than the 60 needed/);
});

test('minPeople counts usable people, not rows', async () => {
  const run = await runCsv(cohortWith([[0, 'dob', '31/02/1990']], 60));
  assert.is(run.summary.counts.usable, 59);
  assert.ok(kinds(run.summary).has('too_few_people'));
});

test('more than maxUnusableShare of unusable rows refuses the request; exactly the share does not', async () => {
  const bad = (n: number) => Array.from({ length: n }, (_, i) => [i, 'gender', 'X'] as [number, string, string]);
  const at = await runCsv(cohortWith(bad(16), 80)); // 16/80 = 20 %
  assert.is(at.summary.status, 'accepted');
  const over = await runCsv(cohortWith(bad(17), 80)); // 21.25 %
  assert.is(over.summary.status, 'rejected');
  assert.ok(kinds(over.summary).has('too_many_unusable'));
  const relaxed = await runCsv(cohortWith(bad(17), 80), { maxUnusableShare: 0.25 });
  assert.is(relaxed.summary.status, 'accepted');
});

test('an insecure transfer channel refuses the request; secure ones in any case are accepted', async () => {
  for (const channel of ['email', 'post', 'usb', '']) {
    const run = await runCsv(csvText([HEADER, ...people(60)]), {}, { ...baseRequest(), transfer_channel: channel });
    assert.is(run.summary.status, 'rejected', channel);
    assert.ok(kinds(run.summary).has('insecure_channel'));
  }
  for (const channel of ['cjsm', 'GSI', 'gcsx', 'pnn']) {
    const run = await runCsv(csvText([HEADER, ...people(60)]), {}, { ...baseRequest(), transfer_channel: channel });
    assert.is(run.summary.status, 'accepted', channel);
  }
  const custom = await runCsv(csvText([HEADER, ...people(60)]), { allowedChannels: ['sftp'] }, { ...baseRequest(), transfer_channel: 'cjsm' });
  assert.ok(kinds(custom.summary).has('insecure_channel'));
});

test('no data-protection assurance refuses the request', async () => {
  for (const value of [false, 'true', undefined]) {
    const request = { ...baseRequest(), data_protection_assurance: value };
    const run = await runCsv(csvText([HEADER, ...people(60)]), {}, request);
    assert.is(run.summary.status, 'rejected');
    assert.ok(kinds(run.summary).has('no_assurance'));
  }
});

test('every request and cohort problem is reported at once', async () => {
  // No channel named: refused with the rest (a named insecure channel is deleted unread: test/privacy/insecure.test.ts).
  const request = { ...baseRequest(), transfer_channel: undefined, data_protection_assurance: false, review_period_days: -1 };
  const run = await runCsv(cohortWith([[0, 'dob', '31/02/1990'], [1, 'gender', 'X'], [2, 'surname', '']], 10), {}, request);
  const k = kinds(run.summary);
  for (const kind of ['insecure_channel', 'no_assurance', 'request_invalid', 'not_a_real_date', 'not_a_gender', 'missing_value', 'too_few_people']) assert.ok(k.has(kind), kind);
});

test('the request output keeps the validated request without contact details', async () => {
  const run = await runCsv(csvText([HEADER, ...people(60)]));
  const saved = JSON.parse(readFileSync(run.outputs.request!, 'utf8'));
  assert.equal(Object.keys(saved).sort(), ['analysis_period', 'dates', 'id', 'organisation', 'programme', 'retention', 'review_period_days']);
  assert.not.ok(JSON.stringify(saved).includes('contact@example.org'));
});

test("the provider's own words and response are kept for the report; over-long text is a named problem", async () => {
  const provider_text = { own_words: 'We mentor people leaving prison.', response: 'We welcome the findings.' };
  const run = await runCsv(csvText([HEADER, ...people(60)]), {}, { ...baseRequest(), provider_text });
  assert.equal(JSON.parse(readFileSync(run.outputs.request!, 'utf8')).provider_text, provider_text);
  const long = await runCsv(csvText([HEADER, ...people(60)]), {}, { ...baseRequest(), provider_text: { response: 'x'.repeat(10_001) } });
  assert.is(long.summary.status, 'rejected');
  const problem = long.summary.problems.find((g: { kind: string }) => g.kind === 'request_invalid');
  assert.match(problem!.field, /provider_text/);
});

// --- row rules ---

test('surname, forename, dob and gender are mandatory', async () => {
  const run = await runCsv(cohortWith([[0, 'surname', ''], [1, 'forename', ' '], [2, 'dob', ''], [3, 'gender', '']], 70));
  const byField = Object.fromEntries(run.summary.problems.filter((p) => p.kind === 'missing_value').map((p) => [p.field, p.rows]));
  assert.equal(byField, { surname: [2], forename: [3], dob: [4], gender: [5] });
  assert.is(run.summary.counts.unusable, 4);
});

test('at least one of index, conviction or intervention start date', async () => {
  const run = await runCsv(cohortWith([[0, 'intervention_start_date', ''], [1, 'intervention_start_date', ''], [1, 'conviction_date', '01/02/2019']], 70));
  assert.equal(rowsOf(run.summary, 'no_event_date'), [2]);
});

test('PNC IDs: shape and check letter checked; a bad one is ignored, the person kept', async () => {
  const run = await runCsv(cohortWith([[0, 'pnc_id', '2001/0171310W'], [1, 'pnc_id', '01/171310W'], [2, 'pnc_id', '2001/0171310X'], [3, 'pnc_id', '2001-0171310W'], [4, 'pnc_id', '1981/0154257c']]));
  assert.equal(rowsOf(run.summary, 'pnc_check_letter'), [4]);
  assert.equal(rowsOf(run.summary, 'not_a_pnc_id'), [5]);
  assert.is(run.summary.counts.usable, 60);
  const pnc = (await readParquet(run.outputs.cohort!)).slice(0, 5).map((r) => r.pnc_id);
  assert.equal(pnc, ['2001/0171310W', '2001/0171310W', null, null, '1981/0154257C']);
});

test('prison numbers: A1234BC, any case; others ignored and reported', async () => {
  const run = await runCsv(cohortWith([[0, 'prison_number', 'a1234bc'], [1, 'prison_number', 'A1234B'], [2, 'prison_number', '1234ABC']]));
  assert.equal(rowsOf(run.summary, 'not_a_prison_number'), [3, 4]);
  assert.equal((await readParquet(run.outputs.cohort!)).slice(0, 3).map((r) => r.prison_number), ['A1234BC', null, null]);
});

test('dates: dd/mm/yyyy, d/m/yyyy and yyyy-mm-dd become DATE; impossible dates are caught', async () => {
  const run = await runCsv(cohortWith([[0, 'dob', '03/02/1990'], [1, 'dob', '3/2/1990'], [2, 'dob', '1990-02-03'], [3, 'dob', '29/02/2000'], [4, 'dob', '29/02/1900'], [5, 'dob', '31/04/1990'], [6, 'dob', '3/2/90']], 70));
  assert.equal(rowsOf(run.summary, 'not_a_real_date'), [6, 7]);
  assert.equal(rowsOf(run.summary, 'not_a_date'), [8]);
  const rows = await readParquet(run.outputs.cohort!);
  assert.equal(rows.slice(0, 4).map((r) => r.dob), ['1990-02-03', '1990-02-03', '1990-02-03', '2000-02-29']);
  const types = Object.fromEntries((await parquetColumns(run.outputs.cohort!)).map((c) => [c.name, c.type]));
  for (const c of ['dob', 'index_date', 'conviction_date', 'intervention_start_date', 'intervention_end_date']) assert.is(types[c], 'DATE');
  assert.is(types.row, 'INTEGER');
});

test('plausible dates: dob not after the request was received, age 10 to 100 at the intervention', async () => {
  // people(): intervention start in 2019; the request was received on 2024-05-01.
  const run = await runCsv(cohortWith([[0, 'dob', '02/05/2024'], [1, 'dob', '02/01/2009'], [2, 'dob', '01/01/2009'], [3, 'dob', '01/01/1918'], [4, 'dob', '01/12/1918']], 70));
  assert.equal(rowsOf(run.summary, 'date_after_received'), [2]);
  // Person 1 starts on 02/02/2019: born 02/01/2009 is 10; person 2 (03/03/2019, born 01/01/2009) is 10 too.
  // Person 3 starts 04/04/2019 and was born 01/01/1918: 101. Person 4 starts 05/05/2019, born 01/12/1918: 100.
  assert.equal(rowsOf(run.summary, 'implausible_age'), [5]);
  // Person 0 starts 01/01/2019, person 1 on 02/02/2019, person 2 on 03/03/2019.
  const young = await runCsv(cohortWith([[0, 'dob', '02/01/2009'], [1, 'dob', '02/02/2009'], [2, 'dob', '04/03/2009']], 70));
  assert.equal(rowsOf(young.summary, 'implausible_age'), [2, 4]); // 9 the day before the 10th birthday; 10 on it
});

test('intervention end not before start', async () => {
  const run = await runCsv(cohortWith([[0, 'intervention_end_date', '31/12/2018'], [1, 'intervention_end_date', '02/02/2019'], [2, 'intervention_end_date', '01/01/2021']], 70));
  assert.equal(rowsOf(run.summary, 'end_before_start'), [2]);
});

test('gender: M, F, Male, Female in any case become M or F; anything else is a row problem', async () => {
  const run = await runCsv(cohortWith([[0, 'gender', 'male'], [1, 'gender', 'FEMALE'], [2, 'gender', 'f'], [3, 'gender', 'm'], [4, 'gender', 'Other'], [5, 'gender', 'U']], 70));
  assert.equal(rowsOf(run.summary, 'not_a_gender'), [6, 7]);
  assert.equal((await readParquet(run.outputs.cohort!)).slice(0, 4).map((r) => r.gender), ['M', 'F', 'F', 'M']);
});

test('duplicates (same matching keys and dob) are counted and the later copy dropped', async () => {
  const rows = people(60);
  const copy = [...rows[4]!];
  copy[col('surname')] = ` ${copy[col('surname')]!.toUpperCase()} `;
  copy[col('dob')] = copy[col('dob')]!.split('/').reverse().join('-');
  const run = await runCsv(csvText([HEADER, ...rows, copy]));
  assert.is(run.summary.counts.duplicates, 1);
  assert.equal(rowsOf(run.summary, 'duplicate'), [62]);
  const kept = (await readParquet(run.outputs.cohort!)).map((r) => r.row);
  assert.ok(kept.includes(6) && !kept.includes(62));
  assert.match(readRejections(run.outputs.rejections!).find((r) => r.row === '62')!.problem, /row 6/);
});

test('matching keys: trimmed, upper case, accents folded, apostrophes removed, hyphens to spaces', async () => {
  const run = await runCsv(cohortWith([[0, 'surname', "  O'Brien-Zoë  "], [0, 'forename', 'Renée  Marie'], [1, 'surname', 'Łukasz Øst'], [1, 'forename', 'Æsa']]));
  const [a, b] = await readParquet(run.outputs.cohort!);
  assert.equal([a!.surname, a!.surname_key, a!.forename_key], ["O'Brien-Zoë", 'OBRIEN ZOE', 'RENEE MARIE']);
  assert.equal([b!.surname_key, b!.forename_key], ['LUKASZ OST', 'AESA']);
});

test('a cell longer than maxCellChars is a problem of its row and field', async () => {
  const run = await runCsv(cohortWith([[0, 'forename', 'a'.repeat(30)], [1, 'notes', 'n'.repeat(40)]]), { maxCellChars: 20 });
  assert.equal(rowsOf(run.summary, 'too_long'), [2, 3]);
  assert.is(run.summary.counts.usable, 59);
});

// --- columns ---

test('headers are matched forgivingly: case, spaces, underscores, synonyms', async () => {
  const header = ['Your Reference', 'SURNAME / last name', 'First_Name', 'Date of Birth (dd/mm/yyyy)', 'sex', 'PNC ID', 'Prison No', 'Index Date', 'Conviction Date', 'intervention-start-date*', 'End Date', 'Sentence Type', 'Comments'];
  const run = await runCsv(csvText([header, ...people(60)]));
  assert.is(run.summary.status, 'accepted', JSON.stringify(run.summary.problems));
});

test('an unknown column is an error naming the column; a missing mandatory column refuses the file', async () => {
  const extra = await runCsv(csvText([[...HEADER, 'Home address'], ...people(60).map((r) => [...r, 'somewhere'])]));
  assert.is(extra.summary.status, 'rejected');
  const unknown = extra.summary.problems.find((p) => p.kind === 'unknown_column')!;
  assert.is(unknown.field, 'column N');
  // A column name is not personal data: the console message names it, by letter and heading.
  assert.match(extra.result!.stop!, /the columns of cohort\.csv do not match the upload template: column N \("Home address"\) is not a template column/);
  assert.is(readRejections(extra.outputs.rejections!)[0]!.value, 'Home address');
  // A heading with digits may be a value typed into the header row: only its letter is given.
  const odd = await runCsv(csvText([[...HEADER, '12 Imaginary Lane'], ...people(60).map((r) => [...r, 'x'])]));
  assert.match(odd.result!.stop!, /column N is not a template column/);
  assert.not.ok(odd.result!.stop!.includes('Imaginary'));

  const missing = await runCsv(csvText(people(60).map((r) => r.filter((_, j) => j !== col('gender'))).reduce((a, r) => [...a, r], [HEADER.filter((h) => h !== 'gender')])));
  assert.is(missing.summary.status, 'rejected');
  assert.equal(missing.summary.problems.filter((p) => p.kind === 'missing_column').map((p) => p.field), ['gender']);
  assert.match(missing.result!.stop!, /do not match the upload template: no gender column;/);
  assert.not.ok(kinds(missing.summary).has('missing_value'), 'the missing column is reported once, not on every row');
});

// --- request and file sanity ---

test('request dates: nothing after today (received today is fine), the period runs forwards, shared not before received', async () => {
  const cohort = csvText([HEADER, ...people(60)]);
  const on = (dates: Record<string, unknown>, period = { from: '2019-01-01', to: '2020-12-31' }) => ({ ...baseRequest(), dates: { received: '2024-05-01', results_shared: null, publication: null, ...dates }, analysis_period: period });
  const runOn = (today: string, request: Record<string, unknown>) => runIntake(requestFolder({ 'cohort.csv': cohort }, request), {}, 'test', today);
  const today = await runOn('2024-05-01', on({}));
  assert.is(today.summary.status, 'accepted', JSON.stringify(today.summary.reasons));
  const tomorrow = await runOn('2024-04-30', on({}));
  assert.is(tomorrow.summary.status, 'rejected');
  assert.equal(tomorrow.summary.problems.filter((p) => p.kind === 'request_dates').map((p) => p.field), ['request.json: dates.received']);
  const all = await runOn('2024-06-01', on({ results_shared: '2024-04-01', publication: '2024-07-01' }, { from: '2020-01-01', to: '2019-12-31' }));
  assert.equal(all.summary.problems.filter((p) => p.kind === 'request_dates').map((p) => p.field).sort(), ['request.json: analysis_period.to', 'request.json: dates.publication', 'request.json: dates.results_shared']);
  assert.match(all.result!.stop!, /the dates in request\.json do not fit together \(analysis_period\.to, dates\.publication, dates\.results_shared\)/);
});

test('maxRows: more rows of people than allowed are refused with the limit; blank rows do not count', async () => {
  const text = csvText([HEADER, ...people(70)]) + '\n'.repeat(500);
  const over = await runCsv(text, { maxRows: 69 });
  assert.is(over.summary.status, 'rejected');
  assert.equal(over.summary.problems.map((p) => p.kind), ['file_too_many_rows']);
  assert.match(over.result!.stop!, /cohort\.csv: has more than 69 rows of people, the most one request may hold/);
  const at = await runCsv(text, { maxRows: 70 });
  assert.is(at.summary.status, 'accepted');
  assert.is(at.summary.limits.max_rows, 70);
});

test('a NUL byte is a problem of its row and field, shown as ␀ in the rejection file only', async () => {
  const run = await runCsv(cohortWith([[3, 'surname', 'Imag\u0000inx'], [5, 'notes', 'see\u0000file']]));
  assert.equal(rowsOf(run.summary, 'control_character'), [5, 7]);
  assert.is(run.summary.counts.usable, 59); // the notes are ignored, the person kept
  const values = readRejections(run.outputs.rejections!).filter((r) => r.problem.includes('control character')).map((r) => r.value);
  assert.equal(values, ['Imag␀inx', 'see␀file']);
});

test('the summary names how the lines of a CSV end', async () => {
  const lines = csvText([HEADER, ...people(60)]).split('\n');
  const mixed = await runCsv(lines.map((l, i) => l + (i % 2 ? '\r\n' : '\n')).join(''));
  assert.is(mixed.summary.status, 'accepted');
  assert.is(mixed.summary.counts.usable, 60);
  assert.is(mixed.summary.file.line_endings, 'mixed');
  const crlf = await runCsv(lines.join('\r\n'));
  assert.is(crlf.summary.file.line_endings, 'crlf');
});

// --- files ---

test('the newest correction replaces the cohort', async () => {
  const dir = requestFolder({
    'cohort.csv': csvText([HEADER, ...people(10)]),
    'corrections/2024-05-03-cohort.csv': csvText([HEADER, ...people(61)]),
    'corrections/2024-05-10-cohort.csv': csvText([HEADER, ...people(62)]),
    'corrections/notes.txt': 'not a cohort',
  });
  const run = await runIntake(dir);
  assert.is(run.summary.counts.usable, 62);
  assert.is(run.summary.file.name, 'corrections/2024-05-10-cohort.csv');
});

test('both cohort.csv and cohort.xlsx is refused: send one', async () => {
  const dir = requestFolder({ 'cohort.csv': csvText([HEADER, ...people(60)]), 'cohort.xlsx': { copy: join(FIXTURES, 'files/good.xlsx') } });
  const run = await runIntake(dir);
  assert.ok(kinds(run.summary).has('two_cohort_files'));
});

test('a request.json saved with a byte-order mark is read', async () => {
  const run = await runCsv(csvText([HEADER, ...people(60)]), {}, '\ufeff' + JSON.stringify(baseRequest()));
  assert.is(run.summary.status, 'accepted', JSON.stringify(run.summary.reasons));
});

test('a missing request.json or cohort is a reason, not a crash', async () => {
  const noRequest = await runIntake(requestFolder({ 'cohort.csv': csvText([HEADER, ...people(60)]) }, null));
  assert.ok(kinds(noRequest.summary).has('request_missing'));
  const noCohort = await runIntake(requestFolder({}));
  assert.ok(kinds(noCohort.summary).has('file_missing'));
});

test('an Excel upload gives the same cohort as the same people in CSV (date cells, serial numbers, text dates)', async () => {
  const rows = people(60);
  const dateCols = new Set(['dob', 'index_date', 'conviction_date', 'intervention_start_date', 'intervention_end_date']);
  const asDate = (s: string) => {
    const [d, m, y] = s.split('/').map(Number);
    return new Date(Date.UTC(y!, m! - 1, d!));
  };
  const sheet = [
    HEADER.map((h) => ({ value: h.replace(/_/g, ' ') })),
    ...rows.map((r, i) =>
      r.map((v, j) => {
        if (!v) return null;
        if (!dateCols.has(HEADER[j]!)) return { value: v };
        if (i % 3 === 0) return { value: asDate(v), type: Date, format: 'dd/mm/yyyy' };
        if (i % 3 === 1) return { value: (asDate(v).getTime() - Date.UTC(1899, 11, 30)) / 86_400_000 }; // a General-formatted date
        return { value: v };
      }),
    ),
  ];
  const xlsx = await writeXlsxFile(sheet as never).toBuffer();
  const fromXlsx = await runIntake(requestFolder({ 'cohort.xlsx': xlsx }));
  const fromCsv = await runIntake(requestFolder({ 'cohort.csv': csvText([HEADER, ...rows]) }));
  assert.is(fromXlsx.summary.status, 'accepted', JSON.stringify(fromXlsx.summary.problems));
  assert.is(fromXlsx.summary.file.format, 'xlsx');
  assert.equal(await readParquet(fromXlsx.outputs.cohort!), await readParquet(fromCsv.outputs.cohort!));
});

test('the same upload gives byte-identical outputs', async () => {
  const text = cohortWith([[0, 'dob', '31/02/1990'], [3, 'pnc_id', 'nonsense']], 70);
  const a = await runCsv(text);
  const b = await runCsv(text);
  for (const name of ['cohort', 'request', 'summary', 'rejections']) assert.ok(readFileSync(a.outputs[name]!).equals(readFileSync(b.outputs[name]!)), name);
  assert.is(statSync(a.outputs.cohort!).mode & 0o777, 0o600);
});

test('when writing fails half-way, no declared output is left behind', async () => {
  const dir = requestFolder({ 'cohort.csv': cohortWith([[0, 'dob', '31/02/1990']], 70) });
  const work = tempDir('intake-fail-');
  const outputs = {
    cohort: join(work, 'no-such-folder', 'cohort.parquet'), // the rename into place fails here
    request: join(work, 'request.json'),
    summary: join(work, 'summary.json'),
    rejections: join(work, 'rejections.csv'),
  };
  const db = await Duck.open({ threads: 1 });
  let thrown: unknown;
  try {
    await stage.run({
      request: 'test', today: '2026-01-01', params: stage.params!, inputs: { request: dir }, inputHashes: {}, key: '0'.repeat(64), outputs,
      tmpDir: tempDir('intake-fail-tmp-'), dir: fileURLToPath(new URL('../../stages/intake/', import.meta.url)), db,
      log: { info: () => {} }, signal: new AbortController().signal,
    });
  } catch (error) {
    thrown = error;
  } finally {
    db.close();
  }
  assert.ok(thrown, 'a failed write is a real error');
  for (const path of Object.values(outputs)) assert.not.ok(existsSync(path), path);
});

test.run();
