// PNC ID check letter. The algorithm is the one in the Ministry of Justice's own public validator
// (github.com/ministryofjustice/hmpps-person-record, PNCIdValidator.kt): take the two-digit year and
// the seven-digit serial as one number YYNNNNNNN, reduce it modulo 23, and map 0..22 onto
// "ZABCDEFGHJKLMNPQRTUVWXY" (I, O and S are left out, Z stands for 0). Its tests give e.g.
// 2001/0171310W, 2011/0275516Q, 2008/0056560Z, 1981/0154257C as valid IDs.
const CHECK_LETTERS = 'ZABCDEFGHJKLMNPQRTUVWXY';

export const PNC_SHAPE = /^(\d{2}|\d{4})\/(\d{1,7})([A-Z])$/;

export function pncCheckLetter(yearDigits: string, serial: string): string {
  const number = Number(yearDigits.slice(-2) + serial.padStart(7, '0'));
  return CHECK_LETTERS[number % 23]!;
}

/** True when the value has the PNC shape and its check letter fits; shape errors are reported elsewhere. */
export function pncCheckLetterFits(value: string): boolean {
  const m = PNC_SHAPE.exec(value);
  if (!m) return true;
  return pncCheckLetter(m[1]!, m[2]!) === m[3];
}

/**
 * The register's form, YYYY/NNNNNNNA. A two-digit year is read as 20YY when that is not after the
 * year the request was received, otherwise 19YY (PNC IDs are issued in the year of the first
 * arrest, so they are never in the future).
 */
export function normalisePnc(value: string, receivedYear: number | null): string | null {
  const m = PNC_SHAPE.exec(value);
  if (!m) return null;
  let year = m[1]!;
  if (year.length === 2) {
    const pivot = (receivedYear ?? 2099) % 100;
    year = (Number(year) <= pivot ? '20' : '19') + year;
  }
  return `${year}/${m[2]!.padStart(7, '0')}${m[3]}`;
}
