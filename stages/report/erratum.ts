// Corrected results (DPIA: a provider may send corrected data; results already shared are then
// re-issued with an explanation). Each time results are shared, `share` freezes them as
// shared/v<N>-results.json in the request folder. When the figures now differ from the last shared
// version, the report becomes version N+1 with an erratum generated from the structural diff of
// the two results files.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { diffJsonValues, type JsonChange } from '../../src/json-diff.ts';
import type { Json } from '../../src/stage.ts';
import { MEASURES } from '../metrics/measures.ts';

export interface SharedVersion {
  version: number;
  shared_on: string;
  results: Record<string, Json>;
}

export interface Erratum {
  /** The report's version: 1 until results were shared, then N, or N+1 once the figures change. */
  version: number;
  replaces: { version: number; shared_on: string } | null;
  changes: { what: string; before: string; after: string }[];
}

const FILE = /^v(\d+)-results\.json$/;

export function readShared(dir: string | undefined): SharedVersion[] {
  if (!dir || !existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => FILE.test(f))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as SharedVersion)
    .sort((a, b) => a.version - b.version);
}

/** The figures of a results file: what a reader compares, without provenance or versioning. */
export function figures(results: Record<string, Json>): Record<string, Json> {
  const { provenance: _p, report_version: _v, erratum: _e, ...rest } = results;
  return rest;
}

const FIELD_WORDS: Record<string, string> = {
  'treatment.mean': 'treatment group',
  'comparison.mean': 'comparison group',
  'difference.estimate': 'estimated difference',
  'difference.lower': 'lower end of the 95% interval',
  'difference.upper': 'upper end of the 95% interval',
  p_display: 'p-value',
  significant: 'statistically significant',
  'treatment.n': 'number in the treatment group',
  'comparison.n': 'number in the comparison group',
  number_needed: 'people needed for a significant result',
};

/** A diff path in words a reader of the report understands. */
export function describePath(path: string): string {
  const measure = /measures\[measure=([a-z_]+)\]\.(.+)$/.exec(path);
  if (measure) {
    const label = MEASURES.find((m) => m.id === measure[1])?.label ?? measure[1]!;
    return `${label}: ${FIELD_WORDS[measure[2]!] ?? measure[2]!.replaceAll('.', ' ')}`;
  }
  const size = /group_sizes\.([a-z_]+)$/.exec(path);
  if (size) return `Group size: ${size[1]!.replaceAll('_', ' ')}`;
  const words = path.replace(/^\$\.?/, '').replace(/\[[a-z_]+=([^\]]+)\]/g, ' $1').replace(/\[(\d+)\]/g, ' $1').replaceAll('.', ' ').replaceAll('_', ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const text = (v: Json | undefined) => (v === undefined || v === null ? 'not shown' : typeof v === 'boolean' ? (v ? 'yes' : 'no') : typeof v === 'string' ? v : String(v));

/** Which version this report is, and what changed since the last version that was shared. */
export function erratum(shared: SharedVersion[], current: Record<string, Json>): Erratum {
  const last = shared.at(-1);
  if (!last) return { version: 1, replaces: null, changes: [] };
  const diff = diffJsonValues(figures(last.results) as Json, figures(current) as Json, { abs: 0, rel: 0 }, 200, true);
  if (!diff.changes) return { version: last.version, replaces: null, changes: [] };
  const relevant = (c: JsonChange) => !/\.(lower|upper|p)$/.test(c.path) || /difference\.(lower|upper)$/.test(c.path);
  return {
    version: last.version + 1,
    replaces: { version: last.version, shared_on: last.shared_on },
    changes: diff.shown.filter(relevant).map((c) => ({ what: describePath(c.path), before: text(c.before), after: text(c.after) })),
  };
}
