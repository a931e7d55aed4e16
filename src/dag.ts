// A DAG configuration: where the data lives, which stage modules make it up, optional extra
// commands and a hook that prepares shared data before a run. Loaded from pipeline.config.ts.
import { readFileSync } from 'node:fs';
import { sha256 } from './hash.ts';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Classification, Stage, StageSpec, Json } from './stage.ts';
import type { DuckOptions } from './duck.ts';

export interface RunHookContext {
  request: string;
  dataDir: string;
  root: string;
  log: (message: string) => void;
}

export interface DagConfig {
  /** Data folder, relative to the config file. */
  dataDir: string;
  /**
   * The private folder (secret key, register head, withdrawals), outside the data folder; relative
   * to the config file. PIPELINE_PRIVATE_DIR overrides it; default: under ~/.config (src/keys.ts).
   */
  privateDir?: string;
  /**
   * Stage modules, relative to the config file; each default-exports defineStage(...). An entry
   * may override the stage's default params: tuning lives here, so it is a param change, not a
   * code change, in the stage's key.
   */
  stages: (string | { module: string; params?: Record<string, Json> })[];
  /**
   * Commands beyond the framework's own (e.g. 'psm'): name -> module path, relative to the config
   * file, whose default export is a command (src/commands/command.ts defineCommand). Loaded only
   * when that command is asked for, or for the list in --help.
   */
  commands?: Record<string, string>;
  /** Runs before the plan is built (after the request id was validated and the lock taken). */
  prepare?: (ctx: RunHookContext) => Promise<void>;
  /** The requests there are (for `schedule`). */
  requests?: (ctx: { dataDir: string; root: string }) => Promise<string[]>;
  /** When a request's data is due for deletion, and which classifications go then. */
  retention?: (ctx: RunHookContext & RetentionFacts) => Promise<Retention>;
  /** Facts `status` shows about a request beyond its runs, e.g. which version of the results was shared. */
  facts?: (ctx: RunHookContext) => Promise<Record<string, string>>;
  /** Folders under the data folder that legitimately hold identities; the audit does not scan them. */
  auditExclude?: string[];
  /** `schedule` runs the audit when the last one is older than this many days (default 91: quarterly). */
  auditEveryDays?: number;
  /** DuckDB settings for every stage (a stage's own settings win), e.g. a memory limit. */
  duckdb?: DuckOptions;
  /** Extensions of the reviewer's `diff`: runs to diff against by name, and extra sections. */
  review?: ReviewHooks;
}

export interface DiffSection {
  id: string;
  /** Rendered by the config's own code: an HTML fragment, its CSS, and the same for a terminal. */
  html: string;
  css: string;
  text: string;
}

export interface ReviewHooks {
  /** `diff --against NAME`: the run NAME refers to for a request (e.g. the run whose results were shared), or why there is none. */
  against?: Record<string, (ctx: { dataDir: string; request: string }) => Promise<{ run: string } | { error: string }>>;
  /** Sections added to the diff of two runs (e.g. two versions of a report side by side). */
  sections?: (ctx: { dataDir: string; request: string; against: string; a: DiffSide; b: DiffSide }) => Promise<DiffSection[]>;
}

export interface DiffSide {
  run: string;
  /** The file of a stage output of this run, or null when it is gone (purged) or absent. */
  output: (stage: string, output: string) => string | null;
}

/** What the framework knows of a request that a retention rule may need. */
export interface RetentionFacts {
  /** The request's last run stopped it (e.g. intake refused it). */
  stopped: boolean;
  /** yyyy-mm-dd of its first run, if it ever ran. */
  firstRun: string | null;
}

export interface Retention {
  /** ISO date from which the data must be deleted; null while it is not known (e.g. results not shared). */
  due: string | null;
  classifications: Classification[];
  /** The rule that gives the date, in words, for the register and for people. */
  rule: string;
  /** Why the data goes when it is due, for the register (default 'retention period ended'). */
  reason?: string;
}

export interface LoadedDag {
  root: string;
  dataDir: string;
  stages: Stage[];
  config: DagConfig;
}

export function defineDag(config: DagConfig): DagConfig {
  return config;
}

/** The config module alone (no stage is loaded): enough to find a command. */
export async function loadConfig(configFile: string): Promise<{ root: string; config: DagConfig }> {
  const file = resolve(configFile);
  return { root: dirname(file), config: ((await import(fresh(file))) as { default: DagConfig }).default };
}

export async function loadDag(configFile: string): Promise<LoadedDag> {
  const { root, config } = await loadConfig(configFile);
  const stages: Stage[] = [];
  for (const entry of config.stages) {
    const rel = typeof entry === 'string' ? entry : entry.module;
    const stageFile = resolve(root, rel);
    const spec = ((await import(fresh(stageFile))) as { default: StageSpec<Json> }).default;
    if (!spec || typeof spec !== 'object') throw new Error(`${rel}: the module does not default-export a stage (export default defineStage({...}))`);
    const overrides = typeof entry === 'string' ? undefined : entry.params;
    if (overrides) {
      const defaults = (spec.params ?? {}) as Record<string, Json>;
      const unknown = Object.keys(overrides).filter((k) => !(k in defaults));
      if (unknown.length) throw new Error(`${configFile}: stage ${spec.name} has no param(s) ${unknown.join(', ')} (it has: ${Object.keys(defaults).join(', ') || 'none'})`);
    }
    stages.push({ ...spec, params: overrides ? { ...(spec.params as Record<string, Json>), ...overrides } : spec.params, file: stageFile });
  }
  return { root, dataDir: resolve(root, config.dataDir), stages, config };
}

/** The module URL tagged with its content, so a process that reloads a changed DAG sees the change. */
function fresh(file: string): string {
  return `${pathToFileURL(file).href}?v=${sha256(readFileSync(file)).slice(0, 16)}`;
}
