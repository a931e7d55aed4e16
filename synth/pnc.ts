// PNC ids are written YYYY/NNNNNNNA: the year of first arrest, a serial within that year and a
// check letter. The check letter is the remainder of (two-digit year followed by the serial) mod
// 23, looked up in this alphabet (I, O and S are left out), so one transposed or mistyped digit
// almost always gives an id whose check letter no longer fits. The SQL generator uses the same rule.

export const PNC_CHECK_ALPHABET = 'ZABCDEFGHJKLMNPQRTUVWXY';

export function pncCheckLetter(year: number, serial: number): string {
  const value = (year % 100) * 10_000_000 + serial;
  return PNC_CHECK_ALPHABET[value % 23]!;
}

const PNC_PATTERN = /^(\d{4})\/(\d{7})([A-Z])$/;

/** True when the id has the PNC shape and its check letter fits its digits. */
export function isValidPnc(id: string): boolean {
  const m = PNC_PATTERN.exec(id);
  return !!m && pncCheckLetter(Number(m[1]), Number(m[2])) === m[3];
}
