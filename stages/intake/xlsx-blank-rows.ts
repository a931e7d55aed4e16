// Blank rows taken out of a workbook's first sheet before read-excel-file reads it. A range
// formatted down to row 200,000 leaves 200,000 <row> elements of styled, empty cells; the reader
// parses every one of them into a row of nulls (seconds, and hundreds of megabytes), only for
// intake to skip them. Here each <row> without a value (<v>), an inline string (<is>) or a formula
// (<f>) is dropped from the sheet's XML; the reader gets it in the workbook intake zips again
// itself (xlsx-repack.ts). Row numbers do not move: the reader places rows by their r attribute,
// so this is only done when every row has one.

// A row's tag stops at the next < and its body at the next <row: a row that never closes then
// fails at once, where "anything up to </row>" would search the rest of the sheet from each such
// row, time growing with the square of the sheet's size.
const ROW = /<((?:\w+:)?row)\b[^<>]*?(?:\/>|>((?:(?!<(?:\w+:)?row\b)[\s\S])*?)<\/\1>)/g;
const ROW_WITHOUT_NUMBER = /<(?:\w+:)?row\b(?![^<>]*\br=)[^<>]*>/;
const HAS_CONTENT = /<(?:\w+:)?(?:v|is|f)\b/;

/** The sheet's XML without its blank rows, or null when there are none or a row has no number. */
export function withoutBlankRows(sheetXml: Buffer): Buffer | null {
  const xml = sheetXml.toString('utf8');
  if (ROW_WITHOUT_NUMBER.test(xml)) return null;
  let dropped = 0;
  const kept = xml.replace(ROW, (row, _tag: string, body: string | undefined) => (body && HAS_CONTENT.test(body) ? row : (dropped++, '')));
  return dropped ? Buffer.from(kept, 'utf8') : null;
}
