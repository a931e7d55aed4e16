// Problems are values, never exceptions: bad input is reported, not thrown. A problem names the
// row and the field; only `value` (the cell as sent) may hold personal data, and it goes to the
// provider-facing rejection file and nowhere else.

/** What a problem does to the request. */
export type Effect =
  | 'request refused' // the whole request is rejected (file, columns, request.json)
  | 'row not used' // the person cannot be analysed
  | 'value ignored'; // an optional value is dropped, the person is still analysed

export interface Problem {
  kind: string;
  /** Row as the provider sees it in a spreadsheet (header = 1), or null for file and request problems. */
  row: number | null;
  /** The column as the provider named it, or a request.json path, or the file name. */
  field: string;
  /** Provider words without the value, e.g. "not a real date"; the same for every row of a kind. */
  problem: string;
  /** Longer wording for the rejection file only, e.g. naming the earlier row a duplicate copies. */
  detail?: string;
  effect: Effect;
  /** The column heading as the provider wrote it: rejection file only (a header row may hold data by mistake). */
  column?: string;
  /** The value as sent: personal, rejection file only. */
  value?: string;
}

export interface ProblemGroup {
  kind: string;
  field: string;
  problem: string;
  effect: Effect;
  count: number;
  /** Row numbers, ascending; empty for file and request problems. */
  rows: number[];
}

/** Group problems by kind and field, in a fixed order so the summary is byte-stable. Never carries values. */
export function groupProblems(problems: Problem[]): ProblemGroup[] {
  const groups = new Map<string, ProblemGroup>();
  for (const p of problems) {
    const id = `${p.kind}\u0000${p.field}\u0000${p.problem}`;
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { kind: p.kind, field: p.field, problem: p.problem, effect: p.effect, count: 0, rows: [] }));
    g.count++;
    if (p.row !== null) g.rows.push(p.row);
  }
  const out = [...groups.values()];
  for (const g of out) g.rows.sort((a, b) => a - b);
  const effectOrder: Record<Effect, number> = { 'request refused': 0, 'row not used': 1, 'value ignored': 2 };
  return out.sort(
    (a, b) =>
      effectOrder[a.effect] - effectOrder[b.effect] ||
      a.kind.localeCompare(b.kind, 'en') ||
      a.field.localeCompare(b.field, 'en') ||
      a.problem.localeCompare(b.problem, 'en'),
  );
}

/** "row 7, dob: not a real date": the form used in summaries and logs (no value). */
export function describe(p: Pick<Problem, 'row' | 'field' | 'problem'>): string {
  return p.row === null ? `${p.field}: ${p.problem}` : `row ${p.row}, ${p.field}: ${p.problem}`;
}

/** A whole-request reason, e.g. fewer than 60 people. Never holds personal data. */
export interface Reason {
  kind: string;
  message: string;
}

/** Format a count like the provider would write it: 1,000. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-GB');
}

/** How much of an over-long value the rejection file repeats. */
const SHOWN_OF_LONG_VALUE = 60;

/** A value for the rejection file: a huge cell is cut to its start and its length. */
export function shortValue(text: string): string {
  return text.length <= SHOWN_OF_LONG_VALUE ? text : `${text.slice(0, SHOWN_OF_LONG_VALUE)}… (${text.length.toLocaleString('en-GB')} characters)`;
}
