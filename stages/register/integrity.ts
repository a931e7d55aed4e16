// The register's integrity (integrity.sql): repeated or missing keys stop the stage with the file,
// row and field of the first one (never the value: ids are pseudonymous, but an error message is
// shown on consoles and kept in run records); rows that reference nothing are left out and counted.
import { join } from 'node:path';
import type { Duck } from '../../src/duck.ts';

export interface LeftOut {
  disposals_without_person: number;
  offences_without_disposal: number;
}

interface KeyCheck {
  file: string;
  field: string;
  missing: bigint;
  repeated: bigint;
}

const rowOf = (r: bigint | number) => (Number(r) + 1).toLocaleString('en-GB');

/**
 * The first row of a file whose key is missing, and the first that repeats an earlier row's key,
 * read from the file itself so the row numbers are the provider's (1 = the first data row). The
 * field is one of integrity.sql's fixed key columns, never text from the data.
 */
async function locate(db: Duck, path: string, field: string): Promise<{ missing?: bigint; repeat?: bigint; first?: bigint }> {
  const id = `"${field}"`;
  const row = await db.one<{ missing: bigint | null; repeat: bigint | null; first: bigint | null }>(
    `WITH t AS (SELECT ${id} AS id, file_row_number AS r FROM read_parquet($f, file_row_number = true)),
          repeats AS (SELECT r, min(r) OVER (PARTITION BY id) AS first, row_number() OVER (PARTITION BY id ORDER BY r) AS k FROM t WHERE id IS NOT NULL)
     SELECT (SELECT min(r) FROM t WHERE id IS NULL) AS missing,
            (SELECT r FROM repeats WHERE k = 2 ORDER BY r LIMIT 1) AS repeat,
            (SELECT first FROM repeats WHERE k = 2 ORDER BY r LIMIT 1) AS first`,
    { f: path },
  );
  return { missing: row?.missing ?? undefined, repeat: row?.repeat ?? undefined, first: row?.first ?? undefined };
}

/** Run the checks; throws naming file, row and field when a key is missing or repeated. */
export async function checkIntegrity(db: Duck, dir: string, files: Record<string, string>): Promise<LeftOut> {
  await db.file(join(dir, 'integrity.sql'), { offences: files.offences! });
  const problems: string[] = [];
  for (const c of await db.all<KeyCheck>('SELECT * FROM register_key_checks ORDER BY file')) {
    if (c.missing === 0n && c.repeated === 0n) continue;
    const where = await locate(db, files[c.file]!, c.field);
    const name = `reference/${c.file}.parquet`;
    if (c.missing > 0n && where.missing !== undefined) {
      problems.push(`${name} row ${rowOf(where.missing)}, ${c.field}: missing (${c.missing.toLocaleString('en-GB')} ${c.missing === 1n ? 'row' : 'rows'} without one); every row needs one`);
    }
    if (c.repeated > 0n && where.repeat !== undefined && where.first !== undefined) {
      problems.push(`${name} row ${rowOf(where.repeat)}, ${c.field}: the same as row ${rowOf(where.first)}'s (${c.repeated.toLocaleString('en-GB')} ${c.repeated === 1n ? 'row repeats' : 'rows repeat'} an earlier one); each must appear once`);
    }
  }
  if (problems.length) throw new Error(`the national register cannot be used: ${problems.join('; ')}`);
  const count = async (table: string) => Number((await db.one<{ n: bigint }>(`SELECT n FROM ${table}`))!.n);
  return {
    disposals_without_person: await count('register_disposals_without_person'),
    offences_without_disposal: await count('register_offences_without_disposal'),
  };
}
