// Withdrawing one person from a request sent as a workbook: withdraw writes the workbook back out
// as a CSV correction with their row blank. Dates in a workbook are often plain numbers (a General-
// formatted cell holds Excel's serial day); intake reads those as dates, so the correction must
// too: written as the bare number, every date of every other person became "not a date".
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import writeXlsxFile from 'write-excel-file/node';
import { makeJusticeProject, removeJusticeProjects } from '../helpers/justice-project.ts';
import { cli } from '../helpers/cli.ts';

test.after(removeJusticeProjects);

const DATE_COLUMNS = new Set(['dob', 'index_date', 'conviction_date', 'intervention_start_date', 'intervention_end_date']);

/** dd/mm/yyyy as Excel's serial day (1900 date system). */
function serial(ukDate: string): number {
  const [d, m, y] = ukDate.split('/').map(Number) as [number, number, number];
  return (Date.UTC(y, m - 1, d) - Date.UTC(1899, 11, 30)) / 86_400_000;
}

test('a person withdrawn from a workbook whose dates are serial numbers: the correction keeps every other date', async () => {
  const root = await makeJusticeProject(['123']);
  const dir = join(root, 'data/requests/123');
  const rows = parse(readFileSync(join(dir, 'cohort.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
  const header = Object.keys(rows[0]!);
  const sheet = [
    header.map((h) => ({ value: h })),
    ...rows.map((r) => header.map((h) => (!r[h] ? null : DATE_COLUMNS.has(h) && /^\d\d\/\d\d\/\d{4}$/.test(r[h]!) ? { value: serial(r[h]!) } : { value: r[h] }))),
  ];
  writeFileSync(join(dir, 'cohort.xlsx'), await writeXlsxFile(sheet as never).toBuffer());
  rmSync(join(dir, 'cohort.csv'));
  const env = { PIPELINE_TODAY: '2026-11-29' };
  const usable = () => {
    const runs = join(root, 'data/runs/123');
    const latest = readdirSync(runs).filter((f) => /^\d{8}T.*\.json$/.test(f)).sort().at(-1)!;
    return (JSON.parse(readFileSync(join(runs, latest), 'utf8')) as { stages: { intake: { summary: { usable: number } } } }).stages.intake.summary.usable;
  };

  const first = await cli(root, ['--request', '123'], env);
  assert.is(first.status, 0, first.stdout + first.stderr);
  const before = usable();
  assert.ok(before > 500, String(before));

  const w = await cli(root, ['withdraw', '--request', '123', '--row', '5', '--yes'], env);
  assert.is(w.status, 0, w.stdout + w.stderr);
  const correction = readdirSync(join(dir, 'corrections'))[0]!;
  const written = parse(readFileSync(join(dir, 'corrections', correction), 'utf8'), { columns: true, skip_empty_lines: false, relax_column_count: true }) as Record<string, string>[];
  const dates = written.flatMap((r) => [...DATE_COLUMNS].map((c) => r[c] ?? '')).filter(Boolean);
  assert.ok(dates.length > 1000, String(dates.length));
  assert.equal(dates.filter((d) => !/^\d{4}-\d\d-\d\d$/.test(d)), [], 'every date is written as yyyy-mm-dd');
  // the corrected run lost the withdrawn person (one row, or two if they were sent twice), no one else
  assert.ok(usable() >= before - 2 && usable() < before, `${before} -> ${usable()}`);
});

test.run();
