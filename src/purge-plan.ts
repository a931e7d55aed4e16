// What a forced purge would delete, found by the purge itself in dry-run mode: nothing is deleted,
// recorded or locked (it only reads), so `purge --dry-run` and `withdraw --all --dry-run` print
// exactly what the real command would do.
import { purgeRequest } from './purge.ts';
import { retentionOf } from './retention.ts';
import { operatorName } from './clock.ts';
import type { Project } from './project.ts';
import type { Retention } from './dag.ts';

async function purgeClassifications(project: Project, request: string, override?: { classifications: Retention['classifications'] }): Promise<Retention['classifications']> {
  if (override) return override.classifications;
  try {
    return (await retentionOf(project, request)).classifications;
  } catch {
    return ['personal', 'pseudonymised']; // the rules cannot be read (the request file gone or damaged): everything person-level, as forcedPurge does
  }
}

export async function planForcedPurge(project: Project, request: string, override?: { classifications: Retention['classifications']; rule: string }) {
  const classifications = await purgeClassifications(project, request, override);
  const result = await purgeRequest(project, { request, classifications, reason: '(dry run)', operator: operatorName(), rule: override?.rule ?? 'forced by an operator', dryRun: true });
  const deletions = (result.wouldDelete ?? []).map((d) => ({ dataset: d.dataset, classification: d.classification, blob: d.blob, bytes: d.bytes, ...(d.rows === undefined ? {} : { rows: d.rows }), location: d.location }));
  const lines = [
    ...deletions.map((d) => `delete ${d.location} (${d.dataset}, ${d.classification}${d.rows === undefined ? '' : `, ${d.rows} rows`}, ${d.bytes} bytes)`),
    ...result.kept.map((k) => `keep ${k.dataset} blob ${k.blob.slice(0, 12)}: still needed by request(s) ${k.neededBy.join(', ')}`),
  ];
  return { request, classifications, deletions, kept: result.kept, lines };
}

