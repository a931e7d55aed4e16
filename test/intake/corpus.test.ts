// The bad-input corpus: every file in test/fixtures/intake/files is either accepted with the
// expected number of people or rejected with problems that name the row and field (or the file).
// None may throw, leave a half-written output, or let a value reach the summary or the log.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FIXTURES, HEADER, csvText, kinds, readParquet, readRejections, requestFolder, rowsOf, runIntake, tempDir } from './helpers.ts';

type Expected = { status: 'accepted' | 'rejected'; usable?: number; duplicates?: number; kinds: Record<string, number[] | null> };
const expected = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')) as Record<string, Expected>;
const FILES = join(FIXTURES, 'files');
const names = readdirSync(FILES).sort();
const GOOD_COHORT = join(FILES, 'good-utf8.csv');
const REQUEST_JSON = join(FIXTURES, 'request.json');
/** Small fixtures: the minimum of 60 people has its own test in rules.test.ts. */
const PARAMS = { minPeople: 5 };
const REASON_KINDS = new Set(['too_few_people', 'too_many_unusable']);

// Strings from the fixtures that must never appear in a summary, a log line or a stop reason.
const SENTINELS = ['Quillfeather', 'Brackenbury', 'Thistlewood', 'Pennywhistle', 'Larkspur', 'Fennimore', 'Marrowby', 'Ashcombe', 'Zoëfield', 'Renée', 'HYPERLINK', 'DROP TABLE', 'Иванова', '03/02/1990', '2001/0171310W', 'B2345CD', 'Imaginary Lane', 'contact@example.org'];

test('the corpus has at least 30 files and an expectation for each', () => {
  assert.ok(names.length >= 30, `${names.length} fixtures`);
  assert.equal(names, Object.keys(expected).sort());
});

for (const name of names) {
  test(`corpus: ${name}`, async () => {
    const exp = expected[name]!;
    const isRequest = name.startsWith('request-');
    const dir = requestFolder(
      isRequest ? { 'cohort.csv': { copy: GOOD_COHORT } } : { [name.endsWith('.xlsx') ? 'cohort.xlsx' : 'cohort.csv']: { copy: join(FILES, name) } },
      readFileSync(isRequest ? join(FILES, name) : REQUEST_JSON, 'utf8'),
    );
    const run = await runIntake(dir, PARAMS, 'corpus'); // a throw fails the test
    const { summary } = run;
    assert.is(summary.status, exp.status, `${name}: ${JSON.stringify(summary.reasons)}`);

    // Declared outputs are complete or absent; nothing else is left in the work folder.
    const leftovers = readdirSync(run.workDir).filter((f) => f !== '.tmp' && !Object.values(run.outputs).includes(join(run.workDir, f)));
    assert.equal(leftovers, []);
    assert.ok(existsSync(run.outputs.summary!));
    if (exp.status === 'accepted') {
      assert.is(run.result && run.result.stop, undefined);
      const cohort = await readParquet(run.outputs.cohort!);
      assert.is(cohort.length, exp.usable);
      assert.is(summary.counts.usable, exp.usable);
      assert.is(summary.counts.duplicates, exp.duplicates ?? 0);
      assert.is(statSync(run.outputs.cohort!).mode & 0o777, 0o600);
    } else {
      assert.not.ok(existsSync(run.outputs.cohort!), 'no cohort for a refused request');
      assert.type(run.result && run.result.stop, 'string');
      assert.ok(summary.reasons.length > 0);
    }

    // The problems the fixture was built to contain, at the rows it put them in.
    const found = kinds(summary);
    for (const [kind, rows] of Object.entries(exp.kinds)) {
      assert.ok(found.has(kind), `${name}: expected ${kind}, found ${[...found].join(', ')}`);
      if (rows && !REASON_KINDS.has(kind)) assert.equal(rowsOf(summary, kind), rows, `${name}: rows of ${kind}`);
    }

    // Every problem names a row and field, or the file; the rejection file is safe to open in Excel.
    for (const g of summary.problems) {
      assert.ok(g.field && g.problem, `${name}: ${JSON.stringify(g)}`);
      if (g.effect === 'row not used') assert.is(g.rows.length, g.count);
      if (g.effect === 'request refused' && g.rows.length === 0) assert.match(g.field, /cohort|request\.json|corrections/);
    }
    // A request sent over an insecure channel is deleted on receipt, unread: no rejection file
    // quotes its values, and the refusal says so instead of pointing at one (issue 17).
    if ((summary as { deleted_on_receipt?: unknown }).deleted_on_receipt) {
      assert.not.ok(existsSync(run.outputs.rejections!), `${name}: no rejection file for a request deleted on receipt`);
      assert.match(run.result!.stop!, /deleted on receipt/);
      return;
    }
    // Otherwise the rejection file is always written (header only when there is nothing to say), with a
    // line per problem and per whole-request reason no problem carries (too few people ...).
    const rejections = readRejections(run.outputs.rejections!);
    assert.is(statSync(run.outputs.rejections!).mode & 0o777, 0o600);
    const reasonLines = summary.reasons.filter((r) => REASON_KINDS.has(r.kind)).length;
    assert.is(rejections.length, summary.problems.reduce((n, g) => n + g.count, 0) + reasonLines);
    // A refusal ends by saying where the provider's row-by-row detail is.
    if (exp.status === 'rejected') assert.ok(run.result!.stop!.endsWith('row by row for the provider: rejections/corpus/rejections.csv in the data folder'), run.result!.stop);
    for (const r of rejections) {
      assert.ok(r.field && r.problem);
      assert.not.match(r.value, /^[=+\-@\t\r]/, `${name}: formula not neutralised`);
      assert.not.match(r.field, /^[=+\-@\t\r]/);
    }

    // Never a value in the summary, the log or the stop reason.
    const aggregate = [run.summaryText, ...run.notes, run.result?.stop ?? ''].join('\n');
    for (const s of SENTINELS) assert.not.ok(aggregate.includes(s), `${name}: "${s}" leaked`);
  });
}

// Request folders with links, pipes and misnamed corrections (layouts.json): built here, since
// a link or a pipe is not data that can be committed.
type Layout = Expected & { files: Record<string, { copy?: string; link?: string; fifo?: boolean; folder?: boolean; device?: boolean }>; stop?: string };

/** Whether this process may make device nodes (root, or CAP_MKNOD). */
function canMakeDevices(): boolean {
  const probe = join(tempDir('intake-mknod-'), 'dev');
  try {
    execFileSync('mknod', [probe, 'c', '1', '5'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const DEVICES = canMakeDevices();
const layouts = Object.entries(JSON.parse(readFileSync(join(FIXTURES, 'layouts.json'), 'utf8')) as Record<string, Layout>).filter(([k]) => !k.startsWith('_'));

function buildLayout(files: Layout['files']): string {
  const dir = tempDir('intake-layout-');
  const outside = tempDir('intake-outside-');
  const source = (name: string) => (name === '../request.json' ? REQUEST_JSON : join(FILES, name));
  if (files['/']?.link) {
    // The request folder itself is a link to a complete request folder elsewhere.
    copyFileSync(REQUEST_JSON, join(outside, 'request.json'));
    copyFileSync(source(files['/'].link), join(outside, 'cohort.csv'));
    const linked = join(dir, 'request');
    symlinkSync(outside, linked);
    return linked;
  }
  if (!('request.json' in files)) copyFileSync(REQUEST_JSON, join(dir, 'request.json'));
  for (const [name, spec] of Object.entries(files)) {
    const path = join(dir, name);
    mkdirSync(join(path, '..'), { recursive: true });
    if (spec.copy) copyFileSync(source(spec.copy), path);
    else if (spec.folder) mkdirSync(path);
    else if (spec.fifo) execFileSync('mkfifo', [path]);
    else if (spec.device) execFileSync('mknod', [path, 'c', '1', '5']); // what /dev/zero is: it never ends
    else if (spec.link?.startsWith('inside:')) symlinkSync(spec.link.slice('inside:'.length), path);
    else if (spec.link?.startsWith('folder-of:')) {
      copyFileSync(source(spec.link.slice('folder-of:'.length)), join(outside, '2024-05-10-cohort.csv'));
      symlinkSync(outside, path);
    } else if (spec.link) {
      const target = join(outside, name.replace(/\//g, '_'));
      copyFileSync(source(spec.link), target);
      symlinkSync(target, path);
    }
  }
  return dir;
}

for (const [name, exp] of layouts) {
  const needsDevice = Object.values(exp.files).some((f) => f.device);
  if (needsDevice && !DEVICES) {
    console.log(`layout ${name}: skipped, making a device node needs root (checked on /dev/zero in units.test.ts)`);
    continue;
  }
  test(`layout: ${name}`, async () => {
    const dir = buildLayout(exp.files);
    const run = await runIntake(dir, PARAMS, 'corpus', '2024-06-01');
    assert.is(run.summary.status, exp.status, `${name}: ${JSON.stringify(run.summary.reasons)}`);
    const found = kinds(run.summary);
    for (const kind of Object.keys(exp.kinds)) assert.ok(found.has(kind), `${name}: expected ${kind}, found ${[...found].join(', ')}`);
    if (exp.status === 'accepted') assert.is(run.summary.counts.usable, exp.usable);
    else {
      assert.ok(run.result!.stop!.includes(exp.stop!), `${name}: ${run.result!.stop}`);
      assert.not.match(run.result!.stop!, /request\.json is missing/);
      assert.not.ok(existsSync(run.outputs.cohort!));
      // A file name may be a person's name: never in the summary or the console.
      for (const sentinel of SENTINELS) assert.not.ok(`${run.summaryText}\n${run.result!.stop}`.includes(sentinel), `${name}: "${sentinel}" leaked`);
      // A refused cohort file is not read: no person from it reached any output.
      if (!name.startsWith('request-')) assert.is(run.summary.counts.submitted, 0);
    }
  });
}

test('formula-injection values reach the rejection file neutralised, and exactly as sent after the quote', async () => {
  const dir = requestFolder({ 'cohort.csv': { copy: join(FILES, 'formula-injection-names.csv') } }, readFileSync(REQUEST_JSON, 'utf8'));
  const run = await runIntake(dir, PARAMS, 'corpus');
  const values = readRejections(run.outputs.rejections!).map((r) => r.value);
  assert.ok(values.includes(`'=HYPERLINK("http://x","y")`));
  assert.ok(values.includes(`'+cmd|' /C calc'!A0`));
  assert.ok(values.includes(`'@SUM(1+1)`));
});

test('SQL-looking and formula-looking references are stored exactly as sent', async () => {
  const dir = requestFolder({ 'cohort.csv': { copy: join(FILES, 'good-references-injection-and-sql.csv') } }, readFileSync(REQUEST_JSON, 'utf8'));
  const run = await runIntake(dir, PARAMS, 'corpus');
  const refs = (await readParquet(run.outputs.cohort!)).map((r) => r.reference);
  assert.equal(refs.slice(0, 5), ["Robert'); DROP TABLE people;--", '=HYPERLINK("http://x","y")', '+1', '-2', '@SUM(A1)']);
});

test('a 50 MB cell is a problem of its row and field, not a crash', async () => {
  // Made at run time, never committed.
  const dir = tempDir('intake-50mb-');
  const big = 'x'.repeat(50 * 2 ** 20);
  const rows = [HEADER, ...readFileSync(GOOD_COHORT, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','))];
  rows[3]![HEADER.indexOf('notes')] = 'n'.repeat(5000); // row 4: an optional field, value ignored
  rows[5]![HEADER.indexOf('surname')] = big; // row 6: a mandatory field, row not used
  writeFileSync(join(dir, 'cohort.csv'), csvText(rows));
  writeFileSync(join(dir, 'request.json'), readFileSync(REQUEST_JSON));
  const run = await runIntake(dir, PARAMS, 'corpus');
  assert.is(run.summary.status, 'accepted');
  assert.is(run.summary.counts.usable, 7);
  assert.equal(rowsOf(run.summary, 'too_long'), [4, 6]);
  const rejections = readRejections(run.outputs.rejections!);
  assert.ok(rejections.every((r) => r.value.length < 200), 'the rejection file repeats only the start of a huge value');
  assert.ok(statSync(run.outputs.rejections!).size < 10_000);
});

test('a file over the size limit is refused before it is read', async () => {
  const dir = requestFolder({ 'cohort.csv': { copy: GOOD_COHORT } }, readFileSync(REQUEST_JSON, 'utf8'));
  const run = await runIntake(dir, { ...PARAMS, maxFileBytes: 100 }, 'corpus');
  assert.is(run.summary.status, 'rejected');
  assert.ok(kinds(run.summary).has('file_too_large'));
  assert.match(run.summary.reasons.map((r) => r.message).join(' '), /cohort\.csv/);
});

test.run();
