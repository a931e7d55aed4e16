// Writes a small register folder (the data-contracts.md shapes) from plain rows, so tests can
// state histories by hand and run the real stage on real Parquet files.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Duck } from '../../src/duck.ts';
import { testTempDir } from '../helpers/temp-dir.ts';

export interface Person { register_id: number; dob: string; gender?: string; forename?: string; surname?: string; pnc_id?: string | null; ethnicity?: string; nationality?: string; region?: string }
export interface Disposal { disposal_id: number; register_id: number; disposal_date: string; disposal_type: string; sentence_months?: number | null; release_date?: string | null; court?: string | null }
export interface Offence { offence_id: number; register_id: number; disposal_id: number; offence_date: string; proven_date?: string; offence_type?: string; mode_of_trial?: string }
export interface Spell { register_id: number; spell_type: 'employment' | 'benefit'; start_date: string; end_date: string | null }
export interface Assessment { register_id: number; assessment_date: string; ogrs: number; needs?: number[] }
export interface PrisonNumber { register_id: number; prison_number: string; first_used: string }

export interface HandRegister {
  people: Person[];
  disposals: Disposal[];
  offences: Offence[];
  spells?: Spell[];
  assessments?: Assessment[];
  prisonNumbers?: PrisonNumber[];
  extractDate: string;
}

const NEEDS = ['accommodation', 'employment', 'relationships', 'lifestyle', 'drugs', 'alcohol', 'thinking', 'attitudes'];

const SCHEMAS: Record<string, string> = {
  people: `register_id BIGINT, pnc_id VARCHAR, forename VARCHAR, surname VARCHAR, dob DATE, gender VARCHAR, ethnicity VARCHAR, nationality VARCHAR, region VARCHAR`,
  prison_numbers: `register_id BIGINT, prison_number VARCHAR, first_used DATE`,
  disposals: `disposal_id BIGINT, register_id BIGINT, disposal_date DATE, disposal_type VARCHAR, sentence_months DOUBLE, release_date DATE, court VARCHAR`,
  offences: `offence_id BIGINT, register_id BIGINT, disposal_id BIGINT, offence_date DATE, proven_date DATE, offence_type VARCHAR, mode_of_trial VARCHAR`,
  spells: `register_id BIGINT, spell_type VARCHAR, start_date DATE, end_date DATE`,
  assessments: `register_id BIGINT, assessment_date DATE, ogrs DOUBLE, ${NEEDS.map((n) => `need_${n} INTEGER`).join(', ')}`,
};

/** Write the register into a fresh temp folder (or `dir`) and return the folder. */
export async function writeHandRegister(reg: HandRegister, dir = testTempDir('hand-register-')): Promise<string> {
  const disposalDate = new Map(reg.disposals.map((d) => [d.disposal_id, d.disposal_date]));
  const tables: Record<string, Record<string, unknown>[]> = {
    people: reg.people.map((p) => ({
      register_id: p.register_id, pnc_id: p.pnc_id ?? null, forename: p.forename ?? 'JOHN', surname: p.surname ?? 'DOE', dob: p.dob,
      gender: p.gender ?? 'M', ethnicity: p.ethnicity ?? 'White', nationality: p.nationality ?? 'UK', region: p.region ?? 'London',
    })),
    prison_numbers: (reg.prisonNumbers ?? []).map((x) => ({ ...x })),
    disposals: reg.disposals.map((d) => ({
      ...d, sentence_months: d.sentence_months ?? null, release_date: d.release_date ?? null,
      court: d.court ?? (d.disposal_type === 'caution' || d.disposal_type === 'pnd' ? null : 'magistrates'),
    })),
    offences: reg.offences.map((o) => ({
      ...o, proven_date: o.proven_date ?? disposalDate.get(o.disposal_id), offence_type: o.offence_type ?? 'theft', mode_of_trial: o.mode_of_trial ?? 'either_way',
    })),
    spells: (reg.spells ?? []).map((s) => ({ ...s })),
    assessments: (reg.assessments ?? []).map((a) => ({
      register_id: a.register_id, assessment_date: a.assessment_date, ogrs: a.ogrs,
      ...Object.fromEntries(NEEDS.map((n, i) => [`need_${n}`, a.needs?.[i] ?? 0])),
    })),
  };
  const db = await Duck.open({ threads: 1 });
  try {
    for (const [name, rows] of Object.entries(tables)) {
      const json = join(dir, `.${name}.json`);
      writeFileSync(json, JSON.stringify(rows));
      const columns = Object.fromEntries(SCHEMAS[name]!.split(', ').map((c) => c.split(' ') as [string, string]));
      await db.run(`CREATE TABLE "${name}" (${SCHEMAS[name]})`);
      if (rows.length) {
        const cols = Object.keys(columns).map((c) => `"${c}"`).join(', ');
        await db.run(`INSERT INTO "${name}" SELECT ${cols} FROM read_json($f, format = 'array', columns = ${duckStruct(columns)})`, { f: json });
      }
      await db.run(`COPY "${name}" TO '${join(dir, `${name}.parquet`).replaceAll("'", "''")}' (FORMAT parquet)`);
    }
  } finally {
    db.close();
  }
  writeFileSync(join(dir, 'extract.json'), JSON.stringify({ extract_date: reg.extractDate, seed: 0, people: reg.people.length, generator_version: 0 }));
  return dir;
}

function duckStruct(columns: Record<string, string>): string {
  return `{${Object.entries(columns).map(([k, v]) => `'${k}': '${v}'`).join(', ')}}`;
}

/** yyyy-mm-dd plus n days, in UTC. */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** yyyy-mm-dd plus n calendar months, clamped to the month's last day (DuckDB's interval rule). */
export function addMonths(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const total = y * 12 + (m - 1) + months;
  const ny = Math.floor(total / 12);
  const nm = total % 12;
  const last = new Date(Date.UTC(ny, nm + 1, 0)).getUTCDate();
  return `${String(ny).padStart(4, '0')}-${String(nm + 1).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}
