// Matching keys for names: what linkage compares, beside the name as sent. Upper case, accents
// folded (NFD, then combining marks removed), apostrophes removed (O'Brien and OBrien both give
// OBRIEN), hyphens, full stops and other separators turned into single spaces (Smith-Jones ->
// SMITH JONES), and then only A-Z and single spaces kept. Letters that NFD does not split (Ø, Ł, Æ, ß ...) are spelt out first.
const SPELT_OUT: Record<string, string> = {
  Ø: 'O', ø: 'O', Ł: 'L', ł: 'L', Đ: 'D', đ: 'D', Ð: 'D', ð: 'D', Þ: 'TH', þ: 'TH',
  Æ: 'AE', æ: 'AE', Œ: 'OE', œ: 'OE', ß: 'SS', ẞ: 'SS', ı: 'I', Ħ: 'H', ħ: 'H', ŀ: 'L', Ŀ: 'L',
};
const SPELT_OUT_RE = new RegExp(`[${Object.keys(SPELT_OUT).join('')}]`, 'gu');
const COMBINING_MARKS = /\p{M}/gu;
const APOSTROPHES = /['’‘`´ʼ]/gu;
const NOT_A_TO_Z = /[^A-Z]+/g;

export function nameKey(name: string): string {
  return name
    .replace(SPELT_OUT_RE, (c) => SPELT_OUT[c]!)
    .normalize('NFD')
    .replace(COMBINING_MARKS, '')
    .replace(APOSTROPHES, '')
    .toUpperCase()
    .replace(NOT_A_TO_Z, ' ')
    .trim();
}
