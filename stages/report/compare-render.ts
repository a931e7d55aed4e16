// A report comparison (compare.ts) as HTML for the reviewer's diff page and as plain text for the
// terminal. Both versions side by side, changed words marked; runs of unchanged blocks folded into
// a <details> element with their count (so nothing is hidden without saying so, and no script is
// needed); the measures table lists every measure, flips first in bold.
import type { BlockRow, ReportComparison } from './compare.ts';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export const COMPARISON_CSS = `
table.side { table-layout: fixed; width: 100%; } table.side td { width: 50%; }
tr.changed td, tr.removed td, tr.added td { background: #fffbe6; }
mark.del { background: #f8c8c8; text-decoration: line-through; } mark.ins { background: #c8ecd0; }
tr.flipped td { font-weight: 700; background: #fde8e8; }
details.same summary { color: #555; cursor: pointer; }
`;

function words(ws: { text: string; changed: boolean }[], cls: 'del' | 'ins'): string {
  return ws.map((w) => (w.changed ? `<mark class="${cls}">${esc(w.text)}</mark>` : esc(w.text))).join(' ');
}

function rowHtml(r: BlockRow): string {
  if (r.kind === 'changed') return `<tr class="changed"><td>${words(r.beforeWords!, 'del')}</td><td>${words(r.afterWords!, 'ins')}</td></tr>`;
  if (r.kind === 'removed') return `<tr class="removed"><td><mark class="del">${esc(r.before!)}</mark></td><td></td></tr>`;
  if (r.kind === 'added') return `<tr class="added"><td></td><td><mark class="ins">${esc(r.after!)}</mark></td></tr>`;
  return `<tr class="same"><td>${esc(r.before!)}</td><td>${esc(r.after!)}</td></tr>`;
}

export function comparisonHtml(c: ReportComparison): string {
  const parts: string[] = [];
  parts.push(`<section id="report-comparison"><h2>The report: ${esc(c.before)} and ${esc(c.after)} side by side</h2>`);
  const flips = c.measures.filter((m) => m.flipped);
  parts.push(`<p><strong>${c.flips ? `${c.flips} measure${c.flips === 1 ? '' : 's'} changed significance: ${flips.map((m) => `${esc(m.analysis === 'Headline analysis' ? m.label : `${m.analysis}: ${m.label}`)} (${m.significantAfter ? 'now significant' : 'no longer significant'})`).join('; ')}.` : 'No measure changed significance.'}</strong> ${c.changedBlocks} changed block(s) of text, ${c.sameBlocks} unchanged.</p>`);
  parts.push('<h3 id="measures-table">All measures</h3>');
  parts.push(`<table class="measures"><tr><th>analysis</th><th>measure</th><th>${esc(c.before)}: difference (95% interval)</th><th>${esc(c.after)}: difference (95% interval)</th><th>change</th><th>p-value</th><th>significant</th><th>flipped</th></tr>`);
  const yes = (x: boolean | null) => (x === null ? '–' : x ? 'yes' : 'no');
  for (const m of c.measures) {
    parts.push(
      `<tr${m.flipped ? ' class="flipped"' : ''}><td>${esc(m.analysis)}</td><td>${esc(m.label)}</td><td>${esc(m.before)}</td><td>${esc(m.after)}</td><td>${esc(m.change)} ${esc(m.unit)}</td><td>${esc(m.pBefore)} → ${esc(m.pAfter)}</td><td>${yes(m.significantBefore)} → ${yes(m.significantAfter)}</td><td>${m.flipped ? 'FLIPPED' : ''}</td></tr>`,
    );
  }
  parts.push('</table>');
  if (!c.rows.length) {
    parts.push('<p class="note">The report text of one version is not available (it was not kept when it was shared, or its blob was purged), so only the figures are compared.</p>');
  } else {
    parts.push('<h3 id="text-side-by-side">The text, side by side</h3>');
    parts.push(`<table class="side"><tr><th>${esc(c.before)}</th><th>${esc(c.after)}</th></tr>`);
    let same: BlockRow[] = [];
    const flush = () => {
      if (!same.length) return;
      parts.push(`<tr class="same-run"><td colspan="2"><details class="same"><summary>${same.length} unchanged block${same.length === 1 ? '' : 's'}</summary><table class="side">${same.map(rowHtml).join('')}</table></details></td></tr>`);
      same = [];
    };
    for (const r of c.rows) {
      if (r.kind === 'same') same.push(r);
      else {
        flush();
        parts.push(rowHtml(r));
      }
    }
    flush();
    parts.push('</table>');
  }
  parts.push('</section>');
  return parts.join('\n');
}

export function comparisonText(c: ReportComparison): string {
  const out: string[] = [`report: ${c.before} -> ${c.after}: ${c.flips} significance flip(s), ${c.changedBlocks} changed block(s) of text`];
  for (const m of c.measures) {
    if (m.before === m.after && !m.flipped) continue;
    out.push(`  ${m.flipped ? 'FLIPPED ' : ''}${m.analysis === 'Headline analysis' ? '' : `${m.analysis}: `}${m.label}: ${m.before} -> ${m.after} ${m.unit}; p ${m.pBefore} -> ${m.pAfter}`);
  }
  for (const r of c.rows) {
    if (r.kind === 'same') continue;
    out.push(`  - ${r.before ?? '(none)'}`);
    out.push(`  + ${r.after ?? '(none)'}`);
  }
  return `${out.join('\n')}\n`;
}
