// Dates as providers write them: dd/mm/yyyy (or d/m/yyyy), yyyy-mm-dd, and Excel date cells or
// serial numbers. Everything becomes an ISO yyyy-mm-dd string, which DuckDB casts to DATE exactly.
// Two-digit years are refused rather than guessed: 01/02/03 has no safe reading.

const DAY_FIRST = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;
const ISO = /^(\d{4})-(\d{2})-(\d{2})$/;

export interface YMD {
  y: number;
  m: number;
  d: number;
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

export function daysInMonth(y: number, m: number): number {
  return [31, isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1] ?? 0;
}

/** The written parts of a date in a known shape, real or not; null when the shape is unknown. */
export function dateParts(text: string): YMD | null {
  let m = DAY_FIRST.exec(text);
  if (m) return { d: Number(m[1]), m: Number(m[2]), y: Number(m[3]) };
  m = ISO.exec(text);
  if (m) return { y: Number(m[1]), m: Number(m[2]), d: Number(m[3]) };
  return null;
}

export function isRealDate(p: YMD): boolean {
  return p.y >= 1 && p.m >= 1 && p.m <= 12 && p.d >= 1 && p.d <= daysInMonth(p.y, p.m);
}

/** For ajv's "calendar-date" format: true unless the shape is known and the date does not exist. */
export function calendarDateFormat(text: string): boolean {
  const p = dateParts(text);
  return p === null || isRealDate(p);
}

export function toIso(p: YMD): string {
  return `${String(p.y).padStart(4, '0')}-${String(p.m).padStart(2, '0')}-${String(p.d).padStart(2, '0')}`;
}

/** A real date in a known shape as yyyy-mm-dd, otherwise null. */
export function parseDate(text: string): string | null {
  const p = dateParts(text);
  return p && isRealDate(p) ? toIso(p) : null;
}

/** An Excel date cell arrives as a Date at UTC midnight; a time of day, if any, is dropped. */
export function excelDateToIso(date: Date): string | null {
  if (Number.isNaN(date.getTime())) return null;
  return date.toISOString().slice(0, 10);
}

/**
 * An Excel serial number (1900 date system) as yyyy-mm-dd. Day 1 is 1900-01-01 but Excel counts a
 * 29 February 1900 that never existed, so from day 61 on the epoch is 1899-12-30. Serials before 61
 * are long before any plausible date and come out as 1899/1900 dates that fail the plausibility rules.
 */
export function excelSerialToIso(serial: number, dateSystem: 1900 | 1904 = 1900): string | null {
  if (!Number.isFinite(serial) || serial < (dateSystem === 1904 ? 0 : 1) || serial > 2958465) return null;
  const whole = Math.floor(serial);
  // The 1904 system (a workbook flag, once Excel for Mac's default) counts from 1 January 1904 as day 0.
  const epoch = dateSystem === 1904 ? Date.UTC(1904, 0, 1) : Date.UTC(1899, 11, whole >= 61 ? 30 : 31);
  return new Date(epoch + whole * 86_400_000).toISOString().slice(0, 10);
}

/** Whole years from `born` to `on` (both yyyy-mm-dd). */
export function ageOn(born: string, on: string): number {
  const [by, bm, bd] = born.split('-').map(Number) as [number, number, number];
  const [y, m, d] = on.split('-').map(Number) as [number, number, number];
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}
