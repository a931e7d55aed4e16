// Runs one stage's run() directly, outside the DAG runner, for unit tests of a stage: inputs are
// given as file paths, outputs land in a fresh temp folder. The runner's own tests cover caching.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duck, type DuckOptions } from '../../src/duck.ts';
import type { Json, StageResult, StageSpec } from '../../src/stage.ts';
import { testTempDir } from './temp-dir.ts';

export interface DirectRun {
  outputs: Record<string, string>;
  result: StageResult | void;
  workDir: string;
  notes: string[];
}

export async function runStageDirect<P extends Json>(
  stage: StageSpec<P>,
  moduleUrl: string,
  options: { inputs: Record<string, string>; params?: Partial<P> extends object ? Partial<P> : P; request?: string; today?: string; duckdb?: DuckOptions; previous?: Record<string, string> },
): Promise<DirectRun> {
  const workDir = testTempDir(`stage-${stage.name}-`);
  const tmpDir = join(workDir, '.tmp');
  mkdirSync(tmpDir);
  const outputs: Record<string, string> = {};
  for (const [name, spec] of Object.entries(stage.outputs)) outputs[name] = join(workDir, `${name}.${spec.format}`);
  // DAG-wide settings (options.duckdb) under the stage's own, as the runner merges them.
  const db = await Duck.open({ ...options.duckdb, ...(stage.duckdb ?? { threads: 1 }), tempDirectory: tmpDir });
  const notes: string[] = [];
  const params = { ...(stage.params as object), ...(options.params as object) } as P;
  try {
    const result = await stage.run({
      request: options.request ?? 'test',
      today: options.today ?? '2026-01-01',
      params,
      inputs: options.inputs,
      inputHashes: Object.fromEntries(Object.keys(options.inputs).map((k) => [k, '0'.repeat(64)])),
      key: '0'.repeat(64),
      outputs,
      tmpDir,
      dir: dirname(fileURLToPath(moduleUrl)),
      db,
      log: { info: (m) => notes.push(m) },
      signal: new AbortController().signal,
      ...(options.previous ? { previous: options.previous } : {}),
    });
    return { outputs, result, workDir, notes };
  } finally {
    db.close();
  }
}
