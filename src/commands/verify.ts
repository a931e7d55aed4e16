// `pipeline verify --request ID`: check the stored bytes of the request's latest run, then
// re-execute every stage in a scratch store and compare the output bytes with the recorded hashes.
// `pipeline verify --store`: the store's fsck (every blob re-hashed, every record checked).
import { relative } from 'node:path';
import { verifyRequest, type Verdict } from '../verify.ts';
import { verifyStore } from '../store-check.ts';
import type { Project } from '../project.ts';
import { defineCommand, fail, printJson } from './command.ts';
import { checkKnownRequest, jsonOption, requestOption } from './common.ts';
import { EXIT } from './exit.ts';

export default defineCommand({
  name: 'verify',
  summary: "check a request's stored bytes, re-execute its latest run in a scratch store and compare; or check the whole store",
  usage: '(--request ID | --store) [--json]',
  description: 'Exit 0 when every verified stage reproduces its recorded bytes (and with --store, when the store is\nintact), 1 otherwise. Nothing is written or moved: a run of the request sets damaged files aside\nand rebuilds them.',
  options: {
    request: requestOption,
    store: { type: 'boolean', description: 'like git fsck: re-hash every blob, check every stage and run record, list what is wrong' },
    json: jsonOption,
  },
  async run({ values, project }): Promise<number> {
    const json = !!values.json;
    const p = await project();
    // --store with --request and --json: one JSON document with both, not two in a row.
    const both = !!values.store && values.request !== undefined && json;
    let store: Awaited<ReturnType<typeof verifyStore>> | undefined;
    if (both) {
      store = await verifyStore(p.store, p.records, p.dataDir);
      if (!store.ok) {
        printJson({ store });
        return EXIT.failed;
      }
    } else if (values.store) {
      const code = await storeCheck(p, json);
      if (values.request === undefined) return code;
      if (code !== EXIT.ok) return code;
    }
    const bad = await checkKnownRequest(p, values.request);
    if (bad) return fail(bad, EXIT.usage, { json });
    const request = values.request!;
    const result = await verifyRequest(p, request, {
      // Progress goes to stderr so that stdout stays the verdict (and pure JSON with --json).
      onEvent: json ? undefined : (e) => {
        if (e.type === 'stage' && (e.state === 'ran' || e.state === 'failed')) process.stderr.write(`  re-executed ${e.stage}${e.seconds !== undefined ? ` in ${e.seconds.toFixed(2)}s` : ''}${e.error ? `: ${e.error}` : ''}\n`);
      },
    });
    if ('error' in result) return fail(result.error, EXIT.failed, { json });
    if (json) {
      printJson(store ? { store, request: result } : result);
      return result.ok ? EXIT.ok : EXIT.failed;
    }
    const out = (line: string) => process.stdout.write(line + '\n');
    out(`verify request ${request}, run ${result.run}:`);
    const width = Math.max(8, ...result.stages.map((s) => s.stage.length));
    for (const s of result.stages) {
      const outs = s.differing.length ? ` (output${s.differing.length === 1 ? '' : 's'} ${s.differing.join(', ')})` : '';
      const word = s.verdict === 'reproducible' || s.verdict === 'skipped' ? s.verdict : s.verdict.toUpperCase();
      out(`  ${s.stage.padEnd(width)} ${word}${outs}${s.detail ? `: ${s.detail}` : ''}`);
    }
    const named = (v: Verdict[]) => result.stages.filter((s) => v.includes(s.verdict)).map((s) => s.stage);
    const summary = [
      [named(['damaged']), 'stored bytes DAMAGED'],
      [named(['not-reproducible']), 'NOT reproducible'],
      [named(['upstream-differs']), 'differing because of them'],
      [named(['changed-since']), 'not verifiable (changed since the run)'],
      [named(['failed']), 'failed to re-execute'],
    ] as const;
    out(result.ok ? 'all verified stages reproduce their recorded bytes' : summary.filter(([list]) => list.length).map(([list, what]) => `${what}: ${list.join(', ')}`).join('; '));
    return result.ok ? EXIT.ok : EXIT.failed;
  },
});

async function storeCheck(p: Project, json: boolean): Promise<number> {
  const check = await verifyStore(p.store, p.records, p.dataDir);
  if (json) {
    printJson(check);
    return check.ok ? EXIT.ok : EXIT.failed;
  }
  const out = (line: string) => process.stdout.write(line + '\n');
  out(`verify --store: ${check.blobs} blob(s) (${(check.bytes / 2 ** 20).toFixed(1)} MiB) re-hashed, ${check.records} stage record(s), ${check.runRecords} run record(s) checked`);
  const width = Math.max(0, ...check.problems.map((x) => x.kind.length));
  for (const x of check.problems) out(`  ${x.kind.padEnd(width)}  ${x.detail}`);
  if (check.quarantined) out(`${check.quarantined} file(s) set aside by earlier runs are kept in ${relative(p.dataDir, p.store.quarantineDir)}/`);
  out(check.ok ? 'store intact' : `store DAMAGED: ${check.problems.length} problem(s); the next run of a request that uses them sets them aside and rebuilds them`);
  return check.ok ? EXIT.ok : EXIT.failed;
}
