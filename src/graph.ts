// Build and validate the DAG before anything runs. Every error names the stage and the field.
import { CLASSIFICATIONS, FORMATS, OUTPUT_NAME, STAGE_NAME, parseInputRef, type InputSource, type Stage } from './stage.ts';

export interface GraphError {
  stage: string;
  field: string;
  message: string;
}

export interface Graph {
  stages: Map<string, Stage>;
  /** Topological order, ties broken by declaration order so plans read the same every time. */
  order: string[];
  /** stage -> stages it reads from. */
  deps: Map<string, string[]>;
  /** stage -> stages that read from it. */
  dependants: Map<string, string[]>;
  inputs: Map<string, Record<string, InputSource>>;
}

export type GraphResult = { ok: true; graph: Graph } | { ok: false; errors: GraphError[] };

export function buildGraph(stages: Stage[]): GraphResult {
  const errors: GraphError[] = [];
  const byName = new Map<string, Stage>();
  const publishers = new Map<string, string>();

  for (const s of stages) {
    if (!STAGE_NAME.test(s.name ?? '')) errors.push({ stage: String(s.name), field: 'name', message: `stage name "${s.name}" must be lower case letters, digits and hyphens` });
    if (byName.has(s.name)) errors.push({ stage: s.name, field: 'name', message: `two stages are named "${s.name}" (${byName.get(s.name)!.file} and ${s.file})` });
    byName.set(s.name, s);
    if (typeof s.run !== 'function') errors.push({ stage: s.name, field: 'run', message: 'run must be a function' });
    for (const [out, spec] of Object.entries(s.outputs ?? {})) {
      const field = `outputs.${out}`;
      if (!OUTPUT_NAME.test(out)) errors.push({ stage: s.name, field, message: `output name "${out}" must be a letter followed by letters, digits or _` });
      if (!FORMATS.includes(spec.format)) errors.push({ stage: s.name, field: `${field}.format`, message: `format "${spec.format}" is not one of ${FORMATS.join(', ')}` });
      if (!CLASSIFICATIONS.includes(spec.classification)) errors.push({ stage: s.name, field: `${field}.classification`, message: `classification "${spec.classification}" is not one of ${CLASSIFICATIONS.join(', ')}` });
      if (spec.publish) {
        const other = publishers.get(spec.publish);
        if (other) errors.push({ stage: s.name, field: `${field}.publish`, message: `${s.name}.${out} and ${other} both write ${spec.publish}` });
        else publishers.set(spec.publish, `${s.name}.${out}`);
        if (spec.publish.split('/').includes('..') || spec.publish.startsWith('/')) errors.push({ stage: s.name, field: `${field}.publish`, message: `publish path "${spec.publish}" must stay inside the data folder` });
      }
    }
    for (const name of s.reuse?.varying ?? []) {
      if (!(name in (s.inputs ?? {}))) errors.push({ stage: s.name, field: `reuse.varying.${name}`, message: `"${name}" is not one of the stage's inputs` });
    }
    for (const name of s.optionalInputs ?? []) {
      if (!(name in (s.inputs ?? {}))) errors.push({ stage: s.name, field: `optionalInputs.${name}`, message: `"${name}" is not one of the stage's inputs` });
    }
  }

  const inputs = new Map<string, Record<string, InputSource>>();
  const deps = new Map<string, string[]>();
  for (const s of stages) {
    const parsed: Record<string, InputSource> = {};
    const d = new Set<string>();
    for (const [name, ref] of Object.entries(s.inputs ?? {})) {
      const field = `inputs.${name}`;
      const src = parseInputRef(ref);
      if (!src) {
        errors.push({ stage: s.name, field, message: `"${ref}" is neither 'stage.output' nor 'file:<path>'` });
        continue;
      }
      if (src.kind === 'output') {
        const up = byName.get(src.stage);
        if (!up) errors.push({ stage: s.name, field, message: `unknown stage "${src.stage}" in "${ref}"` });
        else if (!(src.output in up.outputs)) errors.push({ stage: s.name, field, message: `stage "${src.stage}" has no output "${src.output}" (it has: ${Object.keys(up.outputs).join(', ') || 'none'})` });
        else d.add(src.stage);
      } else if (src.path.split('/').includes('..') || src.path.startsWith('/')) {
        errors.push({ stage: s.name, field, message: `file input "${src.path}" must be a path inside the project` });
      }
      parsed[name] = src;
    }
    inputs.set(s.name, parsed);
    deps.set(s.name, [...d]);
  }

  const cycle = findCycle(stages.map((s) => s.name), deps);
  if (cycle) errors.push({ stage: cycle[0]!, field: 'inputs', message: `cycle: ${cycle.join(' -> ')}` });
  if (errors.length) return { ok: false, errors };

  const dependants = new Map<string, string[]>(stages.map((s) => [s.name, []]));
  for (const [s, ds] of deps) for (const d of ds) dependants.get(d)!.push(s);
  return { ok: true, graph: { stages: byName, order: topoOrder(stages.map((s) => s.name), deps), deps, dependants, inputs } };
}

function findCycle(names: string[], deps: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (n: string): string[] | undefined => {
    if (state.get(n) === 'done') return undefined;
    if (state.get(n) === 'visiting') return [...path.slice(path.indexOf(n)), n];
    state.set(n, 'visiting');
    path.push(n);
    for (const d of deps.get(n) ?? []) {
      const c = visit(d);
      if (c) return c;
    }
    path.pop();
    state.set(n, 'done');
    return undefined;
  };
  for (const n of names) {
    const c = visit(n);
    if (c) return c.reverse(); // read in data-flow order: producer -> consumer
  }
  return undefined;
}

function topoOrder(names: string[], deps: Map<string, string[]>): string[] {
  const out: string[] = [];
  const done = new Set<string>();
  while (out.length < names.length) {
    for (const n of names) {
      if (done.has(n)) continue;
      if ((deps.get(n) ?? []).every((d) => done.has(d))) {
        out.push(n);
        done.add(n);
        break;
      }
    }
  }
  return out;
}

/** The stages that depend, directly or not, on a per-request file: their outputs belong to a request. */
export function requestScoped(graph: Graph): Set<string> {
  const scoped = new Set<string>();
  for (const name of graph.order) {
    const own = Object.values(graph.inputs.get(name)!).some((i) => i.kind === 'file' && i.path.includes('{request}'));
    if (own || graph.deps.get(name)!.some((d) => scoped.has(d))) scoped.add(name);
  }
  return scoped;
}

/**
 * Stages whose every input is a file under one of `folders` (project-relative, e.g.
 * 'data/reference') or an output of such a stage: what they write is a function of those folders
 * alone (tables derived from reference data), and the audit treats it like the folders.
 */
export function derivedOnlyFrom(graph: Graph, folders: string[]): Set<string> {
  const prefixes = folders.map((f) => f.replace(/\/+$/, '') + '/');
  const derived = new Set<string>();
  for (const name of graph.order) {
    const inputs = Object.values(graph.inputs.get(name)!);
    const ok = inputs.length > 0 && inputs.every((i) => (i.kind === 'file' ? prefixes.some((p) => i.path.startsWith(p)) : derived.has(i.stage)));
    if (ok) derived.add(name);
  }
  return derived;
}

/** name and everything downstream of it. */
export function downstreamOf(graph: Graph, name: string): Set<string> {
  const out = new Set<string>([name]);
  for (const n of graph.order) if (graph.deps.get(n)!.some((d) => out.has(d))) out.add(n);
  return out;
}

export function formatGraphErrors(errors: GraphError[]): string {
  return errors.map((e) => `stage ${e.stage}, ${e.field}: ${e.message}`).join('\n');
}
