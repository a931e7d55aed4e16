// The justice DAG's extensions of the reviewer's `diff` (pipeline.config.ts review hooks):
// `--against shared` means the run whose results were last shared with the provider, and every
// diff of two runs gets both versions of the report side by side with a table of all measures.
// For the shared side the frozen copies in data/requests/<id>/shared are used (they outlive the
// store's blobs); otherwise the runs' own report outputs.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import type { Json } from '../../src/stage.ts';
import { compareReports } from './compare.ts';
import { COMPARISON_CSS, comparisonHtml, comparisonText } from './compare-render.ts';
import { reviewPaths, sharedReport } from './review.ts';

// The shapes of the configuration's review hooks (src/dag.ts ReviewHooks), restated here because a
// stage module may use only the stage contract of the framework.
export interface DiffSide {
  run: string;
  output: (stage: string, output: string) => string | null;
}

export interface DiffSection {
  id: string;
  html: string;
  css: string;
  text: string;
}

interface Frozen {
  version: number;
  shared_on: string;
  run?: string | null;
  results: Record<string, Json>;
}

function lastShared(dataDir: string, request: string): Frozen | null {
  const dir = reviewPaths(dataDir, request).sharedDir;
  if (!existsSync(dir)) return null;
  const files = readdirSync(dir).filter((f) => /^v\d+-results\.json$/.test(f)).sort((a, b) => Number(a.slice(1, a.indexOf('-'))) - Number(b.slice(1, b.indexOf('-'))));
  const last = files.at(-1);
  return last ? (JSON.parse(readFileSync(`${dir}/${last}`, 'utf8')) as Frozen) : null;
}

export function sharedRun(ctx: { dataDir: string; request: string }): { run: string } | { error: string } {
  const last = lastShared(ctx.dataDir, ctx.request);
  if (!last) return { error: `request ${ctx.request} has never been shared` };
  if (!last.run) return { error: `version ${last.version} (shared on ${last.shared_on}) does not record its run; name the run instead` };
  return { run: last.run };
}

const readOrNull = (f: string | null) => (f && existsSync(f) ? readFileSync(f, 'utf8') : null);

export async function reportSections(ctx: { dataDir: string; request: string; against: string; a: DiffSide; b: DiffSide }): Promise<DiffSection[]> {
  const afterResultsText = readOrNull(ctx.b.output('report', 'results'));
  if (!afterResultsText) return [];
  const afterResults = JSON.parse(afterResultsText) as Record<string, Json>;
  const afterHtml = readOrNull(ctx.b.output('report', 'report'));
  let before: { label: string; html: string | null; results: Json } | null = null;
  if (ctx.against === 'shared') {
    const last = lastShared(ctx.dataDir, ctx.request);
    if (last) before = { label: `version ${last.version} as shared on ${last.shared_on}`, html: sharedReport(reviewPaths(ctx.dataDir, ctx.request), last.version) ?? readOrNull(ctx.a.output('report', 'report')), results: last.results };
  }
  if (!before) {
    const text = readOrNull(ctx.a.output('report', 'results'));
    if (!text) return [];
    const results = JSON.parse(text) as Record<string, Json>;
    before = { label: `run ${ctx.a.run.slice(0, 16)} (version ${String(results.report_version ?? 1)})`, html: readOrNull(ctx.a.output('report', 'report')), results };
  }
  const afterLabel = `run ${ctx.b.run.slice(0, 16)} (version ${String(afterResults.report_version ?? 1)})`;
  const c = compareReports({ beforeLabel: before.label, afterLabel, beforeHtml: before.html, afterHtml, beforeResults: before.results, afterResults });
  return [{ id: 'report-comparison', html: comparisonHtml(c), css: COMPARISON_CSS, text: comparisonText(c) }];
}
