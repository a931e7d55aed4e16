// The reviewer diff as one self-contained HTML page (inline CSS, no scripts, no external links),
// to attach to a review. It renders the same RunDiff as the text form, so it can hold personal
// values only when the diff was computed with showPersonal.
import { describeJsonChange, outputHeadline, showValue, type OutputDiff, type RunDiff, type TableDiff } from './diff.ts';
import type { DiffSection } from './dag.ts';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const CSS = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 70rem; color: #1b1b1b; padding: 0 1rem; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; border-bottom: 1px solid #ccc; }
code, td.mono { font-family: ui-monospace, monospace; font-size: 12px; }
.state { font-weight: 600; padding: 0 .4em; border-radius: 3px; }
.unchanged { background: #e6f4ea; } .changed, .added, .removed, .missing { background: #fde8e8; } .within-tolerance { background: #fff4d6; }
table { border-collapse: collapse; margin: .4rem 0 1rem; } th, td { border: 1px solid #ddd; padding: 2px 8px; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } .note { color: #555; } .beyond { color: #a00; }
`;

/** The page; `sections` (from the configuration's review hooks) come first, before the stage-by-stage diff. */
export function renderHtml(d: RunDiff, sections: DiffSection[] = []): string {
  const parts: string[] = [];
  parts.push(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Diff of request ${esc(d.request)}</title><style>${CSS}${sections.map((x) => x.css).join('')}</style></head><body>`);
  parts.push(`<h1>Diff of request ${esc(d.request)}</h1>`);
  for (const x of sections) parts.push(x.html);
  if (sections.length) parts.push('<h2>Every output, stage by stage</h2>');
  parts.push(`<p>Run <code>${esc(d.a.run)}</code> (${esc(d.a.status)}, finished ${esc(d.a.finished)}) against run <code>${esc(d.b.run)}</code> (${esc(d.b.status)}, finished ${esc(d.b.finished)}).</p>`);
  parts.push(`<p><strong>${d.differences ? `${d.differences} output(s) differ` : 'No differences'}</strong>. Numeric tolerance: absolute ${d.tolerance.abs}, relative ${d.tolerance.rel}. ${d.showPersonal ? '<strong>This page shows personal values.</strong>' : 'Values of personal and pseudonymised outputs are not shown.'}</p>`);
  parts.push('<table><tr><th>stage</th><th>output</th><th>state</th></tr>');
  for (const s of d.stages) for (const o of s.outputs) parts.push(`<tr><td>${esc(s.stage)}</td><td><a href="#${esc(`${s.stage}-${o.output}`)}">${esc(o.output)}</a></td><td><span class="state ${o.state}">${esc(o.state)}</span></td></tr>`);
  parts.push('</table>');
  for (const s of d.stages) {
    const status = s.statusA === s.statusB ? (s.statusA ?? 'absent') : `${s.statusA ?? 'absent'} → ${s.statusB ?? 'absent'}`;
    parts.push(`<h2>${esc(s.stage)} <span class="note">(${esc(status)})</span></h2>`);
    if (s.keyChanges.length) parts.push(`<p class="note">Why it differs: ${s.keyChanges.map(esc).join('; ')}</p>`);
    for (const o of s.outputs) parts.push(outputHtml(s.stage, o));
  }
  parts.push('</body></html>\n');
  return parts.join('\n');
}

function outputHtml(stage: string, o: OutputDiff): string {
  const parts = [`<h3 id="${esc(`${stage}-${o.output}`)}"><span class="state ${o.state}">${esc(o.state)}</span> ${esc(outputHeadline(o))}</h3>`];
  if (o.error) parts.push(`<p class="beyond">${esc(o.error)}</p>`);
  if (o.table) parts.push(tableHtml(o.table));
  if (o.json) {
    parts.push(`<p>${o.json.changes} changed path(s): ${o.json.beyondTolerance} beyond tolerance, ${o.json.withinTolerance} within.</p>`);
    if (o.json.shown.length) parts.push(`<table><tr><th>change</th></tr>${o.json.shown.map((c) => `<tr><td class="mono${c.withinTolerance === false || c.withinTolerance === undefined ? ' beyond' : ''}">${esc(describeJsonChange(c, false))}</td></tr>`).join('')}</table>`);
    else if (!o.json.valuesShown) parts.push('<p class="note">Paths and values hidden (personal data).</p>');
    // Never a silent cut: say how many are listed and how to see the rest.
    if (o.json.valuesShown && o.json.shown.length < o.json.changes) parts.push(`<p class="beyond">${o.json.shown.length} of ${o.json.changes} changed paths listed; <code>--limit N</code> lists more.</p>`);
  }
  if (o.html) parts.push(`<p>Lines ${o.html.linesBefore} → ${o.html.linesAfter} (${o.html.delta >= 0 ? '+' : ''}${o.html.delta}).</p>`);
  return parts.join('\n');
}

function tableHtml(t: TableDiff): string {
  const parts: string[] = [];
  const r = t.rows;
  const schema = [...t.schema.added.map((c) => `added ${c.name} ${c.type}`), ...t.schema.removed.map((c) => `removed ${c.name} ${c.type}`), ...t.schema.retyped.map((c) => `${c.name}: ${c.before} → ${c.after}`)];
  if (schema.length) parts.push(`<p>Schema: ${schema.map(esc).join('; ')}</p>`);
  parts.push(`<p>Rows ${r.before} → ${r.after}: ${r.added} added, ${r.removed} removed${t.key ? `, ${r.changed} changed, ${r.unchanged} unchanged (by key <code>${esc(t.key.join(', '))}</code>)` : ` (compared as whole rows: ${esc(t.keyNote ?? '')})`}.</p>`);
  if (t.columns.length) {
    parts.push(`<table><tr><th>column</th><th>rows changed</th><th>max |delta|</th></tr>${t.columns.map((c) => `<tr><td>${esc(c.name)}</td><td>${c.changed}</td><td>${c.maxAbsDelta ?? ''}</td></tr>`).join('')}</table>`);
  }
  const rows: string[] = [];
  const key = (k?: Record<string, unknown>) => (k ? esc(Object.entries(k).map(([n, v]) => `${n}=${String(v)}`).join(', ')) : '');
  for (const c of t.examples.changed) {
    const cells = t.valuesShown ? c.columns.map((n) => `${n}: ${showValue(c.before?.[n])} → ${showValue(c.after?.[n])}`).join('<br>') : c.columns.join(', ');
    rows.push(`<tr><td>changed</td><td>${key(c.key)}</td><td>${c.positionA} → ${c.positionB}</td><td class="mono">${t.valuesShown ? cells.split('<br>').map(esc).join('<br>') : esc(cells)}</td></tr>`);
  }
  for (const [kind, list] of [['added', t.examples.added], ['removed', t.examples.removed]] as const) {
    for (const a of list) rows.push(`<tr><td>${kind}</td><td>${key(a.key)}</td><td>${a.position ?? ''}</td><td class="mono">${a.values ? esc(showValue(a.values)) : ''}</td></tr>`);
  }
  if (rows.length) parts.push(`<table><tr><th></th><th>key</th><th>position</th><th>${t.valuesShown ? 'values' : 'changed columns'}</th></tr>${rows.join('')}</table>`);
  const listed = t.examples.changed.length + t.examples.added.length + t.examples.removed.length;
  const total = (r.changed ?? 0) + r.added + r.removed;
  if (listed < total && (listed > 0 || t.key)) parts.push(`<p class="beyond">${listed} of ${total} row changes listed; <code>--limit N</code> lists more.</p>`);
  if (!t.valuesShown && rows.length) parts.push(`<p class="note">${t.keyValuesShown ? 'Cell values' : 'Values'} hidden (personal data).</p>`);
  return parts.join('\n');
}
