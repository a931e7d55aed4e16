// Redaction of values before a message reaches the console, a log or a record. Two nets:
// 1. Anything quoted: DuckDB and most libraries quote the value they could not use, in single
//    ('Smith'), double ("Brian Wilkinson") or back quotes (`Dawson, David`). Every quoted span is
//    replaced, whatever it holds; a quoted column name is lost too, which is the price of never
//    letting a quoted value through.
// 2. Any word equal to an identifier value of the request's cohort (a name, a date of birth in
//    either spelling, a PNC id or prison number), quoted or not, case-insensitive.
import { normaliseToken } from './identifiers.ts';

export const REDACTED = '…';

const QUOTED = [/'(?:[^'\\\n]|\\.|'')*'/g, /"(?:[^"\\\n]|\\.|"")*"/g, /`(?:[^`\\\n]|\\.|``)*`/g];
const MARK = { "'": `'${REDACTED}'`, '"': `"${REDACTED}"`, '`': `\`${REDACTED}\`` } as const;

/** Every single-, double- or back-quoted span replaced by the same quotes around '…'. */
export function redactQuoted(message: string): string {
  let out = message;
  for (const re of QUOTED) out = out.replace(re, (m) => MARK[m[0] as keyof typeof MARK]);
  return out;
}

/** A word: letters and digits, with inner apostrophes, hyphens, slashes and dots (O'Neil, 2004/0123456X, 1991-08-23). */
const WORD = /[\p{L}\p{N}]+(?:['’\/.\-][\p{L}\p{N}]+)*/gu;

/** The forms a value may take in a message: as written, and a yyyy-mm-dd date also as dd/mm/yyyy. */
function forms(value: string): string[] {
  const v = normaliseToken(value);
  const out = [v, ...v.split(/[\s,]+/)];
  const iso = /^(\d{4})-(\d{2})-(\d{2})/.exec(v);
  if (iso) out.push(`${iso[3]}/${iso[2]}/${iso[1]}`, `${Number(iso[3])}/${Number(iso[2])}/${iso[1]}`, `${iso[1]}-${iso[2]}-${iso[3]}`);
  return out.filter((f) => f.length >= 2);
}

export type Redact = (message: string) => string;

/** A redactor for the given cohort values (quotes are always redacted). */
export function redactor(values: Iterable<string> = []): Redact {
  const set = new Set<string>();
  for (const v of values) if (v) for (const f of forms(v)) set.add(f);
  if (!set.size) return redactQuoted;
  return (message) => redactQuoted(message).replace(WORD, (w) => (set.has(normaliseToken(w)) ? REDACTED : w));
}
