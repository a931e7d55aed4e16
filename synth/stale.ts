// Whether the synthetic register of a working copy is older than its demo request: read from
// extract.json alone (no DuckDB), so that the pipeline's prepare step can ask on every run.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GENERATOR_VERSION } from './defaults.ts';

/**
 * The generator version of a synthetic register older than this checkout's generator, or
 * undefined (no register, a current one, or a real register, which has no generator version). A
 * working copy that pulled a new demo request keeps its old register otherwise, and the demo
 * request would be linked against people it was not drawn from.
 */
export function staleSyntheticRegister(dataDir: string): number | undefined {
  try {
    const extract = JSON.parse(readFileSync(join(dataDir, 'reference', 'extract.json'), 'utf8')) as { generator_version?: unknown };
    const v = extract.generator_version;
    return typeof v === 'number' && v < GENERATOR_VERSION ? v : undefined;
  } catch {
    return undefined;
  }
}
