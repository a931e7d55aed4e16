// What the register stage needs of each file of the national register: the columns its SQL reads
// and the kind of value each must hold. A register extract comes from another service, so its
// shape is checked before anything is loaded: a missing column or a date stored as text would
// otherwise surface as a DuckDB binder error naming SQL the analyst never wrote, or, worse, as
// string comparisons of dates that run and give wrong events.
import type { Duck } from '../../src/duck.ts';

/** id: a whole number; date: DATE; text: VARCHAR; number: any numeric type. */
type Kind = 'id' | 'date' | 'text' | 'number';

const NEEDS = ['accommodation', 'employment', 'relationships', 'lifestyle', 'drugs', 'alcohol', 'thinking', 'attitudes'];

export const REGISTER_FILES = {
  people: { register_id: 'id', dob: 'date', gender: 'text', ethnicity: 'text', nationality: 'text', region: 'text' },
  disposals: { disposal_id: 'id', register_id: 'id', disposal_date: 'date', disposal_type: 'text', sentence_months: 'number', release_date: 'date' },
  offences: { offence_id: 'id', register_id: 'id', disposal_id: 'id', offence_date: 'date', proven_date: 'date', offence_type: 'text', mode_of_trial: 'text' },
  spells: { register_id: 'id', spell_type: 'text', start_date: 'date', end_date: 'date' },
  assessments: { register_id: 'id', assessment_date: 'date', ogrs: 'number', ...Object.fromEntries(NEEDS.map((n) => [`need_${n}`, 'number'])) },
} satisfies Record<string, Record<string, Kind>>;

export type RegisterFile = keyof typeof REGISTER_FILES;

const INTEGER_TYPES = new Set(['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'UTINYINT', 'USMALLINT', 'UINTEGER']);
const NUMERIC_TYPES = new Set([...INTEGER_TYPES, 'UBIGINT', 'HUGEINT', 'FLOAT', 'DOUBLE']);

function fits(kind: Kind, type: string): boolean {
  if (kind === 'id') return INTEGER_TYPES.has(type);
  if (kind === 'date') return type === 'DATE';
  if (kind === 'text') return type === 'VARCHAR';
  return NUMERIC_TYPES.has(type) || type.startsWith('DECIMAL');
}

const KIND_NAMES: Record<Kind, string> = { id: 'a whole number (at most 64 bits)', date: 'a DATE', text: 'text (VARCHAR)', number: 'a number' };

/** Each problem with the register files' columns, as a sentence naming file and column (no values). */
export async function registerShapeProblems(db: Duck, paths: Record<RegisterFile, string>): Promise<string[]> {
  const problems: string[] = [];
  for (const [file, columns] of Object.entries(REGISTER_FILES) as [RegisterFile, Record<string, Kind>][]) {
    let found: Map<string, string>;
    try {
      const rows = await db.all<{ column_name: string; column_type: string }>('DESCRIBE SELECT * FROM read_parquet($f)', { f: paths[file] });
      found = new Map(rows.map((r) => [r.column_name, r.column_type]));
    } catch {
      problems.push(`reference/${file}.parquet: not a readable Parquet file`);
      continue;
    }
    for (const [column, kind] of Object.entries(columns)) {
      const type = found.get(column);
      if (type === undefined) problems.push(`reference/${file}.parquet: no column ${column}`);
      else if (!fits(kind, type)) problems.push(`reference/${file}.parquet, column ${column}: must be ${KIND_NAMES[kind]}, is ${type}`);
    }
  }
  return problems;
}
