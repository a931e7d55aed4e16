// The raw cells of an upload, as the readers give them and the checks take them: text from a
// CSV; text, numbers, booleans and dates from a workbook; null for an empty cell; and a marker
// for a formula whose result the workbook never saved.

/** A formula cell whose result was not saved in the workbook: neither a value nor blank. */
export class FormulaWithoutValue {
  toString(): string {
    return '';
  }
}
export const FORMULA_WITHOUT_VALUE = new FormulaWithoutValue();

export type RawCell = string | number | boolean | Date | null | FormulaWithoutValue;

export interface RawRow {
  /** Spreadsheet row number: header = 1, first person = 2; blank lines count, as in Excel (but are not returned). */
  row: number;
  cells: RawCell[];
}

export function isBlank(cell: RawCell | undefined): boolean {
  return cell === null || cell === undefined || (typeof cell === 'string' && cell.trim() === '');
}
