// The framework's own commands, loaded only when asked for. A DAG's config adds its own
// (pipeline.config.ts `commands`: the justice ones live in commands/).
import type { CommandSpec, Options } from './command.ts';

type Loader = () => Promise<{ default: CommandSpec<Options> }>;

export const FRAMEWORK_COMMANDS: Record<string, Loader> = {
  run: () => import('./run.ts') as Promise<{ default: CommandSpec<Options> }>,
  status: () => import('./status.ts') as Promise<{ default: CommandSpec<Options> }>,
  runs: () => import('./runs.ts') as Promise<{ default: CommandSpec<Options> }>,
  graph: () => import('./graph.ts') as Promise<{ default: CommandSpec<Options> }>,
  diff: () => import('./diff.ts') as Promise<{ default: CommandSpec<Options> }>,
  verify: () => import('./verify.ts') as Promise<{ default: CommandSpec<Options> }>,
  gc: () => import('./gc.ts') as Promise<{ default: CommandSpec<Options> }>,
  purge: () => import('./purge.ts') as Promise<{ default: CommandSpec<Options> }>,
  audit: () => import('./audit.ts') as Promise<{ default: CommandSpec<Options> }>,
  schedule: () => import('./schedule.ts') as Promise<{ default: CommandSpec<Options> }>,
  requests: () => import('./requests.ts') as Promise<{ default: CommandSpec<Options> }>,
  show: () => import('./show.ts') as Promise<{ default: CommandSpec<Options> }>,
};
