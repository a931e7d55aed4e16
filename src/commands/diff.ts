// `pipeline diff --request ID [RUN_A [RUN_B]]`: what changed between two runs of a request (default:
// the previous run against the latest), as text, JSON or a self-contained HTML page.
import { chooseRuns, DEFAULT_LIMIT, DEFAULT_TOLERANCE, diffRuns, renderText, runsInOrder } from '../diff.ts';
import { writeFileAtomic } from '../fsutil.ts';
import { defineCommand, fail, printJson, usageError } from './command.ts';
import { checkKnownRequest, jsonOption, requestOption } from './common.ts';
import { EXIT } from './exit.ts';

const command = defineCommand({
  name: 'diff',
  summary: 'compare two runs of a request: schemas, rows and figures that changed',
  usage: '--request ID [--stage STAGE] [--json] [--html FILE] [--show-personal] [--exit-code] [--abs-tol X] [--rel-tol X] [--limit N]',
  positionals: { usage: '[RUN_A [RUN_B]]', description: 'the runs to compare (default: the previous run against the latest)', max: 2 },
  options: {
    request: requestOption,
    stage: { type: 'string', arg: 'STAGE', description: "only this stage's outputs" },
    json: { type: 'boolean', description: 'the whole diff as JSON' },
    html: { type: 'string', arg: 'FILE', description: 'also write the diff as one self-contained HTML page' },
    'show-personal': { type: 'boolean', description: 'include values of personal and pseudonymised outputs (hidden by default)' },
    'exit-code': { type: 'boolean', description: 'exit 1 when there are differences, like git diff --exit-code' },
    'abs-tol': { type: 'string', arg: 'X', description: `absolute tolerance for numbers (default ${DEFAULT_TOLERANCE.abs})` },
    'rel-tol': { type: 'string', arg: 'X', description: `relative tolerance for numbers (default ${DEFAULT_TOLERANCE.rel})` },
    limit: { type: 'string', arg: 'N', description: `at most N example rows or JSON paths per output (default ${DEFAULT_LIMIT})` },
  },
  async run({ values, positionals, project }): Promise<number> {
    const json = !!values.json;
    const p = await project();
    const bad = await checkKnownRequest(p, values.request);
    if (bad) return fail(bad, EXIT.usage, { json });
    const request = values.request!;
    const number = (name: 'abs-tol' | 'rel-tol' | 'limit', fallback: number, integer = false): number | string => {
      const v = values[name];
      if (v === undefined) return fallback;
      const n = Number(v);
      return Number.isFinite(n) && n >= 0 && (!integer || Number.isInteger(n)) ? n : `--${name} takes a ${integer ? 'whole ' : ''}number, at least 0`;
    };
    const abs = number('abs-tol', DEFAULT_TOLERANCE.abs);
    const rel = number('rel-tol', DEFAULT_TOLERANCE.rel);
    const limit = number('limit', DEFAULT_LIMIT, true);
    for (const v of [abs, rel, limit]) if (typeof v === 'string') return usageError(command, v, json);

    const runs = chooseRuns(runsInOrder(p.records, request), positionals);
    if ('error' in runs) return usageError(command, `request ${request}: ${runs.error}`, json);
    const stage = values.stage;
    if (stage) {
      const known = new Set([...p.graph.order, ...Object.keys(p.records.read(request, runs.a).stages), ...Object.keys(p.records.read(request, runs.b).stages)]);
      if (!known.has(stage)) return usageError(command, `unknown stage "${stage}" (stages: ${p.graph.order.join(', ')})`, json);
    }

    const d = await diffRuns(p, request, runs.a, runs.b, { stage, showPersonal: !!values['show-personal'], tolerance: { abs: abs as number, rel: rel as number }, limit: limit as number });
    if (json) printJson(d);
    else process.stdout.write(renderText(d));
    if (typeof values.html === 'string') {
      const { renderHtml } = await import('../diff-html.ts');
      // With --show-personal the page may hold personal values: owner-only, like any personal file.
      writeFileAtomic(values.html, renderHtml(d), d.showPersonal ? 0o600 : 0o644);
      if (!json) process.stdout.write(`wrote ${values.html}\n`);
    }
    return values['exit-code'] && d.differences > 0 ? EXIT.failed : EXIT.ok;
  },
});

export default command;
