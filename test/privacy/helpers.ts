// What the privacy tests need to play the attacker: the identities of a cohort as sent, read from
// its CSV before anything is run, and a way to look for them in every file under a data folder.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { parse } from 'csv-parse/sync';
import { listFiles } from '../../src/hash.ts';

export interface Person {
  row: number;
  forename: string;
  surname: string;
  /** yyyy-mm-dd */
  dob: string;
  pnc: string;
  prison: string;
  reference: string;
}

export function readCohort(csv: string): Person[] {
  const rows = parse(readFileSync(csv, 'utf8'), { columns: true, skip_empty_lines: false, relax_column_count: true }) as Record<string, string>[];
  return rows.map((r, i) => {
    const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec((r.dob ?? '').trim());
    return {
      row: i + 2,
      forename: (r.forename ?? '').trim(),
      surname: (r.surname ?? '').trim(),
      dob: m ? `${m[3]}-${m[2]!.padStart(2, '0')}-${m[1]!.padStart(2, '0')}` : (r.dob ?? '').trim(),
      pnc: (r.pnc_id ?? '').trim(),
      prison: (r.prison_number ?? '').trim(),
      reference: (r.reference ?? '').trim(),
    };
  }).filter((p) => p.forename || p.surname);
}

/** The strings that identify a person on their own, upper case: ids, and full names both ways round. */
export function identifyingStrings(p: Person): string[] {
  const out = [p.pnc, p.prison, p.reference].filter((s) => s.length >= 4);
  if (p.forename && p.surname) out.push(`${p.forename} ${p.surname}`, `${p.surname} ${p.forename}`, `${p.surname}, ${p.forename}`);
  return out.map((s) => s.toUpperCase());
}

/**
 * Files under a data folder, relative, without the national register (data/reference) and the
 * blobs built from it alone (the register stage's outputs, request-independent): the attacker holds
 * the register anyway, so they can tell nothing about who a provider sent.
 */
/** Stages whose inputs are the register folder alone (pipeline.config.ts). */
const REGISTER_ONLY_STAGES = ['register', 'linkage-model'];

export function dataFiles(dataDir: string, skip: string[] = ['reference']): string[] {
  // what the register alone gives: the blobs of the stages that read nothing else (the register's
  // events; the linkage-model's keys and frequencies of every register person)
  const fromRegister = new Set<string>();
  for (const stage of REGISTER_ONLY_STAGES) {
    const records = join(dataDir, 'store', 'stages', stage);
    if (exists(records)) for (const f of readdirSync(records)) for (const o of Object.values((JSON.parse(readFileSync(join(records, f), 'utf8')) as { outputs: Record<string, { hash: string }> }).outputs)) fromRegister.add(`store/objects/${o.hash}`);
  }
  return listFiles(dataDir)
    .map((f) => relative(dataDir, f).split(sep).join('/'))
    .filter((f) => !skip.some((s) => f === s || f.startsWith(`${s}/`)) && !fromRegister.has(f));
}

/**
 * The readable content of a file as an attacker would get it: a Parquet or Arrow table's rows
 * decoded (values joined by spaces and commas), anything else as its raw bytes.
 */
export async function readableText(file: string): Promise<string> {
  const bytes = readFileSync(file);
  const magic = bytes.subarray(0, 6).toString('latin1');
  if (magic.startsWith('PAR1')) {
    const { Duck } = await import('../../src/duck.ts');
    const db = await Duck.open({ threads: 1 });
    try {
      const rows = await db.all<{ line: string }>("SELECT concat_ws(' , ', *COLUMNS(*)) AS line FROM read_parquet($p)", { p: file });
      return rows.map((r) => r.line).join('\n');
    } finally {
      db.close();
    }
  }
  if (magic === 'ARROW1') {
    const { tableFromIPC } = await import('apache-arrow');
    return [...tableFromIPC(bytes)].map((r) => Object.values(r?.toJSON() ?? {}).map(String).join(' , ')).join('\n');
  }
  return bytes.toString('latin1');
}

/** Files whose readable content (upper-cased, runs of space collapsed) contains any of the strings. */
export async function filesHolding(dataDir: string, files: string[], strings: string[]): Promise<{ file: string; what: string }[]> {
  const hits: { file: string; what: string }[] = [];
  const set = [...new Set(strings.filter(Boolean))];
  for (const f of files) {
    const text = (await readableText(join(dataDir, f))).toUpperCase().replace(/\s+/g, ' ');
    for (const s of set) if (text.includes(s)) hits.push({ file: f, what: s.length > 3 ? `${s.slice(0, 2)}…` : '…' });
  }
  return hits;
}

export function exists(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
}

export { readdirSync };
