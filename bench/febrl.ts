// `npm run bench -- febrl`: the FEBRL person-record sets 1-3 (../shared/benchmarks/febrl, data we
// did not make) through the `link` tool, each set's originals (rec-N-org) as the register and its
// duplicates (rec-N-dup-K) as the cohort. A cohort row is found when it carries its original's
// register id, whatever its status. Also run the other way round (originals as the cohort) to
// show the pairs do not depend on which file is which. Records precision, recall and F1, the
// compared pairs and the EM iterations in BENCHMARKS.md.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { linkFiles } from '../stages/linkage/link-files.ts';
import { Duck } from '../src/duck.ts';
import { measure, recordBenchmark } from './record.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FEBRL = resolve(process.argv.slice(2).find((a) => !a.startsWith('--')) ?? join(ROOT, '..', 'shared', 'benchmarks', 'febrl'));
const COLUMNS = new Map([['rec_id', 'register_id'], ['given_name', 'forename'], ['date_of_birth', 'dob']]);

export interface FebrlScore { set: string; cohortRows: number; registerRows: number; withId: number; found: number; precision: number; recall: number; f1: number }

/** Split a FEBRL set into originals and duplicates, as CSV files in `dir` (values trimmed; their own files, never copied into the repo). */
async function split(db: Duck, set: string, dir: string) {
  const src = join(FEBRL, `${set}.csv`);
  await db.run(`CREATE OR REPLACE TABLE febrl AS SELECT * FROM read_csv($f, header = true, all_varchar = true, delim = ',')`, { f: src });
  const cols = (await db.all<{ column_name: string }>(`SELECT column_name FROM (DESCRIBE febrl)`)).map((c) => c.column_name);
  const trimmed = cols.map((c) => `trim("${c}") AS "${c.trim()}"`).join(', ');
  const org = join(dir, `${set}-org.csv`);
  const dup = join(dir, `${set}-dup.csv`);
  await db.run(`COPY (SELECT ${trimmed} FROM febrl WHERE trim(rec_id) LIKE '%-org' ORDER BY trim(rec_id)) TO $o (FORMAT csv, HEADER true)`, { o: org });
  await db.run(`COPY (SELECT ${trimmed} FROM febrl WHERE trim(rec_id) LIKE '%-dup-%' ORDER BY trim(rec_id)) TO $o (FORMAT csv, HEADER true)`, { o: dup });
  return { org, dup };
}

/** Score links of `cohortCsv` rows: found when the register id carries the same person number. */
async function score(db: Duck, set: string, cohortCsv: string, links: string, registerRows: number): Promise<FebrlScore> {
  const r = (await db.one<Record<string, number>>(
    `WITH c AS (SELECT row_number() OVER () + 1 AS row, rec_id FROM read_csv($c, header = true, all_varchar = true)),
          j AS (SELECT c.rec_id, l.register_id FROM c JOIN read_parquet($l) l USING (row))
     SELECT count(*)::INTEGER AS n,
            count(register_id)::INTEGER AS with_id,
            count(*) FILTER (WHERE split_part(register_id, '-', 2) = split_part(rec_id, '-', 2))::INTEGER AS found
     FROM j`,
    { c: cohortCsv, l: links },
  ))!;
  const precision = r.with_id ? r.found! / r.with_id : 1;
  const recall = r.found! / r.n!;
  return { set, cohortRows: r.n!, registerRows, withId: r.with_id!, found: r.found!, precision, recall, f1: (2 * precision * recall) / (precision + recall) };
}

export async function runFebrl(sets = ['dataset1', 'dataset2', 'dataset3'], reverse = true) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-febrl-'));
  const db = await Duck.open({ threads: 1 });
  const results: { score: FebrlScore; seconds: number; pairs: number; em: number; reverse?: FebrlScore }[] = [];
  try {
    for (const set of sets) {
      const { org, dup } = await split(db, set, dir);
      const out = join(dir, `${set}-out`);
      const run = await measure(() => linkFiles({ cohort: dup, people: org, out, columns: COLUMNS, threads: 2 }));
      const report = JSON.parse(readFileSync(run.value.files.report, 'utf8'));
      const s = await score(db, set, dup, run.value.files.links, run.value.inputs.registerRows);
      let rev: FebrlScore | undefined;
      if (reverse && set === 'dataset1') {
        // the other way round: the duplicates as the register, the originals as the cohort
        const outR = join(dir, `${set}-rev`);
        const runR = await linkFiles({ cohort: org, people: dup, out: outR, columns: COLUMNS, threads: 2 });
        rev = await score(db, `${set} reversed`, org, runR.files.links, runR.inputs.registerRows);
      }
      results.push({ score: s, seconds: run.seconds, pairs: report.blocking.candidate_pairs, em: report.model.training.em_iterations, reverse: rev });
    }
  } finally {
    db.close();
  }
  return results;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const results = await runFebrl();
  const rows = results.flatMap((r) => [r.score, ...(r.reverse ? [r.reverse] : [])].map((s) => ({
    set: s.set,
    'register (originals)': s.registerRows,
    'cohort (duplicates)': s.cohortRows,
    'rows given an id': s.withId,
    found: s.found,
    precision: s.precision.toFixed(4),
    recall: s.recall.toFixed(4),
    F1: s.f1.toFixed(4),
    'compared pairs': s === r.score ? r.pairs : '',
    'EM iterations': s === r.score ? r.em : '',
    seconds: s === r.score ? r.seconds.toFixed(1) : '',
  })));
  for (const r of rows) console.log(JSON.stringify(r));
  if (!process.argv.includes('--no-record')) {
    recordBenchmark('linkage quality on FEBRL sets 1-3 (link tool, originals as the register)', rows, [
      'Data: ../shared/benchmarks/febrl (Febrl generator, via the Python Record Linkage Toolkit). Fields used: given_name, surname, date_of_birth (no gender, no identifiers).',
      'Found: the cohort row carries its original\'s register id, whatever its status; precision: found / rows given an id; recall: found / cohort rows.',
      '"dataset1 reversed": the same set with the duplicates as the register and the originals as the cohort.',
    ].join('\n'));
  }
}
