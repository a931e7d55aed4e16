// Hostile uploads through the real command line, as an analyst runs it: each arrives as a
// correction of demo request 123, which was accepted first. Each is refused by file name with
// exit code 3 (a stage stopped the request), never a crash with a stack trace (exit 1), no value
// from it reaches the console or the run record, and the accepted cohort already stored survives:
// once the correction is gone, intake is a cache hit on it.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { makeJusticeProject, pipeline, removeJusticeProjects } from '../helpers/justice-project.ts';
import { FIXTURES } from './helpers.ts';

test.after(removeJusticeProjects);

/** A made-up surname put into every probe: it must never be printed or recorded. */
const SECRET = 'Quillvexander';

test('hostile corrections of request 123: refused by name, no stack trace, no value printed or recorded, nothing stored lost', async () => {
  const root = await makeJusticeProject(['123']);
  const dir = join(root, 'data/requests/123');
  const runs = join(root, 'data/runs/123');
  const original = readFileSync(join(dir, 'cohort.csv'), 'utf8');
  const [header, ...lines] = original.split(/\r?\n/);
  const first = pipeline(root, ['--request', '123', '--only', 'intake']);
  assert.is(first.status, 0, first.stdout + first.stderr);

  const withSecret = (line: string) => line.replace(/^([^,]*),[^,]*/, `$1,${SECRET}`);
  const sheet = unzipSync(readFileSync(join(FIXTURES, 'files/good.xlsx')));
  const probes: [file: string, content: string | Uint8Array, says: RegExp][] = [
    // 200,000 unknown columns: the stage crashed ("Maximum call stack size exceeded", exit 1).
    ['2026-11-20-cohort.csv', [`${header}${',extra'.repeat(200_000)}`, withSecret(lines[0]!), ...lines.slice(1)].join('\n'), /column N \("extra"\) is not a template column.*and 199,990 more columns/],
    // A formula after a ; in a value, and a surname that must not be printed.
    ['2026-11-21-cohort.csv', [header, withSecret(lines[0]!).replace(/,(\d\d\/\d\d\/\d{4}|\d{4}-\d\d-\d\d),/, `,"$1;=cmd|' /C calc'!A0",`), ...lines.slice(1, 30)].join('\n'), /fewer than the 60 needed/],
    // Tags that never end: the reader took minutes.
    ['2026-11-22-cohort.xlsx', zipSync({ ...sheet, 'xl/worksheets/sheet1.xml': strToU8(strFromU8(sheet['xl/worksheets/sheet1.xml']!).replace('</sheetData>', `<row r="1" <c r="A1" <f>${SECRET}`.repeat(50_000) + '</sheetData>')) }), /is damaged or incomplete/],
  ];
  mkdirSync(join(dir, 'corrections'));
  for (const [file, content, says] of probes) {
    writeFileSync(join(dir, 'corrections', file), content);
    const run = pipeline(root, ['--request', '123', '--only', 'intake']);
    rmSync(join(dir, 'corrections', file));
    const output = `${run.stdout}\n${run.stderr}`;
    assert.is(run.status, 3, `${file}: ${output}`);
    assert.match(output, new RegExp(`corrections/${file.replace('.', '\\.')}`), file);
    assert.match(output, says, file);
    assert.not.match(output, /\n\s+at .+:\d+:\d+/, `${file}: a stack trace`);
    assert.ok(output.length < 5_000, `${file}: ${output.length} characters of console output`);
    const records = readdirSync(runs).map((f) => readFileSync(join(runs, f), 'utf8')).join('\n');
    assert.not.ok(`${output}\n${records}`.includes(SECRET), `${file}: a value was printed or recorded`);
  }
  // The first, accepted run's outputs are still stored: without corrections, nothing runs again.
  const again = pipeline(root, ['--request', '123', '--only', 'intake']);
  assert.is(again.status, 0, again.stdout + again.stderr);
  assert.match(again.stdout, /intake\s+cached/);
});

test.run();
