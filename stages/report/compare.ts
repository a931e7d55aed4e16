// Two versions of a report, compared for a reviewer approving a re-issue: the reports' visible
// text aligned block by block (paragraphs, list items, table rows), with the changed words of each
// changed block marked, and a compact table of every measure of every analysis (old, new, change,
// significance flipped), like `dvc metrics diff`. Pure: strings and parsed results in, a structure
// out; nothing is truncated (unchanged blocks are counted, never dropped silently).
import type { Json } from '../../src/stage.ts';
import { MEASURES } from '../metrics/measures.ts';
import { withThousands } from '../metrics/rounding.ts';

export interface BlockRow {
  kind: 'same' | 'changed' | 'removed' | 'added';
  before: string | null;
  after: string | null;
  /** For changed rows: the words of each side, each marked as changed or not. */
  beforeWords?: { text: string; changed: boolean }[];
  afterWords?: { text: string; changed: boolean }[];
}

export interface MeasureRow {
  analysis: string;
  measure: string;
  label: string;
  unit: string;
  before: string;
  after: string;
  change: string;
  pBefore: string;
  pAfter: string;
  significantBefore: boolean | null;
  significantAfter: boolean | null;
  flipped: boolean;
}

export interface ReportComparison {
  before: string;
  after: string;
  rows: BlockRow[];
  changedBlocks: number;
  sameBlocks: number;
  measures: MeasureRow[];
  flips: number;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", apos: "'", nbsp: ' ', lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”', copy: '©' };

function decode(s: string): string {
  return s.replace(/&(#\d+|#x[0-9a-f]+|[a-z]+\d*);/gi, (m, e: string) => {
    if (ENTITIES[e]) return ENTITIES[e]!;
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(Number(e.slice(1)));
    return m;
  });
}

const BLOCK = /<\/?(p|li|tr|h[1-6]|caption|figcaption|div|section|ul|ol|table|thead|tbody|header|footer|aside|nav|figure|main|body)\b[^>]*>/gi;

/** The visible text of a report, one block (paragraph, list item, table row, heading) per entry. */
export function textBlocks(html: string): string[] {
  const body = html
    .replace(/<style[\s\S]*?<\/style>/gi, '')
    .replace(/<svg[\s\S]*?<\/svg>/gi, '')
    .replace(/<head[\s\S]*?<\/head>/gi, '')
    .replace(/<\/t[dh]>/gi, ' | ')
    .replace(BLOCK, '\n')
    .replace(/<[^>]+>/g, ' ');
  return decode(body)
    .split('\n')
    .map((l) => l.replace(/\s+/g, ' ').replace(/(\s*\|\s*)+$/, '').trim())
    .filter((l) => l.length > 0);
}

/** Longest-common-subsequence alignment of two lists; returns pairs of indices (or -1). */
function align<T>(a: T[], b: T[]): [number, number][] {
  const n = a.length;
  const m = b.length;
  const dp = new Uint32Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      dp[i * (m + 1) + j] = a[i] === b[j] ? dp[(i + 1) * (m + 1) + j + 1]! + 1 : Math.max(dp[(i + 1) * (m + 1) + j]!, dp[i * (m + 1) + j + 1]!);
    }
  }
  const out: [number, number][] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) out.push([i++, j++]);
    else if (dp[(i + 1) * (m + 1) + j]! >= dp[i * (m + 1) + j + 1]!) out.push([i++, -1]);
    else out.push([-1, j++]);
  }
  while (i < n) out.push([i++, -1]);
  while (j < m) out.push([-1, j++]);
  return out;
}

/** The words of two versions of a sentence, each marked changed unless it is in their common subsequence. */
export function wordDiff(before: string, after: string): { before: { text: string; changed: boolean }[]; after: { text: string; changed: boolean }[] } {
  const a = before.split(' ');
  const b = after.split(' ');
  const pairs = align(a, b);
  const keptA = new Set(pairs.filter(([i, j]) => i >= 0 && j >= 0).map(([i]) => i));
  const keptB = new Set(pairs.filter(([i, j]) => i >= 0 && j >= 0).map(([, j]) => j));
  return { before: a.map((text, i) => ({ text, changed: !keptA.has(i) })), after: b.map((text, j) => ({ text, changed: !keptB.has(j) })) };
}

/** Block-level alignment of two reports; runs of removed and added blocks are paired as changed rows. */
export function compareBlocks(beforeHtml: string, afterHtml: string): BlockRow[] {
  const a = textBlocks(beforeHtml);
  const b = textBlocks(afterHtml);
  const rows: BlockRow[] = [];
  let removed: string[] = [];
  let added: string[] = [];
  const flush = () => {
    const k = Math.min(removed.length, added.length);
    for (let i = 0; i < k; i++) {
      const w = wordDiff(removed[i]!, added[i]!);
      rows.push({ kind: 'changed', before: removed[i]!, after: added[i]!, beforeWords: w.before, afterWords: w.after });
    }
    for (const r of removed.slice(k)) rows.push({ kind: 'removed', before: r, after: null });
    for (const x of added.slice(k)) rows.push({ kind: 'added', before: null, after: x });
    removed = [];
    added = [];
  };
  for (const [i, j] of align(a, b)) {
    if (i >= 0 && j >= 0) {
      flush();
      rows.push({ kind: 'same', before: a[i]!, after: b[j]! });
    } else if (i >= 0) removed.push(a[i]!);
    else added.push(b[j]!);
  }
  flush();
  return rows;
}

type O = Record<string, Json>;
const isO = (x: Json | undefined): x is O => typeof x === 'object' && x !== null && !Array.isArray(x);
const list = (x: Json | undefined): Json[] => (Array.isArray(x) ? x : []);

const UNIT: Record<string, string> = { rate: 'percentage points', frequency: 'per person', time: 'days' };

function estimateText(m: O | undefined): string {
  if (!m) return 'absent';
  if (m.shown !== true || !isO(m.difference)) return `withheld${typeof m.withheld_reason === 'string' ? ` (${m.withheld_reason.replace(/_/g, ' ')})` : ''}`;
  const d = m.difference;
  const est = typeof d.estimate === 'number' ? withThousands(d.estimate) : '–';
  const interval = typeof d.printed === 'string' ? d.printed : typeof d.lower === 'number' && typeof d.upper === 'number' ? `${withThousands(d.lower)} to ${withThousands(d.upper)}` : '–';
  return `${est} (${interval})`;
}

/** Every measure of every analysis in either version: old, new, change of the estimate, significance flipped. */
export function compareMeasures(before: Json, after: Json): MeasureRow[] {
  const rows: MeasureRow[] = [];
  const analysesA = new Map(list(isO(before) ? before.analyses : undefined).filter(isO).map((a) => [String(a.id), a]));
  const analysesB = new Map(list(isO(after) ? after.analyses : undefined).filter(isO).map((a) => [String(a.id), a]));
  for (const id of new Set([...analysesA.keys(), ...analysesB.keys()])) {
    const a = analysesA.get(id);
    const b = analysesB.get(id);
    const ma = new Map(list(a?.measures).filter(isO).map((m) => [String(m.measure), m]));
    const mb = new Map(list(b?.measures).filter(isO).map((m) => [String(m.measure), m]));
    for (const def of MEASURES) {
      const x = ma.get(def.id);
      const y = mb.get(def.id);
      if (!x && !y) continue;
      const ea = isO(x?.difference) && typeof x.difference.estimate === 'number' ? x.difference.estimate : null;
      const eb = isO(y?.difference) && typeof y.difference.estimate === 'number' ? y.difference.estimate : null;
      const delta = ea !== null && eb !== null ? Number((eb - ea).toFixed(def.kind === 'frequency' ? 2 : 0)) : null;
      const sa = typeof x?.significant === 'boolean' ? x.significant : null;
      const sb = typeof y?.significant === 'boolean' ? y.significant : null;
      rows.push({
        analysis: String((b ?? a)!.label ?? id),
        measure: def.id,
        label: def.label,
        unit: UNIT[def.kind]!,
        before: estimateText(x),
        after: estimateText(y),
        change: delta === null ? '–' : delta === 0 ? '0' : `${delta > 0 ? '+' : ''}${withThousands(delta)}`,
        pBefore: typeof x?.p_display === 'string' ? x.p_display : '–',
        pAfter: typeof y?.p_display === 'string' ? y.p_display : '–',
        significantBefore: sa,
        significantAfter: sb,
        flipped: sa !== null && sb !== null && sa !== sb,
      });
    }
  }
  return rows;
}

export function compareReports(o: { beforeLabel: string; afterLabel: string; beforeHtml: string | null; afterHtml: string | null; beforeResults: Json; afterResults: Json }): ReportComparison {
  const rows = o.beforeHtml !== null && o.afterHtml !== null ? compareBlocks(o.beforeHtml, o.afterHtml) : [];
  const measures = compareMeasures(o.beforeResults, o.afterResults);
  return {
    before: o.beforeLabel,
    after: o.afterLabel,
    rows,
    changedBlocks: rows.filter((r) => r.kind !== 'same').length,
    sameBlocks: rows.filter((r) => r.kind === 'same').length,
    measures,
    flips: measures.filter((m) => m.flipped).length,
  };
}
