// The printed report (Chromium's print to PDF, as an analyst would save it): every page carries its
// number, no page ends on a heading (or a caption) whose content is on the next page, no heading is
// split across pages, and no page is less than a fifth full. Checked on request 123's report before
// and after a re-issue with an erratum, and on a fixture report with sub-analyses.
// Needs Debian's chromium: skipped with the install line when it is missing, failed when CI is set.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import stage from '../../stages/report/stage.ts';
import { makeJusticeProject, pipeline, removeJusticeProjects } from '../helpers/justice-project.ts';
import { runStageDirect } from '../helpers/run-stage.ts';
import { buildReportFixture } from './build-report-inputs.ts';
import { readPdf, type PdfPage } from './pdf-pages.ts';
import { testTempDir } from '../helpers/temp-dir.ts';

const INSTALL = 'apt-get install chromium';
const CHROMIUM = [process.env.CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((c): c is string => !!c).find((c) => existsSync(c));
const skip = !CHROMIUM && !process.env.CI;
if (!CHROMIUM) {
  if (process.env.CI) test('Chromium is installed (CI)', () => assert.unreachable(`Chromium not found: install it with \`${INSTALL}\``));
  else console.log(`print.test.ts: skipped, Chromium not found (install it with \`${INSTALL}\`)`);
}

function printToPdf(html: string): Promise<PdfPage[]> {
  const dir = testTempDir('print-');
  const page = join(dir, 'report.html');
  const pdf = join(dir, 'report.pdf');
  writeFileSync(page, html);
  const args = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${join(dir, 'profile')}`, '--no-pdf-header-footer', `--print-to-pdf=${pdf}`, `file://${page}`];
  return new Promise((resolve, reject) => {
    execFile(CHROMIUM!, args, { timeout: 120_000 }, (error, _out, stderr) => {
      if (error || !existsSync(pdf)) reject(new Error(`chromium could not print: ${error?.message ?? ''}\n${stderr}`));
      else resolve(readPdf(readFileSync(pdf)));
    });
  });
}

const squash = (s: string) => s.replace(/\s+/g, '').toLowerCase();

/** Headings, captions and figure captions of the page, as text. */
function headings(html: string): string[] {
  const out: string[] = [];
  for (const m of html.matchAll(/<(h[1-6]|caption|figcaption)\b[^>]*>([\s\S]*?)<\/\1>/g)) {
    const text = m[2]!.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&amp;/g, '&').replace(/&[a-z]+;|&#\d+;/g, '').replace(/\s+/g, ' ').trim();
    if (text) out.push(text);
  }
  return out;
}

// A4 with the report's @page margins (18 mm top, 20 mm bottom): the printable band, in points.
const MM = 72 / 25.4;
const PRINT_TOP = 18 * MM;

interface Layout {
  pages: number;
  problems: string[];
  fills: number[];
}

/** Every check on a printed report; a list of problems, empty when the print is good. */
export function checkPrint(pages: PdfPage[], html: string): Layout {
  const problems: string[] = [];
  const heads = headings(html).map(squash);
  const fills: number[] = [];
  pages.forEach((p, i) => {
    const n = i + 1;
    const number = p.lines.find((l) => new RegExp(`^Page${n}of${pages.length}$`).test(squash(l.text).replace(/page/, 'Page')));
    if (!number) problems.push(`page ${n}: no page number "Page ${n} of ${pages.length}"`);
    const body = p.lines.filter((l) => l !== number);
    const printBottom = p.height - 20 * MM;
    const bottom = Math.max(-Infinity, ...body.map((l) => l.top), ...p.rects.filter((r) => r.bottom <= printBottom + 1).map((r) => r.bottom));
    const fill = (bottom - PRINT_TOP) / (printBottom - PRINT_TOP);
    fills.push(Math.round(fill * 100) / 100);
    if (!(fill >= 0.2)) problems.push(`page ${n}: only ${Math.round(fill * 100)}% full`);
    const last = body.at(-1);
    if (last && i < pages.length - 1) {
      const l = squash(last.text);
      // The page ends on a heading: its last lines are a whole heading (wrapped or not), or the
      // first part of one whose rest starts the next page. Lines are matched whole, so a table
      // cell's last word wrapped alone ("group", "matching" in the erratum's tables) is not taken
      // for a heading that merely starts or ends with that word.
      const tail = (k: number) => body.slice(-k).map((x) => squash(x.text)).join('');
      const nextLines = pages[i + 1]!.lines.map((x) => squash(x.text));
      const head = (j: number) => nextLines.slice(0, j).join('');
      const hit = l.length >= 3 && heads.find((h) => [1, 2, 3, 4].some((k) => k <= body.length && [0, 1, 2, 3].some((j) => tail(k) + head(j) === h)));
      if (hit) problems.push(`page ${n} ends on the heading "${last.text}"`);
    }
  });
  return { pages: pages.length, problems, fills };
}

const stageUrl = new URL('../../stages/report/stage.ts', import.meta.url).href;

test('the checks catch a page that ends on a heading, a near-blank page and a missing page number (negative control)', async () => {
  if (skip) return;
  const filler = Array.from({ length: 60 }, (_, i) => `<p>Paragraph ${i} of ordinary text that fills the page.</p>`).join('');
  const bad = `<!DOCTYPE html><html><head><style>@page { size: A4; margin: 18mm 16mm 20mm; } h2 { break-before: page; }</style></head><body><h1>Title</h1>${filler}<h2>Lonely heading at the end</h2></body></html>`;
  const pages = await printToPdf(bad);
  const r = checkPrint(pages, bad);
  assert.ok(r.problems.some((p) => /no page number/.test(p)), r.problems.join('\n'));
  assert.ok(r.problems.some((p) => /% full/.test(p)), r.problems.join('\n'));
  const endsOnHeading = `<!DOCTYPE html><html><head><style>@page { size: A4; margin: 18mm 16mm 20mm; } p { margin: 0; line-height: 20px; } h2 { margin: 0; break-after: page; }</style></head><body>${filler.slice(0, filler.length / 2)}<h2>A heading left behind</h2><p>Its text overleaf.</p></body></html>`;
  const r2 = checkPrint(await printToPdf(endsOnHeading), endsOnHeading);
  assert.ok(r2.problems.some((p) => /ends on the heading "A heading left behind"/.test(p)), r2.problems.join('\n'));
});

let root = '';
test.after(() => removeJusticeProjects());

test('request 123 prints with page numbers, no page ending on a heading, no page under a fifth full', async () => {
  if (skip) return;
  root = await makeJusticeProject(['123']);
  const run = (args: string[], env: Record<string, string> = {}) => {
    const r = pipeline(root, args, { PIPELINE_TODAY: '2026-11-10', ...env });
    assert.is(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
  };
  run(['--request', '123']);
  const v1 = readFileSync(join(root, 'data/reports/123/report.html'), 'utf8');
  const r1 = checkPrint(await printToPdf(v1), v1);
  assert.equal(r1.problems, [], `version 1 (${r1.pages} pages, fills ${r1.fills.join(' ')})`);

  // Version 2, with an erratum: the lab corrects its own analysis over the same people (the
  // propensity model without the index offence type; a provider's correction would not be
  // re-issued, docs/privacy.md).
  run(['approve', '--request', '123', '--by', 'Second Analyst']);
  run(['share', '--request', '123']);
  const config = join(root, 'pipeline.config.ts');
  writeFileSync(config, readFileSync(config, 'utf8').replace(
    "return typeof s === 'string' ? resolve(from, s)",
    "if (module === './stages/propensity/stage.ts') return { module: resolve(from, module), params: { factors: ['ethnicity', 'nationality', 'region'] } };\n    return typeof s === 'string' ? resolve(from, s)",
  ));
  run(['--request', '123'], { PIPELINE_TODAY: '2026-11-11' });
  const v2 = readFileSync(join(root, 'data/reports/123/report.html'), 'utf8');
  assert.ok(v2.includes('id="erratum"'), 'version 2, re-issued with its erratum');
  assert.is(JSON.parse(readFileSync(join(root, 'data/reports/123/results.json'), 'utf8')).report_version, 2);
  const r2 = checkPrint(await printToPdf(v2), v2);
  assert.equal(r2.problems, [], `version 2 (${r2.pages} pages, fills ${r2.fills.join(' ')})`);
});

test('a report with sub-analyses prints cleanly too', async () => {
  if (skip) return;
  const fx = await buildReportFixture({ treated: 300, comparison: 2500, treatRate: 0.3, compRate: 0.42, submitted: 410, subAnalyses: ['region'] });
  const r = await runStageDirect(stage, stageUrl, { inputs: fx.inputs });
  const html = readFileSync(r.outputs.report!, 'utf8');
  const out = checkPrint(await printToPdf(html), html);
  assert.equal(out.problems, [], `${out.pages} pages, fills ${out.fills.join(' ')}`);
});

test.run();
