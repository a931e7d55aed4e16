// Whether every tag of an XML member ends before the next one starts. read-excel-file's XML
// parser takes time growing faster than the square of the text when tags do not end (2 MB of
// "<row r="1" <c ..." took over a minute, then failed); no workbook Excel or another program
// writes has such a tag, so intake checks this itself, in one pass, before the reader sees the
// members. `<` cannot appear inside a tag (attribute values escape it); comments, CDATA and
// processing instructions are skipped whole.

const LT = 0x3c;
const GT = 0x3e;

export function tagsEnd(xml: Buffer): boolean {
  let at = xml.indexOf(LT);
  while (at >= 0) {
    let end: number;
    if (xml[at + 1] === 0x21 && xml[at + 2] === 0x2d && xml[at + 3] === 0x2d) {
      end = xml.indexOf('-->', at + 4);
      if (end < 0) return false;
      end += 2;
    } else if (xml.subarray(at + 1, at + 9).toString('latin1') === '![CDATA[') {
      end = xml.indexOf(']]>', at + 9);
      if (end < 0) return false;
      end += 2;
    } else {
      end = xml.indexOf(GT, at + 1);
      if (end < 0) return false;
      const next = xml.indexOf(LT, at + 1);
      if (next >= 0 && next < end) return false;
    }
    at = xml.indexOf(LT, end + 1);
  }
  return true;
}
