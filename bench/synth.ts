// `npm run bench -- synth [people ...]`: time and peak memory of generating the synthetic register
// (with demo request 123) at the default scale and at national scale (5,000,000 people with a
// 58,000-person programme request). Each size runs in its own child process, so one run's memory
// is not counted in the next; DuckDB runs in-process, so the child's RSS includes it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duck } from '../src/duck.ts';
import { DEMO_PROGRAMME, nationalProgramme, synthesize } from '../synth/index.ts';
import { measure, recordBenchmark, type Row } from './record.ts';

const NATIONAL = 5_000_000;
const NATIONAL_REQUEST = 58_000;
const MEMORY_LIMIT = '3GB';

interface Result {
  people: number;
  requests: string;
  seconds: number;
  peakMiB: number;
  disposals: number;
  offences: number;
  referenceMiB: number;
}

async function one(people: number): Promise<Result> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-synth-'));
  try {
    const programmes = people >= NATIONAL ? [DEMO_PROGRAMME, nationalProgramme(NATIONAL_REQUEST)] : [DEMO_PROGRAMME];
    const { value, seconds, peakMiB } = await measure(() =>
      synthesize({ dataDir, people, programmes, threads: 2, memoryLimit: MEMORY_LIMIT, tempDirectory: join(dataDir, 'duckdb-tmp') }),
    );
    const ref = join(dataDir, 'reference');
    const db = await Duck.open({ threads: 2 });
    const count = async (file: string) =>
      Number((await db.one<{ n: bigint }>('SELECT count(*) AS n FROM read_parquet($p)', { p: join(ref, file) }))!.n);
    const disposals = await count('disposals.parquet');
    const offences = await count('offences.parquet');
    db.close();
    const referenceMiB = readdirSync(ref).reduce((sum, f) => sum + statSync(join(ref, f)).size, 0) / 2 ** 20;
    return { people, requests: value.map((s) => `${s.id} (${s.rows} rows)`).join(', '), seconds, peakMiB, disposals, offences, referenceMiB };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const args = process.argv.slice(2);
if (args[0] === '--one') {
  process.stdout.write(`RESULT ${JSON.stringify(await one(Number(args[1])))}\n`);
} else {
  const sizes = args.length ? args.map((a) => Number(a.replace(/_/g, ''))) : [200_000, NATIONAL];
  const self = fileURLToPath(import.meta.url);
  const rows: Row[] = [];
  for (const people of sizes) {
    console.error(`bench synth: ${people.toLocaleString('en-GB')} people...`);
    const out = execFileSync(process.execPath, [...process.execArgv, self, '--one', String(people)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
    const line = out.split('\n').find((l) => l.startsWith('RESULT '));
    if (!line) throw new Error(`no result for ${people} people`);
    const r = JSON.parse(line.slice('RESULT '.length)) as Result;
    rows.push({
      people: r.people.toLocaleString('en-GB'),
      requests: r.requests,
      disposals: r.disposals.toLocaleString('en-GB'),
      offences: r.offences.toLocaleString('en-GB'),
      'register MiB': r.referenceMiB.toFixed(0),
      seconds: r.seconds.toFixed(1),
      'peak RSS MiB': r.peakMiB.toFixed(0),
    });
  }
  recordBenchmark(
    'synth: synthetic national register and requests (bench/synth.ts)',
    rows,
    `generateRegister + writeReference + writeRequest (synthesize()), DuckDB threads 2, memory_limit ${MEMORY_LIMIT}, one child process per size. Targets: 5,000,000 people in at most 120 s and 4 GB.`,
  );
}
