// One Project value: the root, the data folder, the DAG's config and stages, the validated graph,
// the store and the run records. Built once per process and passed to the engine parts (runner,
// purge, gc, audit, diff, verify) and to the commands, none of which needs the runner itself.
import { join } from 'node:path';
import { loadDag, type LoadedDag } from './dag.ts';
import { buildGraph, formatGraphErrors, type Graph } from './graph.ts';
import { RunRecords } from './records.ts';
import { Store } from './store.ts';

export interface Project extends LoadedDag {
  graph: Graph;
  store: Store;
  records: RunRecords;
}

/** The DAG's graph failed validation (cycles, unknown inputs, ...): a usage error, not a run failure. */
export class GraphValidationError extends Error {}

/** A Project over a loaded DAG (its own data folder: verify builds one over a scratch folder). */
export function makeProject(dag: LoadedDag): Project {
  const built = buildGraph(dag.stages);
  if (!built.ok) throw new GraphValidationError(formatGraphErrors(built.errors));
  return { ...dag, graph: built.graph, store: new Store(join(dag.dataDir, 'store')), records: new RunRecords(join(dag.dataDir, 'runs')) };
}

export async function openProject(configFile: string): Promise<Project> {
  return makeProject(await loadDag(configFile));
}
