// Loading a DAG without importing its stage modules. A no-op re-run needs the stages'
// declarations (inputs, outputs, params, code files) to compute their keys, but not their code:
// importing every stage module (and what they import: ajv, nunjucks, the model code) cost most of
// a no-op run's time. The declarations are kept in a manifest next to the store, valid while the
// config's stage list (modules and param overrides) is the same and every code file of every stage
// hashes the same (through the stat memo: one stat per file). A stage's module is imported only
// when the stage runs.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig, loadDag, type LoadedDag } from './dag.ts';
import { sha256, StatMemo } from './hash.ts';
import { stageCodeFiles } from './code.ts';
import { writeFileAtomic } from './fsutil.ts';
import type { Json, Stage, StageContext, StageSpec } from './stage.ts';

const VERSION = 1;

/** A stage as declared, without run(): what the manifest keeps. */
type Declaration = Omit<Stage, 'run'>;

interface Manifest {
  v: number;
  config: string;
  stages: { declaration: Declaration; code: Record<string, string> }[];
}

async function codeHashes(stage: Declaration, memo: StatMemo): Promise<Record<string, string> | undefined> {
  const code = stageCodeFiles(stage.file, stage.code);
  if (code.missing.length) return undefined;
  const out: Record<string, string> = {};
  for (const f of code.files) out[f] = await memo.hashFile(f);
  return out;
}

function declarationOf(stage: Stage): Declaration {
  const { run: _run, ...rest } = stage;
  return JSON.parse(JSON.stringify(rest)) as Declaration;
}

/** The stage's run(), importing its module on first use (the URL as loadDag gives it). */
function lazyRun(file: string): Stage['run'] {
  return async (ctx: StageContext<Json>) => {
    const url = `${pathToFileURL(file).href}?v=${sha256(readFileSync(file)).slice(0, 16)}`;
    const spec = ((await import(url)) as { default: StageSpec<Json> }).default;
    return spec.run(ctx);
  };
}

/** loadDag, served from the manifest when nothing it was built from has changed. */
export async function loadDagCached(configFile: string): Promise<LoadedDag> {
  const { root, config } = await loadConfig(configFile);
  const dataDir = resolve(root, config.dataDir);
  const manifestFile = join(dataDir, 'store', 'dag-manifest.json');
  // Its own memo file: the runner's keys its paths (StatMemo keyOf), this one holds code paths only.
  const memo = new StatMemo(join(dataDir, 'store', 'codememo.json'));
  // What of the config shapes the declarations: the stage modules and their param overrides.
  const configHash = sha256(JSON.stringify({ root, stages: config.stages }));
  try {
    if (existsSync(manifestFile)) {
      const m = JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest;
      if (m.v === VERSION && m.config === configHash) {
        let fresh = true;
        for (const s of m.stages) {
          const now = await codeHashes(s.declaration, memo);
          if (!now || JSON.stringify(now) !== JSON.stringify(s.code)) {
            fresh = false;
            break;
          }
        }
        if (fresh) {
          // The memo is not saved here: a read-only command (a dry run, status) changes no file.
          return { root, dataDir, config, stages: m.stages.map((s) => ({ ...s.declaration, run: lazyRun(s.declaration.file) })) };
        }
      }
    }
  } catch {
    /* a damaged manifest only costs loading the modules */
  }
  const dag = await loadDag(configFile);
  const stages: Manifest['stages'] = [];
  for (const stage of dag.stages) {
    const code = await codeHashes(stage, memo);
    if (!code) return dag; // a declared code file is missing: the runner will say so; nothing to cache
    stages.push({ declaration: declarationOf(stage), code });
  }
  // Written by the first command that loads the DAG, so later ones (dry runs included) find it;
  // but a project with no data folder yet gets none from a mere load (a refused command writes nothing).
  if (!existsSync(dataDir)) return dag;
  mkdirSync(join(dataDir, 'store'), { recursive: true, mode: 0o700 });
  writeFileAtomic(manifestFile, JSON.stringify({ v: VERSION, config: configHash, stages } satisfies Manifest));
  memo.save();
  return dag;
}
