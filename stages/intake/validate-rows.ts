// Each person's row: raw cells -> trimmed strings -> ajv (the cohort-row schema) -> plausibility
// rules the schema cannot express -> normalised values and matching keys. Every problem of every
// row is collected; nothing is thrown for bad data.
import type { ErrorObject } from 'ajv';
import { ageOn, dateParts, excelDateToIso, excelSerialToIso, isRealDate, parseDate } from './dates.ts';
import { columnLetter, type ColumnMap } from './headers.ts';
import { nameKey } from './names.ts';
import { normalisePnc } from './pnc.ts';
import { shortValue, type Effect, type Problem } from './problems.ts';
import { FormulaWithoutValue, isBlank, type RawCell, type RawRow } from './cells.ts';
import type { ProblemWords, Schemas } from './schemas.ts';

export const DATE_FIELDS = ['dob', 'index_date', 'conviction_date', 'intervention_start_date', 'intervention_end_date'] as const;
type DateField = (typeof DATE_FIELDS)[number];

/** One usable person, as written to the cohort Parquet (dates as yyyy-mm-dd). */
export interface CohortRow {
  row: number;
  reference: string | null;
  surname: string;
  forename: string;
  dob: string;
  gender: 'M' | 'F';
  pnc_id: string | null;
  prison_number: string | null;
  index_date: string | null;
  conviction_date: string | null;
  intervention_start_date: string | null;
  intervention_end_date: string | null;
  sentence_type: string | null;
  surname_key: string;
  forename_key: string;
}

export const COHORT_COLUMNS: (keyof CohortRow)[] = [
  'row', 'reference', 'surname', 'forename', 'dob', 'gender', 'pnc_id', 'prison_number', 'index_date', 'conviction_date',
  'intervention_start_date', 'intervention_end_date', 'sentence_type', 'surname_key', 'forename_key',
];

export interface RowRules {
  maxCellChars: number;
  minAge: number;
  maxAge: number;
  /** yyyy-mm-dd the request was received: no date but the intervention end may be later. Null if unknown. */
  received: string | null;
  /** How a workbook counts serial-number dates (a General-formatted date cell); 1900 for CSV. */
  dateSystem?: 1900 | 1904;
  /** A CSV: a value over several lines may be rows swallowed by a stray quote (spansRows). */
  csv?: boolean;
}

/**
 * A date not real day first (dd/mm/yyyy) but real month first (mm/dd/yyyy), as a spreadsheet set
 * to US dates saves a CSV. Its column's other dates may then be month first too, and those that
 * are real both ways (05/04/1990) would be read wrong without a sign: stage.ts refuses the request.
 */
function monthFirst(text: string | undefined): boolean {
  const p = text === undefined ? null : dateParts(text);
  return p !== null && text!.includes('/') && p.m > 12 && isRealDate({ y: p.y, m: p.d, d: p.m });
}
/** A date real only day first: 25/12/1990 (there is no month 25). */
function dayFirstOnly(text: string | undefined): boolean {
  const p = text === undefined ? null : dateParts(text);
  return p !== null && text!.includes('/') && p.d > 12;
}
export const MONTH_FIRST: ProblemWords = { kind: 'month_first_date', problem: 'not a real date day first (dd/mm/yyyy); it reads as month first (mm/dd/yyyy), as a spreadsheet set to US dates writes it' };

/** Columns whose values may run over several lines (a note typed with Alt+Enter). */
const FREE_TEXT = new Set(['notes']);

/**
 * How many lines a CSV value runs over, when that means a quote was missing or extra: the rows
 * after it were read into this cell, and the people in them would be lost without a word. Such a
 * value holds separators as well as line breaks: in a column other than free text, any separator
 * (a name over two lines, quoted properly, is only not a name); in free text, a line that looks
 * like a whole row (as many separators as the file has columns, less one). 0 when it is fine.
 */
function spansRows(text: string, field: string, columns: number): number {
  if (text.indexOf('\n') < 0 && text.indexOf('\r') < 0) return 0;
  const lines = text.split(/\r\n|\r|\n/);
  const swallowed = FREE_TEXT.has(field)
    ? lines.slice(1).some((line) => SEPARATORS.some((sep) => line.split(sep).length >= columns))
    : SEPARATORS.some((sep) => text.includes(sep));
  return swallowed ? lines.length : 0;
}
const SEPARATORS = [',', ';', '\t', '|'];

export interface RowsResult {
  submitted: number;
  usable: CohortRow[];
  unusableRows: number;
  duplicates: number;
  problems: Problem[];
  /**
   * Per date column, the dates written with '/' that are real only day first (the first number
   * above 12): with the month-first ones (problems of kind month_first_date), they tell a column
   * written month first throughout from a day-first column with a typo.
   */
  dayFirstOnly: Record<string, number>;
}

/**
 * What spreadsheets and databases write for "no value": treated as an empty cell, so NULL is
 * never a forename. Deliberately not NA, Nan or Nil, which are real names (Na is a Korean surname).
 */
export const PLACEHOLDER = /^(?:null|nul|n\/a|#n\/a|n\.a\.?|none|unknown|not known|not given|undefined|-+|\?+)$/i;

/** Control characters other than tab and newlines: a NUL byte, an escape ... never part of a value. */
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** Control characters made visible for the rejection file (NUL -> ␀). */
function visible(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]/g, (c) => String.fromCharCode(c === '\u007f' ? 0x2421 : 0x2400 + c.charCodeAt(0)));
}

const CASE_FOLD: Record<string, (s: string) => string> = {
  gender: (s) => s.toUpperCase(),
  pnc_id: (s) => s.toUpperCase(),
  prison_number: (s) => s.toUpperCase(),
  sentence_type: (s) => s.toLowerCase(),
};

export function validateRows(rows: RawRow[], columns: ColumnMap, schemas: Schemas, rules: RowRules): RowsResult {
  const result: RowsResult = { submitted: 0, usable: [], unusableRows: 0, duplicates: 0, problems: [], dayFirstOnly: {} };
  const firstRowOf = new Map<string, number>();
  const props = schemas.rowSchema.properties;
  const effectOf = (field: string): Effect => props[field]?.['x-if-invalid'] ?? 'row not used';

  for (const { row, cells } of rows) {
    if (cells.every(isBlank)) continue; // a blank line: counted in row numbers, not a person
    result.submitted++;
    const problems: Problem[] = [];
    const add = (field: string, words: ProblemWords, effect: Effect, value?: string) =>
      problems.push({ kind: words.kind, row, field: words.field ?? field, column: columns.headerOf[words.field ?? field], problem: words.problem, effect, value });

    const values: Record<string, string> = {};
    const sent: Record<string, string> = {}; // trimmed, before case folding: "the value as sent"
    const reported = new Set<string>();
    const placeholders: Record<string, string> = {}; // NULL, N/A ... as sent, per field
    // Values beyond the last column: one problem for the row, however many there are.
    let extra = 0;
    let firstExtra = -1;
    cells.forEach((cell, i) => {
      const field = columns.fields[i];
      if (field === undefined) {
        if (!isBlank(cell) && extra++ === 0) firstExtra = i;
        return;
      }
      if (field === null) return;
      if (cell instanceof FormulaWithoutValue) {
        reported.add(field);
        add(field, { kind: 'formula_without_value', problem: 'holds a formula whose result was not saved in the file: open it in Excel and save it again, or paste the value' }, effectOf(field));
        return;
      }
      const text = cellText(cell, (DATE_FIELDS as readonly string[]).includes(field), rules.dateSystem ?? 1900);
      const lines = rules.csv ? spansRows(text, field, columns.fields.length) : 0;
      if (lines) {
        reported.add(field);
        add(field, { kind: 'quote_spans_rows', problem: `runs over ${lines.toLocaleString('en-GB')} lines: a quote (") is probably missing or extra, so the rows after it were read into this cell` }, 'request refused', shortValue(text));
        return;
      }
      // Measured before trimming or any regex, so a 50 MB cell is never scanned by a pattern.
      if (text.length > rules.maxCellChars) {
        reported.add(field);
        add(field, { kind: 'too_long', problem: `longer than ${rules.maxCellChars.toLocaleString('en-GB')} characters` }, effectOf(field), shortValue(text));
        return;
      }
      if (CONTROL.test(text)) {
        reported.add(field);
        add(field, { kind: 'control_character', problem: 'contains a control character (such as a NUL byte) that does not belong in a value' }, effectOf(field), shortValue(visible(text)));
        return;
      }
      const trimmed = text.trim();
      if (!trimmed) return;
      if (PLACEHOLDER.test(trimmed)) {
        placeholders[field] = trimmed;
        return;
      }
      sent[field] = trimmed;
      values[field] = CASE_FOLD[field]?.(trimmed) ?? trimmed;
    });

    if (extra)
      problems.push({
        kind: 'extra_values', row, field: `column ${columnLetter(firstExtra)}`, problem: 'has a value beyond the last column: is there a separator inside a value?',
        detail: extra === 1 ? undefined : `has ${extra.toLocaleString('en-GB')} values beyond the last column, from this one on: is there a separator inside a value?`,
        effect: 'row not used', value: shortValue(String(cells[firstExtra])),
      });

    if (!schemas.row(values)) {
      for (const error of schemas.row.errors ?? []) {
        const mapped = mapError(error, schemas);
        if (!mapped) continue;
        if (error.keyword === 'required' && (reported.has(mapped.field) || !columns.present.has(mapped.field))) continue;
        reported.add(mapped.field);
        if (error.keyword === 'required' && placeholders[mapped.field] !== undefined) {
          add(mapped.field, { kind: mapped.words.kind, problem: 'missing: NULL, N/A and the like stand for no value, and this column is mandatory' }, effectOf(mapped.field), placeholders[mapped.field]);
          continue;
        }
        // A rule about the row as a whole (at least one date) always makes it unusable.
        const effect = error.instancePath === '' && error.keyword !== 'required' ? 'row not used' : effectOf(mapped.field);
        const words = mapped.words.kind === 'not_a_real_date' && monthFirst(values[mapped.field]) ? MONTH_FIRST : mapped.words;
        add(mapped.field, words, effect, sent[mapped.field]);
      }
    }

    // Values that failed the schema are dropped; what is left is checked for plausibility.
    const ok = (f: string) => values[f] !== undefined && !reported.has(f);
    const dates = {} as Record<DateField, string | null>;
    for (const f of DATE_FIELDS) dates[f] = ok(f) ? parseDate(values[f]!) : null;
    for (const f of DATE_FIELDS) if (dates[f] && dayFirstOnly(values[f])) result.dayFirstOnly[f] = (result.dayFirstOnly[f] ?? 0) + 1;
    for (const f of DATE_FIELDS) {
      const d = dates[f];
      if (!d) continue;
      if (d < '1900-01-01') add(f, { kind: 'implausible_date', problem: 'before 1900' }, 'row not used', sent[f]);
      else if (f !== 'intervention_end_date' && rules.received && d > rules.received)
        add(f, { kind: 'date_after_received', problem: 'after the date the request was received' }, 'row not used', sent[f]);
      else continue;
      dates[f] = null; // already wrong: the rules below would only repeat it in other words
    }
    const event = dates.intervention_start_date ?? dates.index_date ?? dates.conviction_date;
    if (dates.dob && event) {
      const age = ageOn(dates.dob, event);
      if (age < rules.minAge || age > rules.maxAge)
        add('dob', { kind: 'implausible_age', problem: `age at the intervention is not between ${rules.minAge} and ${rules.maxAge}` }, 'row not used', sent.dob);
    }
    if (dates.intervention_start_date && dates.intervention_end_date && dates.intervention_end_date < dates.intervention_start_date)
      add('intervention_end_date', { kind: 'end_before_start', problem: 'before the intervention start date' }, 'row not used', sent.intervention_end_date);

    const surnameKey = ok('surname') ? nameKey(values.surname!) : '';
    const forenameKey = ok('forename') ? nameKey(values.forename!) : '';
    for (const [f, key] of [['surname', surnameKey], ['forename', forenameKey]] as const)
      if (ok(f) && !key) add(f, { kind: 'no_latin_letters', problem: 'has no letters A to Z to match on: please also give the name in Latin letters' }, 'row not used', sent[f]);

    for (const p of problems) result.problems.push(p);
    // A mandatory value can also be absent without a row problem, when its whole column is
    // missing: that is reported once as a column problem, and the row cannot be used either.
    const complete = schemas.mandatory.every(ok) && dates.dob !== null;
    if (!complete || problems.some((p) => p.effect === 'row not used')) {
      result.unusableRows++;
      continue;
    }
    const person: CohortRow = {
      row,
      reference: ok('reference') ? values.reference! : null,
      surname: values.surname!,
      forename: values.forename!,
      dob: dates.dob!,
      gender: values.gender!.startsWith('M') ? 'M' : 'F',
      pnc_id: ok('pnc_id') ? normalisePnc(values.pnc_id!, rules.received ? Number(rules.received.slice(0, 4)) : null) : null,
      prison_number: ok('prison_number') ? values.prison_number! : null,
      index_date: dates.index_date,
      conviction_date: dates.conviction_date,
      intervention_start_date: dates.intervention_start_date,
      intervention_end_date: dates.intervention_end_date,
      sentence_type: ok('sentence_type') ? values.sentence_type! : null,
      surname_key: surnameKey,
      forename_key: forenameKey,
    };
    // The same person twice (same matching keys and date of birth): keep the first, drop the later copy.
    const identity = `${surnameKey}|${forenameKey}|${person.dob}`;
    const first = firstRowOf.get(identity);
    if (first !== undefined) {
      result.duplicates++;
      result.problems.push({
        kind: 'duplicate', row, field: 'surname, forename, dob', problem: 'the same person as an earlier row: this copy is not used', detail: `the same person as row ${first}: this copy is not used`, effect: 'value ignored',
      });
      continue;
    }
    firstRowOf.set(identity, row);
    result.usable.push(person);
  }
  return result;
}

/**
 * A cell as text: Excel dates and (in date columns) serial numbers become yyyy-mm-dd. Also used by
 * `withdraw --row` to write a workbook back out as a CSV correction that intake reads the same.
 */
export function cellText(cell: RawCell, isDate = false, dateSystem: 1900 | 1904 = 1900): string {
  if (cell === null || cell instanceof FormulaWithoutValue) return '';
  if (cell instanceof Date) return excelDateToIso(cell) ?? '';
  if (typeof cell === 'number') return (isDate ? excelSerialToIso(cell, dateSystem) : null) ?? String(cell);
  if (typeof cell === 'boolean') return cell ? 'TRUE' : 'FALSE';
  return cell;
}


/** Provider words for one ajv error, from the x-problems of the schema that failed. */
function mapError(error: ErrorObject, schemas: Schemas): { field: string; words: ProblemWords } | null {
  // anyOf's branches report their own "required" errors: the anyOf error itself says it better.
  if (error.schemaPath.includes('/anyOf/')) return null;
  const root = schemas.rowSchema;
  if (error.keyword === 'required') {
    const field = (error.params as { missingProperty: string }).missingProperty;
    return { field, words: root.properties[field]?.['x-problems']?.required ?? { kind: 'missing_value', problem: 'missing' } };
  }
  if (error.instancePath === '') {
    const words = root['x-problems']?.[error.keyword];
    return words ? { field: words.field ?? 'row', words } : { field: 'row', words: { kind: `invalid_${error.keyword}`, problem: 'is not valid' } };
  }
  const field = error.instancePath.slice(1);
  const words = (error.parentSchema as { 'x-problems'?: Record<string, ProblemWords> } | undefined)?.['x-problems']?.[error.keyword];
  return { field, words: words ?? { kind: `invalid_${error.keyword}`, problem: 'is not valid' } };
}
