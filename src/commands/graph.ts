// `pipeline graph [--request ID]`: the DAG as a Mermaid flowchart, coloured by the latest run's status.
import { mermaid } from '../graph-view.ts';
import { defineCommand, fail, printJson } from './command.ts';
import { checkKnownRequest, jsonOption } from './common.ts';
import { EXIT } from './exit.ts';

export default defineCommand({
  name: 'graph',
  summary: "the DAG as a Mermaid flowchart (or JSON), coloured by a request's latest run",
  usage: '[--request ID] [--json]',
  options: {
    request: { type: 'string', arg: 'ID', description: "colour each stage by its status in this request's latest run" },
    json: { type: 'boolean', description: 'the stages, their inputs and outputs (and statuses) as JSON' },
  },
  async run({ values, project }): Promise<number> {
    const json = !!values.json;
    const p = await project();
    const bad = await checkKnownRequest(p, values.request, { optional: true });
    if (bad) return fail(bad, EXIT.usage, { json });
    const last = values.request ? p.records.latest(values.request) : undefined;
    if (json) {
      printJson({
        request: values.request ?? null,
        run: last?.run ?? null,
        stages: p.graph.order.map((name) => {
          const stage = p.graph.stages.get(name)!;
          return {
            name,
            inputs: Object.fromEntries(Object.entries(p.graph.inputs.get(name)!).map(([n, src]) => [n, src.kind === 'output' ? `${src.stage}.${src.output}` : `file:${src.path}`])),
            outputs: Object.fromEntries(Object.entries(stage.outputs).map(([n, o]) => [n, { format: o.format, classification: o.classification }])),
            status: last?.stages[name]?.status ?? null,
          };
        }),
      });
      return EXIT.ok;
    }
    process.stdout.write(mermaid(p.graph, last));
    return EXIT.ok;
  },
});
