// Writes a cohort Parquet file in the intake.cohort shape, and a request.json, from plain rows.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Duck } from '../../src/duck.ts';

export interface CohortRow {
  row: number;
  surname: string;
  forename: string;
  dob: string | null;
  gender?: string | null;
  pnc_id?: string | null;
  prison_number?: string | null;
  index_date?: string | null;
  conviction_date?: string | null;
  intervention_start_date?: string | null;
  intervention_end_date?: string | null;
  sentence_type?: string | null;
}

const COLUMNS = `row INTEGER, reference VARCHAR, surname VARCHAR, forename VARCHAR, dob DATE, gender VARCHAR, pnc_id VARCHAR, prison_number VARCHAR,
  index_date DATE, conviction_date DATE, intervention_start_date DATE, intervention_end_date DATE, sentence_type VARCHAR, surname_key VARCHAR, forename_key VARCHAR`;

export async function writeCohort(dir: string, rows: CohortRow[]): Promise<string> {
  const json = join(dir, '.cohort.json');
  const full = rows.map((r) => ({
    row: r.row, reference: null, surname: r.surname, forename: r.forename, dob: r.dob, gender: r.gender ?? 'M', pnc_id: r.pnc_id ?? null,
    prison_number: r.prison_number ?? null, index_date: r.index_date ?? null, conviction_date: r.conviction_date ?? null,
    intervention_start_date: r.intervention_start_date ?? null, intervention_end_date: r.intervention_end_date ?? null,
    sentence_type: r.sentence_type ?? null, surname_key: r.surname.toUpperCase(), forename_key: r.forename.toUpperCase(),
  }));
  writeFileSync(json, JSON.stringify(full));
  const out = join(dir, 'cohort.parquet');
  const db = await Duck.open({ threads: 1 });
  try {
    const cols = COLUMNS.split(',').map((c) => c.trim().split(/\s+/) as [string, string]);
    await db.run(`CREATE TABLE cohort (${COLUMNS})`);
    await db.run(
      `INSERT INTO cohort SELECT ${cols.map(([c]) => `"${c}"`).join(', ')} FROM read_json($f, format = 'array', columns = {${cols.map(([c, t]) => `'${c}': '${t}'`).join(', ')}})`,
      { f: json },
    );
    await db.run('COPY (SELECT * FROM cohort ORDER BY row) TO $out (FORMAT parquet)', { out });
  } finally {
    db.close();
  }
  return out;
}

export function writeRequest(dir: string, from: string, to: string): string {
  const path = join(dir, 'request.json');
  writeFileSync(path, JSON.stringify({ id: 'test', analysis_period: { from, to } }));
  return path;
}
