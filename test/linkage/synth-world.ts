// Helpers for linkage tests against the synthetic world: the provider's cohort.csv turned into the
// intake.cohort shape (the intake stage's job, done minimally here so these tests do not depend
// on it), and precision and recall against truth.csv.
import { join } from 'node:path';
import { Duck } from '../../src/duck.ts';

/** cohort.csv (dd/mm/yyyy dates, Male/Female) to an intake.cohort-shaped Parquet file. */
export async function cohortCsvToParquet(csv: string, out: string): Promise<void> {
  const db = await Duck.open({ threads: 1 });
  try {
    await db.run(
      `COPY (
         WITH raw AS (SELECT *, row_number() OVER () + 1 AS row FROM read_csv($csv, header = true, all_varchar = true))
         SELECT row::INTEGER AS row, reference, surname, forename,
                strptime(dob, '%d/%m/%Y')::DATE AS dob,
                CASE upper(gender) WHEN 'MALE' THEN 'M' WHEN 'FEMALE' THEN 'F' ELSE upper(gender) END AS gender,
                pnc_id, prison_number,
                try_strptime(index_date, '%d/%m/%Y')::DATE AS index_date,
                try_strptime(conviction_date, '%d/%m/%Y')::DATE AS conviction_date,
                try_strptime(intervention_start_date, '%d/%m/%Y')::DATE AS intervention_start_date,
                try_strptime(intervention_end_date, '%d/%m/%Y')::DATE AS intervention_end_date,
                sentence_type,
                trim(regexp_replace(strip_accents(upper(surname)), '[^A-Z ]', '', 'g')) AS surname_key,
                trim(regexp_replace(strip_accents(upper(forename)), '[^A-Z ]', '', 'g')) AS forename_key
         FROM raw ORDER BY row
       ) TO $out (FORMAT parquet)`,
      { csv, out },
    );
  } finally {
    db.close();
  }
}

export interface Quality {
  rows: number;
  inRegister: number;
  withRegisterId: number;
  correct: number;
  precision: number;
  recall: number;
  /** Rows of people in the register that were not found, by injected error kind (for diagnosis). */
  missedByError: Record<string, number>;
  wrongByError: Record<string, number>;
  statuses: Record<string, number>;
  eventAgreement: number;
}

/** Precision: linked register_id equals the truth's; recall: of rows whose truth has a register_id. */
export async function linkQuality(linksParquet: string, truthCsv: string): Promise<Quality> {
  const db = await Duck.open({ threads: 1 });
  try {
    await db.run(
      `CREATE TABLE q AS
       SELECT t.row, t.register_id AS true_id, t.disposal_id AS true_event, coalesce(t.errors, '') AS errors,
              l.status, l.register_id AS got_id, l.event_id AS got_event
       FROM read_csv($truth, header = true, types = {'row': 'INTEGER', 'register_id': 'BIGINT', 'disposal_id': 'BIGINT', 'duplicate_of': 'INTEGER', 'errors': 'VARCHAR'}) t
       FULL JOIN read_parquet($links) l ON l.row = t.row`,
      { truth: truthCsv, links: linksParquet },
    );
    const s = (await db.one<Record<string, number>>(
      `SELECT count(*)::INTEGER AS rows,
              count(true_id)::INTEGER AS in_register,
              count(got_id)::INTEGER AS with_id,
              count(*) FILTER (WHERE got_id = true_id)::INTEGER AS correct,
              count(*) FILTER (WHERE status = 'linked' AND got_id = true_id)::INTEGER AS linked_right_person,
              count(*) FILTER (WHERE status = 'linked' AND got_id = true_id AND got_event = true_event)::INTEGER AS right_event
       FROM q`,
    ))!;
    const byError = async (where: string) => {
      const rows = await db.all<{ e: string; n: number }>(
        `SELECT e, count(*)::INTEGER AS n FROM (SELECT unnest(CASE WHEN errors = '' THEN ['none'] ELSE string_split(errors, ';') END) AS e FROM q WHERE ${where}) GROUP BY e ORDER BY e`,
      );
      return Object.fromEntries(rows.map((r) => [r.e, r.n]));
    };
    const statuses = Object.fromEntries((await db.all<{ status: string; n: number }>('SELECT status, count(*)::INTEGER AS n FROM q GROUP BY status ORDER BY status')).map((r) => [r.status, r.n]));
    return {
      rows: s.rows!,
      inRegister: s.in_register!,
      withRegisterId: s.with_id!,
      correct: s.correct!,
      precision: s.with_id ? s.correct! / s.with_id : 1,
      recall: s.in_register ? s.correct! / s.in_register : 1,
      missedByError: await byError('true_id IS NOT NULL AND (got_id IS NULL OR got_id <> true_id)'),
      wrongByError: await byError('got_id IS NOT NULL AND (true_id IS NULL OR got_id <> true_id)'),
      statuses,
      eventAgreement: s.linked_right_person ? s.right_event! / s.linked_right_person : 1,
    };
  } finally {
    db.close();
  }
}

export const worldPaths = (dataDir: string, id: string) => ({
  reference: join(dataDir, 'reference'),
  cohortCsv: join(dataDir, 'requests', id, 'cohort.csv'),
  request: join(dataDir, 'requests', id, 'request.json'),
  truth: join(dataDir, 'truth', id, 'truth.csv'),
});
