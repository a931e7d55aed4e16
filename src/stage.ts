// The stage contract. A stage is a declared value: what it reads, what it writes (with a format
// and a data classification), its params, the extra files that are part of its code, and run().
// The framework decides whether it runs; the stage never knows about caching.
import type { Duck, DuckOptions } from './duck.ts';

export type Classification = 'personal' | 'pseudonymised' | 'aggregate';
export const CLASSIFICATIONS: readonly Classification[] = ['personal', 'pseudonymised', 'aggregate'];

export type Format = 'parquet' | 'arrow' | 'json' | 'html' | 'csv';
export const FORMATS: readonly Format[] = ['parquet', 'arrow', 'json', 'html', 'csv'];

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface OutputSpec {
  format: Format;
  classification: Classification;
  /** Columns that identify a row, used by `diff` to join two runs' versions of this output. */
  key?: string[];
  /** Copy the committed output to this path (relative to the data folder), e.g. 'reports/{request}/report.html'. */
  publish?: string;
  /** The stage may legitimately not write it (e.g. a rejection file only when something was rejected). */
  optional?: boolean;
  /**
   * Columns holding direct identifiers (parquet outputs). Before a purge they are fingerprinted
   * as keyed hashes, so `audit` can look for leftovers of a purged request without keeping them:
   * ids alone, pairs of names, and each name with each date.
   */
  identifiers?: { names?: string[]; dates?: string[]; ids?: string[] };
  description?: string;
}

/**
 * An input is either another stage's output, written 'stage.output', or an external file or
 * folder, written 'file:<path>' relative to the project root, where '{request}' stands for the
 * request id. A folder input is hashed as a tree of its files.
 */
export type InputRef = string;

export interface StageLog {
  /** A progress note. Never put personal data in it: it is shown on consoles and kept in run records. */
  info(message: string): void;
}

export interface StageContext<P extends Json = Json> {
  request: string;
  /**
   * The day the run evaluates date rules against (yyyy-mm-dd), chosen by the command
   * (PIPELINE_TODAY or the real date). A stage never reads the clock itself.
   */
  today: string;
  params: P;
  /** Absolute paths of the declared inputs, read-only. Missing optional inputs are absent. */
  inputs: Record<string, string>;
  /** Content hashes (sha256 hex) of the inputs, e.g. for a report's provenance footer. */
  inputHashes: Record<string, string>;
  /** This run's cache key (sha256 hex): deterministic, unlike a run id, so it may go in outputs. */
  key: string;
  /** Absolute paths where the declared outputs must be written (inside the work folder). */
  outputs: Record<string, string>;
  /** Scratch space that is deleted after the run and never committed. */
  tmpDir: string;
  /** The folder of the stage's module: its .sql files and templates are resolved from here. */
  dir: string;
  /** A fresh in-memory DuckDB for this run, closed by the runner. */
  db: Duck;
  log: StageLog;
  /** Called by the runner when the run is being cancelled (Ctrl+C, SIGTERM). */
  signal: AbortSignal;
  /**
   * Only for a stage that declares `reuse`: its own outputs (read-only paths, by output name) from
   * its newest run of this request whose key differs from this one only in the `reuse.varying`
   * inputs, when there is one. Work still valid in them may be reused; the outputs must be the
   * same bytes as a run without them.
   */
  previous?: Record<string, string>;
}

/** What run() may return: row counts for outputs the runner cannot count itself, and notes. */
export interface StageResult {
  rows?: Record<string, number>;
  /** Aggregate facts to keep in the run record (no personal data). */
  summary?: Json;
  /**
   * Ask the framework to purge this request's data of these classifications once the run is
   * recorded (a retention rule found it due). The stage decides; the framework deletes.
   */
  purge?: { classifications: Classification[]; reason: string; rule: string };
  /**
   * The stage succeeded (its outputs are committed) but the request must go no further, e.g.
   * intake rejected it. Dependants are skipped with this reason. Never personal data.
   */
  stop?: string;
}

export interface StageSpec<P extends Json = Json> {
  name: string;
  description?: string;
  inputs: Record<string, InputRef>;
  /** Inputs that may be absent (an external file not supplied). */
  optionalInputs?: string[];
  /**
   * Links, FIFOs, sockets and devices inside a folder input are refused by the framework, by name,
   * before the stage runs (a link may point outside the folder; a FIFO blocks a reader). A stage
   * that checks its files itself and turns such entries into its own refusal (intake: a reason for
   * the provider) sets this: the framework then lets them through, never reading a FIFO or device,
   * and puts each link's text and the content of the file it points at into the cache key, so the
   * key still changes whenever what the link leads to changes. The stage must not follow them.
   */
  refusesSpecialFiles?: boolean;
  /**
   * Folder inputs whose files someone outside names (a name is their own text, and can be a
   * person's): for each such input, which paths (relative to the folder, '/'-separated) may be shown
   * and kept in run records as they are. Any other file of that folder is named there by a keyed
   * hash of its path instead, `(unlisted file 3f2a9c0d1e7b)`: still told apart from the others, so
   * a change is named and cached keys behave the same, but never readable. Without an entry, a
   * folder's file names are shown. Each pattern is a regular expression's source, matched against
   * the whole path without regard to case (data, not a function: declarations are kept as JSON).
   */
  shownFileNames?: Record<string, string[]>;
  outputs: Record<string, OutputSpec>;
  /** Extra files that are part of the stage's code (SQL, templates), relative to its module. */
  code?: string[];
  params?: P;
  /**
   * A row-level memo: the stage is offered its earlier outputs (ctx.previous) when only these
   * inputs changed (a corrected input file), to recompute only the rows whose content changed.
   */
  reuse?: { varying: string[] };
  /**
   * The stage's outputs may depend on ctx.today (a date "in the future" refused): the day is then
   * part of its key (env `today`), so a result that depended on yesterday is not served today.
   * Outputs that come out the same stop the re-run there (early cutoff).
   */
  usesToday?: boolean;
  /** false for stages that must be evaluated every time (purge). Default true. */
  cache?: boolean;
  /** DuckDB settings for this stage; `false`: the stage uses no DuckDB (none is opened, ctx.db throws). */
  duckdb?: DuckOptions | false;
  run(ctx: StageContext<P>): Promise<StageResult | void>;
}

/** A stage once loaded: its spec plus the module file it was declared in. */
export interface Stage<P extends Json = Json> extends StageSpec<P> {
  file: string;
}

export const STAGE_NAME = /^[a-z][a-z0-9-]*$/;
export const OUTPUT_NAME = /^[a-zA-Z][a-zA-Z0-9_]*$/;

export function defineStage<P extends Json = Json>(spec: StageSpec<P>): StageSpec<P> {
  return spec;
}

export type InputSource =
  | { kind: 'output'; stage: string; output: string }
  | { kind: 'file'; path: string };

export function parseInputRef(ref: InputRef): InputSource | undefined {
  if (ref.startsWith('file:')) {
    const path = ref.slice('file:'.length);
    return path ? { kind: 'file', path } : undefined;
  }
  const m = /^([a-z][a-z0-9-]*)\.([a-zA-Z][a-zA-Z0-9_]*)$/.exec(ref);
  return m ? { kind: 'output', stage: m[1]!, output: m[2]! } : undefined;
}
