// Just enough of a PDF reader to test a printed report: the pages in order, and on each page the
// lines of text with their vertical position, decoded through the fonts' ToUnicode maps. Written
// for what Chromium (Skia) prints: plain objects, Flate streams, Type0 fonts with Identity-H
// encoding, text placed by Tm/Td under cm transforms. No dependency, no rendering.
import { inflateSync } from 'node:zlib';

export interface PdfLine {
  /** Distance from the top of the page, in points. */
  top: number;
  text: string;
}

export interface PdfPage {
  width: number;
  height: number;
  lines: PdfLine[];
  /** Rectangles drawn (table rules, bars, boxes), top and bottom from the top of the page, in points. */
  rects: { top: number; bottom: number }[];
}

type Matrix = [number, number, number, number, number, number];
const multiply = (m: Matrix, n: Matrix): Matrix => [
  m[0] * n[0] + m[1] * n[2], m[0] * n[1] + m[1] * n[3],
  m[2] * n[0] + m[3] * n[2], m[2] * n[1] + m[3] * n[3],
  m[4] * n[0] + m[5] * n[2] + n[4], m[4] * n[1] + m[5] * n[3] + n[5],
];
const apply = (m: Matrix, x: number, y: number): [number, number] => [m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]];

export function readPdf(buf: Buffer): PdfPage[] {
  const src = buf.toString('latin1');
  const objects = new Map<number, string>();
  for (const m of src.matchAll(/(\d+) 0 obj([\s\S]*?)endobj/g)) objects.set(Number(m[1]), m[2]!);
  const stream = (n: number): string => {
    const o = objects.get(n) ?? '';
    const m = /stream\r?\n([\s\S]*)endstream/.exec(o);
    if (!m) return '';
    const raw = Buffer.from(m[1]!, 'latin1');
    return /\/FlateDecode/.test(o) ? inflateSync(raw).toString('latin1') : raw.toString('latin1');
  };
  const ref = (o: string, key: string) => {
    const m = new RegExp(`/${key} (\\d+) 0 R`).exec(o);
    return m ? Number(m[1]) : null;
  };

  // Pages in document order: from the catalog's page tree.
  const catalog = [...objects.values()].find((o) => /\/Type \/Catalog/.test(o))!;
  const pages: number[] = [];
  const walk = (n: number) => {
    const o = objects.get(n)!;
    if (/\/Type \/Pages/.test(o)) for (const k of /\/Kids \[([^\]]*)\]/.exec(o)![1]!.matchAll(/(\d+) 0 R/g)) walk(Number(k[1]));
    else pages.push(n);
  };
  walk(ref(catalog, 'Pages')!);

  const cmaps = new Map<number, Map<number, string>>();
  const cmapOf = (fontObj: number) => {
    if (cmaps.has(fontObj)) return cmaps.get(fontObj)!;
    const map = new Map<number, string>();
    const tu = ref(objects.get(fontObj) ?? '', 'ToUnicode');
    const text = tu === null ? '' : stream(tu);
    for (const block of text.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
      for (const m of block[1]!.matchAll(/<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>/g)) map.set(parseInt(m[1]!, 16), String.fromCodePoint(parseInt(m[2]!, 16)));
    }
    for (const block of text.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
      for (const m of block[1]!.matchAll(/<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>/g)) {
        const lo = parseInt(m[1]!, 16);
        const hi = parseInt(m[2]!, 16);
        const start = parseInt(m[3]!, 16);
        for (let c = lo; c <= hi; c++) map.set(c, String.fromCodePoint(start + c - lo));
      }
    }
    cmaps.set(fontObj, map);
    return map;
  };

  return pages.map((p) => {
    const page = objects.get(p)!;
    const box = /\/MediaBox \[([^\]]*)\]/.exec(page)![1]!.trim().split(/\s+/).map(Number);
    const width = box[2]! - box[0]!;
    const height = box[3]! - box[1]!;
    const fonts = new Map<string, number>();
    const fontDict = /\/Font <<([^>]*)>>/.exec(page);
    if (fontDict) for (const m of fontDict[1]!.matchAll(/\/(\w+) (\d+) 0 R/g)) fonts.set(m[1]!, Number(m[2]));
    const contents = /\/Contents \[([^\]]*)\]/.exec(page)?.[1]?.match(/(\d+) 0 R/g)?.map((r) => Number(r.split(' ')[0])) ?? [ref(page, 'Contents')!];
    const ops = contents.map(stream).join('\n');

    const runs: { y: number; x: number; text: string }[] = [];
    let ctm: Matrix = [1, 0, 0, 1, 0, 0];
    const stack: Matrix[] = [];
    let tm: Matrix = [1, 0, 0, 1, 0, 0];
    let line: Matrix = [1, 0, 0, 1, 0, 0];
    let font = '';
    const rects: { top: number; bottom: number }[] = [];
    // A rectangle counts when it is painted; a clipping path (re W n) is not content.
    let pending: { top: number; bottom: number }[] = [];
    const operands: string[] = [];
    const tokens = ops.matchAll(/<<[\s\S]*?>>|<[0-9A-Fa-f\s]*>|\[[^\]]*\]|\((?:\\.|[^\\)])*\)|\/[^\s/<>[\]()]+|[-+]?\d*\.?\d+|[A-Za-z'"*]+/g);
    for (const t of tokens) {
      const tok = t[0];
      if (/^[-+]?\d*\.?\d+$/.test(tok) || tok.startsWith('/') || tok.startsWith('<') || tok.startsWith('[') || tok.startsWith('(')) {
        operands.push(tok);
        continue;
      }
      const num = (i: number) => Number(operands[operands.length - i]);
      switch (tok) {
        case 'q': stack.push(ctm); break;
        case 'Q': ctm = stack.pop() ?? [1, 0, 0, 1, 0, 0]; break;
        case 'cm': ctm = multiply([num(6), num(5), num(4), num(3), num(2), num(1)], ctm); break;
        case 'BT': tm = [1, 0, 0, 1, 0, 0]; line = tm; break;
        case 'Tf': font = operands[operands.length - 2]!.slice(1); break;
        case 'Tm': tm = [num(6), num(5), num(4), num(3), num(2), num(1)]; line = tm; break;
        case 'Td': case 'TD': line = multiply([1, 0, 0, 1, num(2), num(1)], line); tm = line; break;
        case 'Tj': case 'TJ': {
          const arg = operands[operands.length - 1] ?? '';
          const map = cmapOf(fonts.get(font) ?? -1);
          let text = '';
          for (const hex of arg.matchAll(/<([0-9A-Fa-f\s]*)>/g)) {
            const h = hex[1]!.replace(/\s/g, '');
            for (let i = 0; i + 4 <= h.length; i += 4) text += map.get(parseInt(h.slice(i, i + 4), 16)) ?? '';
          }
          const [x, y] = apply(multiply(tm, ctm), 0, 0);
          runs.push({ x, y: height - y, text });
          break;
        }
        case 're': {
          const [x0, y0] = apply(ctm, num(4), num(3));
          const [x1, y1] = apply(ctm, num(4) + num(2), num(3) + num(1));
          // A filled or stroked box is content too (table rules, bars, the chevrons).
          if (Math.abs(x1 - x0) > 0.5 || Math.abs(y1 - y0) > 0.5) pending.push({ top: height - Math.max(y0, y1), bottom: height - Math.min(y0, y1) });
          break;
        }
        case 'f': case 'F': case 'f*': case 'B': case 'B*': case 'b': case 'b*': case 'S': case 's':
          rects.push(...pending);
          pending = [];
          break;
        case 'n':
          pending = [];
          break;
        default: break;
      }
      operands.length = 0;
    }
    // Runs on (nearly) the same baseline form a line, in reading order.
    runs.sort((a, b) => a.y - b.y || a.x - b.x);
    const lines: PdfLine[] = [];
    for (const r of runs) {
      const last = lines.at(-1);
      if (last && Math.abs(last.top - r.y) < 2) last.text += (last.text.endsWith(' ') || r.text.startsWith(' ') ? '' : ' ') + r.text;
      else lines.push({ top: r.y, text: r.text });
    }
    for (const l of lines) l.text = l.text.replace(/\s+/g, ' ').trim();
    return { width, height, lines: lines.filter((l) => l.text), rects };
  });
}
