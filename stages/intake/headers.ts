// Header matching, forgiving in the ways people actually differ from the template: case, spaces,
// underscores, hyphens, a "*" or "(dd/mm/yyyy)" hint, and the synonyms listed in the cohort-row
// schema's x-headers ("Date of Birth", "DOB", "Last name", "Surname/Last name"). Anything else is
// an unknown column: it might hold data we must not take in, or a date we would misread.
import { shortValue, type Problem } from './problems.ts';
import type { RawCell } from './cells.ts';

export interface FieldInfo {
  name: string;
  title: string;
  headers: string[];
}

export interface ColumnMap {
  /** For each column index, the field it holds, or null for a column to ignore (blank header, no data). */
  fields: (string | null)[];
  /** The header as the provider wrote it, per field: used in the rejection file only. */
  headerOf: Record<string, string>;
  present: Set<string>;
  problems: Problem[];
}

export function headerWords(cell: RawCell): string {
  return String(cell ?? '')
    .slice(0, 200)
    .replace(/\([^)]*\)/g, ' ')
    .toLowerCase()
    // \s: every Unicode space (no-break, thin, ideographic ...), as pasted from a web page or Word
    .replace(/[_\-.*:\s]+/g, ' ')
    .replace(/[^\p{L}\p{N}/ ]+/gu, '')
    .replace(/\s+/g, ' ')
    .trim();
}

export function columnLetter(index: number): string {
  let s = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

export function mapColumns(
  header: RawCell[],
  columnHasData: (index: number) => boolean,
  fields: FieldInfo[],
  mandatory: string[],
  atLeastOne: string[],
): ColumnMap {
  const lookup = new Map<string, string>();
  for (const f of fields) for (const h of [f.name.replace(/_/g, ' '), ...f.headers]) lookup.set(headerWords(h), f.name);
  const match = (cell: RawCell): string | undefined => {
    const words = headerWords(cell);
    const direct = lookup.get(words);
    if (direct || !words.includes('/')) return direct;
    // "Surname/Last name": every part must name the same field.
    const parts = new Set(words.split('/').map((p) => lookup.get(p.trim())));
    return parts.size === 1 ? [...parts][0] : undefined;
  };

  const result: ColumnMap = { fields: [], headerOf: {}, present: new Set(), problems: [] };
  const unknown: number[] = [];
  header.forEach((cell, i) => {
    const shown = shortValue(String(cell ?? '').trim());
    if (!shown) {
      result.fields.push(null);
      if (columnHasData(i)) unknown.push(i);
      return;
    }
    const field = match(cell);
    result.fields.push(field ?? null);
    if (!field) unknown.push(i);
    else if (result.present.has(field)) {
      result.fields[i] = null;
      result.problems.push({
        kind: 'duplicate_column', row: 1, field: `column ${columnLetter(i)}`, column: shown,
        problem: `a second column for ${titleOf(fields, field)}: keep only one`, effect: 'request refused', value: shown,
      });
    } else {
      result.present.add(field);
      result.headerOf[field] = shown;
    }
  });

  if (result.present.size === 0 && header.length > 0) {
    result.problems.push({
      kind: 'no_header_row', row: 1, field: 'header', problem: 'row 1 does not hold the column names of the upload template (surname, forename, dob, gender, ...)', effect: 'request refused',
    });
    return result;
  }
  for (const i of unknown) {
    const shown = shortValue(String(header[i] ?? '').trim());
    result.problems.push({
      kind: 'unknown_column', row: 1, field: `column ${columnLetter(i)}`, column: shown || undefined,
      problem: shown ? 'not a column of the upload template: remove it or rename it to a template column' : 'has values but no column name',
      effect: 'request refused', value: shown,
    });
  }
  for (const name of mandatory)
    if (!result.present.has(name))
      result.problems.push({ kind: 'missing_column', row: 1, field: name, problem: `no ${titleOf(fields, name)} column: it is mandatory`, effect: 'request refused' });
  if (!atLeastOne.some((n) => result.present.has(n)))
    result.problems.push({
      kind: 'missing_column', row: 1, field: atLeastOne.join(' / '),
      problem: `no ${atLeastOne.map((n) => titleOf(fields, n)).join(', ')} column: at least one is needed`, effect: 'request refused',
    });
  return result;
}

function titleOf(fields: FieldInfo[], name: string): string {
  return (fields.find((f) => f.name === name)?.title ?? name).toLowerCase();
}

/** A heading that reads as a column name (letters, at most 40 characters), not as a value. */
const NAME_LIKE = /^\p{L}[\p{L}\p{M} _\-/().*']{0,39}$/u;

/**
 * The column problems in words for the console and the run record: a missing column by its
 * template name, an unknown or doubled one by its letter and, when the first row is a header
 * row (two template columns or more were recognised) and the heading reads as a name, its heading.
 * A heading that holds digits or symbols is left out: it may be a value typed in the wrong row.
 */
export function columnsMessage(map: ColumnMap): string {
  const trusted = map.present.size >= 2;
  const heading = (p: Problem) => (trusted && p.column && NAME_LIKE.test(p.column) ? ` ("${p.column}")` : '');
  const lettered: string[] = [];
  const others: string[] = [];
  let notShown = 0;
  for (const p of map.problems) {
    if (p.kind === 'unknown_column' || p.kind === 'duplicate_column') {
      // A header of thousands of columns is named by its first few: the console stays readable.
      if (lettered.length >= SHOWN_COLUMNS) notShown++;
      else if (p.kind === 'unknown_column') lettered.push(p.column ? `${p.field}${heading(p)} is not a template column` : `${p.field} has values but no column name`);
      else lettered.push(`${p.field}${heading(p)} is ${p.problem.replace(/: keep only one$/, '')}`);
    } else if (p.kind === 'missing_column') {
      others.push(p.field.includes(' / ') ? `no ${p.field.split(' / ').join(', ')} column (at least one is needed)` : `no ${p.field} column`);
    } else others.push(p.problem);
  }
  if (notShown) lettered.push(`and ${notShown.toLocaleString('en-GB')} more ${notShown === 1 ? 'column' : 'columns'} like these (all in the rejection file)`);
  return [...lettered, ...others].join('; ');
}

/** Unknown or doubled columns named one by one in the console message; the rest are counted. */
const SHOWN_COLUMNS = 10;
