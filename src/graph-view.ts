// The DAG as a Mermaid flowchart, coloured by each stage's status in a run.
import type { Graph } from './graph.ts';
import type { RunRecord } from './records.ts';

const CLASS: Record<string, string> = {
  ran: 'fill:#cce5ff,stroke:#004085',
  hit: 'fill:#d4edda,stroke:#155724',
  failed: 'fill:#f8d7da,stroke:#721c24',
  skipped: 'fill:#eeeeee,stroke:#999999',
  cancelled: 'fill:#fff3cd,stroke:#856404',
  unknown: 'fill:#ffffff,stroke:#333333',
};

export function mermaid(graph: Graph, run?: RunRecord): string {
  const lines = ['flowchart LR'];
  for (const name of graph.order) {
    const stage = graph.stages.get(name)!;
    const status = run?.stages[name]?.status ?? 'unknown';
    lines.push(`  ${id(name)}["${name}${run ? `<br/>${status}` : ''}"]:::${status}`);
    for (const [input, src] of Object.entries(graph.inputs.get(name)!)) {
      if (src.kind === 'output') lines.push(`  ${id(src.stage)} -->|${src.output}| ${id(name)}`);
      else lines.push(`  ${id(`${name}_${input}`)}[/"${src.path}"/] --> ${id(name)}`);
    }
    void stage;
  }
  for (const [k, v] of Object.entries(CLASS)) lines.push(`  classDef ${k} ${v}`);
  return lines.join('\n') + '\n';
}

const id = (s: string) => s.replace(/[^A-Za-z0-9_]/g, '_');
