// `npm run bench -- intake [rows]`: a 60,000-person upload (the size of the largest cohort the
// real service has received) validated and normalised end to end through the intake stage, as
// CSV and as the Excel template. About 1 % of rows carry an error, as real uploads do.
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import writeXlsxFile from 'write-excel-file/node';
import stage from '../stages/intake/stage.ts';
import { runStageDirect } from '../test/helpers/run-stage.ts';
import { measure, recordBenchmark, type Row } from './record.ts';

const N = Number(process.argv[2] ?? 60_000);
const HEADER = ['reference', 'surname', 'forename', 'dob', 'gender', 'pnc_id', 'prison_number', 'index_date', 'conviction_date', 'intervention_start_date', 'intervention_end_date', 'sentence_type', 'notes'];
const SYLLABLES = ['ash', 'brin', 'cor', 'dal', 'elm', 'fen', 'gar', 'hol', 'isk', 'jun', 'kel', 'lor', 'mar', 'nor', 'oak', 'pel', 'quin', 'ros', 'sal', 'tor', 'ul', 'ven', 'wyn', 'yar'];
const CHECK = 'ZABCDEFGHJKLMNPQRTUVWXY';

/** Deterministic fictional people: invented names, dates in every accepted form, some PNC IDs. */
function person(i: number): string[] {
  const s = (k: number) => SYLLABLES[k % SYLLABLES.length]!;
  const cap = (w: string) => w[0]!.toUpperCase() + w.slice(1);
  const surname = cap(s(i) + s(i >> 3) + s(i >> 7)) + (i % 17 === 0 ? '-' + cap(s(i >> 2)) : '');
  const forename = cap(s(i >> 5) + s(i * 7));
  const y = 1950 + (i % 50), m = (i % 12) + 1, d = (i % 28) + 1;
  const dob = i % 3 === 0 ? `${String(d).padStart(2, '0')}/${String(m).padStart(2, '0')}/${y}` : i % 3 === 1 ? `${d}/${m}/${y}` : `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  const start = `${String(d).padStart(2, '0')}/${String(((i >> 2) % 12) + 1).padStart(2, '0')}/${2015 + (i % 5)}`;
  const serial = String(i % 9_999_999);
  const yy = String(y + 20).slice(-2);
  const pnc = i % 4 === 0 ? `${y + 20}/${serial.padStart(7, '0')}${CHECK[Number(yy + serial.padStart(7, '0')) % 23]}` : '';
  const row = [`R${i}`, surname, forename, dob, i % 5 ? 'M' : 'Female', pnc, i % 6 === 0 ? `A${String(i % 10000).padStart(4, '0')}BC` : '', '', '', start, '', ['custody', 'community', 'suspended', ''][i % 4]!, ''];
  if (i % 100 === 99) row[3] = '31/02/1990'; // 1 % impossible dates
  return row;
}

const quote = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
const dir = mkdtempSync(join(tmpdir(), 'bench-intake-'));
const request = {
  id: 'bench', organisation: { name: 'Bench Trust' }, programme: { name: 'Bench' }, contact: { name: 'B', email: 'b@example.org' },
  transfer_channel: 'cjsm', data_protection_assurance: true, analysis_period: { from: '2015-01-01', to: '2019-12-31' },
  dates: { received: '2024-05-01', results_shared: null, publication: null }, review_period_days: 28, retention: { pseudonymised_opt_out: false },
};
const people = Array.from({ length: N }, (_, i) => person(i));

const results: Row[] = [];
for (const format of ['csv', 'xlsx'] as const) {
  const folder = join(dir, format);
  mkdirSync(folder);
  writeFileSync(join(folder, 'request.json'), JSON.stringify(request));
  const file = join(folder, `cohort.${format}`);
  if (format === 'csv') writeFileSync(file, [HEADER, ...people].map((r) => r.map(quote).join(',')).join('\n') + '\n');
  else writeFileSync(file, await writeXlsxFile([HEADER, ...people] as never).toBuffer());
  const run = await measure(() => runStageDirect(stage, new URL('../stages/intake/stage.ts', import.meta.url).href, { inputs: { request: folder }, request: 'bench' }));
  const summary = (run.value.result || {}).summary as { status: string; usable: number; unusable: number };
  results.push({
    format,
    rows: N.toLocaleString('en-GB'),
    'file MB': (statSync(file).size / 2 ** 20).toFixed(1),
    status: summary.status,
    usable: summary.usable.toLocaleString('en-GB'),
    unusable: summary.unusable.toLocaleString('en-GB'),
    seconds: run.seconds.toFixed(2),
    'rows/s': Math.round(N / run.seconds).toLocaleString('en-GB'),
    'peak RSS MiB': run.peakMiB.toFixed(0),
  });
  rmSync(run.value.workDir, { recursive: true, force: true });
}
rmSync(dir, { recursive: true, force: true });
recordBenchmark(`intake: ${N.toLocaleString('en-GB')} rows validated and normalised (stage run end to end)`, results, 'Read, decode, ajv validation of every row, plausibility rules, matching keys, duplicates, rejection file and the cohort Parquet through DuckDB (threads 1). Peak RSS is of the whole bench process, which holds the generated rows too.');
