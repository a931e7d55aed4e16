// `pipeline diff --request ID [RUN_A [RUN_B]]`: what changed between two runs of a request (default:
// the previous successful run against the latest successful one; a failed run has no complete
// outputs and is skipped unless named), as text, JSON or a self-contained HTML page. `--against`
// names the base: previous, latest, or a run the configuration names (the justice DAG: shared, the
// run whose results went to the provider). The configuration may add sections (the justice DAG:
// both versions of the report side by side, and a table of every measure).
import { chooseRuns, DEFAULT_LIMIT, DEFAULT_TOLERANCE, diffRuns, okRuns, renderText, runsAgainst, runsInOrder } from '../diff.ts';
import { writeFileAtomic } from '../fsutil.ts';
import { defineCommand, fail, printJson, usageError } from './command.ts';
import { checkKnownRequest, jsonOption, requestOption } from './common.ts';
import { EXIT } from './exit.ts';

const command = defineCommand({
  name: 'diff',
  summary: 'compare two runs of a request: schemas, rows and figures that changed',
  usage: '--request ID [--stage STAGE] [--against previous|latest|shared] [--json] [--html FILE] [--show-personal] [--exit-code] [--abs-tol X] [--rel-tol X] [--limit N]',
  positionals: { usage: '[RUN_A [RUN_B]]', description: 'the runs to compare (default: the previous successful run against the latest successful one)', max: 2 },
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
    against: {
      type: 'string',
      arg: 'BASE',
      description: 'previous: RUN (default the latest successful run) against the successful run before it; latest: RUN_A against the latest successful run; shared: the run whose results were last shared, against RUN (default the latest successful run)',
    },
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

    const all = runsInOrder(p.records, request);
    const ok = okRuns(p.records, request);
    const hooks = p.config.review;
    const against = values.against;
    const bases = ['previous', 'latest', ...Object.keys(hooks?.against ?? {})];
    if (against !== undefined && !bases.includes(against)) return usageError(command, `--against takes ${bases.join(', ')}; not "${against}"`, json);
    // Without --against and without runs named: the two latest successful runs.
    const named = against !== undefined && hooks?.against?.[against] ? await hooks.against[against]!({ dataDir: p.dataDir, request }) : undefined;
    const runs =
      against !== undefined
        ? runsAgainst(all, ok, against, positionals, named ? () => named : undefined)
        : positionals.length === 0
          ? chooseRuns(ok, [])
          : chooseRuns(all, positionals.length === 1 ? [positionals[0]!, ok.at(-1) ?? positionals[0]!] : positionals);
    if ('error' in runs) return usageError(command, `request ${request}: ${runs.error}`, json);
    const stage = values.stage;
    if (stage) {
      const known = new Set([...p.graph.order, ...Object.keys(p.records.read(request, runs.a).stages), ...Object.keys(p.records.read(request, runs.b).stages)]);
      if (!known.has(stage)) return usageError(command, `unknown stage "${stage}" (stages: ${p.graph.order.join(', ')})`, json);
    }

    const d = await diffRuns(p, request, runs.a, runs.b, { stage, showPersonal: !!values['show-personal'], tolerance: { abs: abs as number, rel: rel as number }, limit: limit as number });
    // The configuration's own sections (the justice DAG: both versions of the report side by side).
    const side = (run: string) => {
      const record = p.records.read(request, run);
      return {
        run,
        output: (s: string, o: string) => {
          const out = record.stages[s]?.outputs?.[o];
          return out && p.store.hasBlob(out.hash) ? p.store.blobPath(out.hash) : null;
        },
      };
    };
    const sections = hooks?.sections && !stage ? await hooks.sections({ dataDir: p.dataDir, request, against: against ?? 'previous', a: side(runs.a), b: side(runs.b) }) : [];
    if (json) printJson(d);
    else process.stdout.write(renderText(d) + sections.map((x) => x.text).join(''));
    if (typeof values.html === 'string') {
      const { renderHtml } = await import('../diff-html.ts');
      // With --show-personal the page may hold personal values: owner-only, like any personal file.
      writeFileAtomic(values.html, renderHtml(d, sections), 0o600);
      if (!json) process.stdout.write(`wrote ${values.html}\n`);
    }
    return values['exit-code'] && d.differences > 0 ? EXIT.failed : EXIT.ok;
  },
});

export default command;
