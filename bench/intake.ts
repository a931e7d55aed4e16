// `npm run bench -- intake [rows]`: a 60,000-person upload (the size of the largest cohort the
// real service has received) validated and normalised end to end through the intake stage, as
// CSV and as the Excel template. About 1 % of rows carry an error, as real uploads do.
//
// `npm run bench -- intake pathological`: uploads built to be slow (issue 16): a 1 MB CSV of a
// header and 1,000,000 empty lines (limit 5 s, 300 MB), the same with separators only, a
// million one-value lines refused by maxRows, and .xlsx workbooks with 200,000 blank rows (limit
// 10 s). Each runs the whole stage in a fresh process, whose kernel high-water mark is its peak.
// Measured in the same run: a floor (read the file and split it into lines, or inflate the
// sheet, in a fresh process: no reader can do less) and the old reader (csv-parse under
// relax_column_count, on the first 100,000 blank lines only: the full million took 244 s).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { unzipSync, zipSync } from 'fflate';
import writeXlsxFile from 'write-excel-file/node';
import stage from '../stages/intake/stage.ts';
import { parseCsv } from '../stages/intake/csv.ts';
import { zipMembers } from '../stages/intake/zip-sizes.ts';
import { runStageDirect } from '../test/helpers/run-stage.ts';
import { measure, recordBenchmark, type Row } from './record.ts';

const STAGE_URL = new URL('../stages/intake/stage.ts', import.meta.url).href;
const MODE = process.argv[2] === 'pathological' || process.argv[2] === '--scenario' ? process.argv[2] : 'volume';
const N = MODE === 'volume' ? Number(process.argv[2] ?? 60_000) : 0;
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


async function volume(): Promise<void> {
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
  // The CSV reader alone against csv-parse (the reader intake used before) on the same text, in
  // this run: best of three each, so the stage's own figure can be read against a peer.
  const text = [HEADER, ...people].map((r) => r.map(quote).join(',')).join('\n') + '\n';
  const best = (job: () => unknown) => Math.min(...[0, 1, 2].map(() => ((t) => (job(), performance.now() - t))(performance.now()))) / 1000;
  const ours = best(() => parseCsv(text, ',', Number.MAX_SAFE_INTEGER));
  const peer = best(() => parse(text, { relax_column_count: true, relax_quotes: true, skip_empty_lines: false, bom: false }));
  recordBenchmark(
    `intake: ${N.toLocaleString('en-GB')} rows validated and normalised (stage run end to end)`,
    results,
    `Read, decode, ajv validation of every row, plausibility rules, matching keys, duplicates, rejection file and the cohort Parquet through DuckDB (threads 1). Peak RSS is of the whole bench process, which holds the generated rows too. The CSV reader alone on the same ${(text.length / 2 ** 20).toFixed(1)} MB: ${ours.toFixed(3)} s; csv-parse (peer, as intake used it before): ${peer.toFixed(3)} s (best of three each). Load average ${loadavg()[0]!.toFixed(1)} at the end of the run (the machine is shared).`,
  );
}

// --- pathological uploads ---

const BENCH_REQUEST = {
  id: 'bench', organisation: { name: 'Bench Trust' }, programme: { name: 'Bench' }, contact: { name: 'B', email: 'b@example.org' },
  transfer_channel: 'cjsm', data_protection_assurance: true, analysis_period: { from: '2015-01-01', to: '2019-12-31' },
  dates: { received: '2024-05-01', results_shared: null, publication: null }, review_period_days: 28, retention: { pseudonymised_opt_out: false },
};

/** A workbook of 8 people with `blank` rows of 13 styled, empty cells after them, or before them when `before`. */
async function blankRowsWorkbook(blank: number, where: 'after' | 'before', kind: 'styled cells' | 'empty row elements'): Promise<Uint8Array> {
  const people = Array.from({ length: 8 }, (_, i) => person(i + 1));
  const members = unzipSync(await writeXlsxFile([HEADER, ...people] as never).toBuffer());
  const sheet = new TextDecoder().decode(members['xl/worksheets/sheet1.xml']);
  const rows = [...sheet.matchAll(/<row\b[\s\S]*?<\/row>/g)].map((m) => m[0]);
  const shift = (xml: string, by: number) => xml.replace(/<row r="(\d+)"/g, (_, n) => `<row r="${Number(n) + by}"`).replace(/<c r="([A-Z]+)(\d+)"/g, (_, c, n) => `<c r="${c}${Number(n) + by}"`);
  const blankRow = (r: number) => (kind === 'styled cells' ? `<row r="${r}" spans="1:13" s="1" customFormat="1">${HEADER.map((_, j) => `<c r="${String.fromCharCode(65 + j)}${r}" s="0"/>`).join('')}</row>` : `<row r="${r}"/>`);
  const blanks = (from: number) => Array.from({ length: blank }, (_, k) => blankRow(from + k)).join('');
  const body = where === 'after' ? rows.join('') + blanks(rows.length + 1) : rows[0]! + blanks(2) + rows.slice(1).map((r) => shift(r, blank)).join('');
  const xml = sheet.replace(/<sheetData>[\s\S]*<\/sheetData>/, `<sheetData>${body}</sheetData>`);
  return zipSync({ ...members, 'xl/worksheets/sheet1.xml': new TextEncoder().encode(xml) }, { level: 6 });
}

interface Scenario {
  name: string;
  file: string;
  make: () => Promise<string | Uint8Array>;
  params?: Record<string, number>;
  limit: string;
}

const HEADER_LINE = HEADER.join(',') + '\n';
const SCENARIOS: Scenario[] = [
  { name: 'csv: header + 1,000,000 empty lines', file: 'cohort.csv', make: async () => HEADER_LINE + '\n'.repeat(1_000_000), limit: '5 s, 300 MB' },
  { name: 'csv: header + 1,000,000 CRLF lines of separators only', file: 'cohort.csv', make: async () => HEADER_LINE + ',,,,,,,,,,,,\r\n'.repeat(1_000_000), limit: '' },
  { name: 'csv: header + 1,000,000 one-value lines (maxRows 200,000)', file: 'cohort.csv', make: async () => HEADER_LINE + 'x\n'.repeat(1_000_000), limit: 'refused' },
  { name: 'xlsx: 8 people + 200,000 blank rows of styled cells after them', file: 'cohort.xlsx', make: () => blankRowsWorkbook(200_000, 'after', 'styled cells'), limit: '10 s' },
  { name: 'xlsx: 200,000 blank rows of styled cells before 8 people', file: 'cohort.xlsx', make: () => blankRowsWorkbook(200_000, 'before', 'styled cells'), limit: '10 s' },
  { name: 'xlsx: 200,000 empty <row/> elements before 8 people', file: 'cohort.xlsx', make: () => blankRowsWorkbook(200_000, 'before', 'empty row elements'), limit: '10 s' },
];

/** In a fresh process: one of the scenarios through the stage, or a floor, or the old reader. */
async function child(kind: string, folder: string, file: string, params: Record<string, number>): Promise<Record<string, unknown>> {
  const path = join(folder, file);
  const t0 = performance.now();
  let outcome = '';
  if (kind === 'stage') {
    const run = await runStageDirect(stage, STAGE_URL, { inputs: { request: folder }, request: 'bench', params });
    const text = JSON.parse(readFileSync(run.outputs.summary!, 'utf8')) as { status: string; counts: { submitted: number }; problems: { kind: string }[]; reasons: { kind: string }[] };
    outcome = `${text.status}: ${text.counts.submitted} people rows; ${[...new Set([...text.reasons.map((r) => r.kind), ...text.problems.map((p) => p.kind)])].join(', ')}`;
    rmSync(run.workDir, { recursive: true, force: true });
  } else if (kind === 'floor') {
    // The least any reader does: read the bytes and find the line ends (CSV), or inflate the sheet (xlsx).
    const bytes = readFileSync(path);
    if (file.endsWith('.csv')) outcome = `${new TextDecoder().decode(bytes).split(/\r\n|\r|\n/).length.toLocaleString('en-GB')} lines`;
    else {
      const m = zipMembers(bytes)!.find((x) => x.name === 'xl/worksheets/sheet1.xml')!;
      const start = m.offset + 30 + bytes.readUInt16LE(m.offset + 26) + bytes.readUInt16LE(m.offset + 28);
      outcome = `${(inflateRawSync(bytes.subarray(start, start + m.compressed)).length / 2 ** 20).toFixed(1)} MB of sheet XML`;
    }
  } else if (kind === 'csv-parse') {
    const text = readFileSync(path, 'utf8').split('\n').slice(0, 100_001).join('\n');
    outcome = `${(parse(text, { relax_column_count: true, relax_quotes: true, skip_empty_lines: false }) as unknown[]).length.toLocaleString('en-GB')} records`;
  }
  const cpu = process.cpuUsage();
  return { seconds: (performance.now() - t0) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6, peakMiB: process.resourceUsage().maxRSS / 1024, outcome };
}

function inFreshProcess(kind: string, folder: string, file: string, params: Record<string, number> = {}): { seconds: number; cpuSeconds: number; peakMiB: number; outcome: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--scenario', kind, folder, file, JSON.stringify(params)], { encoding: 'utf8', maxBuffer: 16 * 2 ** 20 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('SCENARIO '));
  if (r.status !== 0 || !line) {
    process.stderr.write(r.stderr);
    throw new Error(`${kind} failed (exit ${r.status})`);
  }
  return JSON.parse(line.slice('SCENARIO '.length));
}

async function pathological(): Promise<void> {
  const load = loadavg()[0]!.toFixed(1);
  const dir = mkdtempSync(join(tmpdir(), 'bench-intake-bad-'));
  const rows: Row[] = [];
  const add = (scenario: string, what: string, mb: number, limit: string, m: { seconds: number; cpuSeconds: number; peakMiB: number; outcome: string }) =>
    rows.push({ upload: scenario, run: what, 'file MB': mb.toFixed(1), outcome: m.outcome, seconds: m.seconds.toFixed(2), 'process CPU s': m.cpuSeconds.toFixed(2), 'peak RSS MiB': m.peakMiB.toFixed(0), limit });
  try {
    for (const [k, s] of SCENARIOS.entries()) {
      const folder = join(dir, String(k));
      mkdirSync(folder);
      writeFileSync(join(folder, 'request.json'), JSON.stringify(BENCH_REQUEST));
      writeFileSync(join(folder, s.file), await s.make());
      const mb = statSync(join(folder, s.file)).size / 2 ** 20;
      add(s.name, 'intake stage', mb, s.limit, inFreshProcess('stage', folder, s.file, s.params));
      add(s.name, 'floor', mb, '', inFreshProcess('floor', folder, s.file));
      if (k === 0) add(s.name, 'old reader (csv-parse), first 100,000 lines only', mb, '', inFreshProcess('csv-parse', folder, s.file));
      console.log(`${s.name}: done`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  recordBenchmark(
    'intake: pathological uploads (issue 16)',
    rows,
    `Each run in a fresh Node process (tsx loaded), peak = the process's kernel high-water mark (process.resourceUsage().maxRSS), so the floor row includes what loading Node and tsx costs; "seconds" is the job's wall time, "process CPU s" the whole process's CPU time (loading Node and tsx included), which a busy machine does not inflate. "intake stage" is the whole stage through runStageDirect with default params (minPeople 60, maxRows 200,000). "floor" reads the file and splits it at every line ending (CSV) or inflates the sheet (xlsx): no reader can do less. The old reader is csv-parse as intake used it before (relax_column_count, one CsvError per short record), on the first 100,000 lines only. Load average ${load} when the run started (the machine is shared).`,
  );
}

if (MODE === '--scenario') {
  const [kind, folder, file, params] = process.argv.slice(3);
  const figures = await child(kind!, folder!, file!, JSON.parse(params ?? '{}'));
  console.log(`SCENARIO ${JSON.stringify(figures)}`);
  process.exit(0);
} else if (MODE === 'pathological') await pathological();
else await volume();
