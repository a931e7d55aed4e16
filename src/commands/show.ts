// `pipeline show --request ID STAGE.OUTPUT`: print or export one output of a request's latest run
// that has it, like targets' tar_read. Aggregate outputs are shown freely; personal and
// pseudonymised ones only with --personal and a --reason, and each such access is recorded in
// data/register/access.jsonl.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { recordAccess } from '../access-log.ts';
import { operatorName } from '../clock.ts';
import { defineCommand, fail, usageError } from './command.ts';
import { REASON_NAMES_PERSON, checkKnownRequest, requestOption } from './common.ts';
import { textNamesPerson } from '../purge.ts';
import { EXIT } from './exit.ts';

const TABLES = new Set(['parquet', 'arrow', 'csv']);

const command = defineCommand({
  name: 'show',
  summary: "print or export one stage output of a request's latest run (personal data only with --personal)",
  usage: '--request ID [--format csv|json|parquet] [--out FILE] [--personal --reason TEXT]',
  positionals: { usage: 'STAGE.OUTPUT', description: 'the output, e.g. metrics.metrics or linkage.matchReport', max: 1 },
  description: `Tables print as CSV unless --format says otherwise; --format parquet needs --out. A personal or
pseudonymised output needs --personal and --reason, and the access (who, when, why, which
output; never a value) is appended to data/register/access.jsonl.`,
  options: {
    request: requestOption,
    format: { type: 'string', arg: 'F', description: 'csv, json or parquet (tables); json outputs print as JSON; default: csv for tables, the output\'s own format otherwise' },
    out: { type: 'string', arg: 'FILE', description: 'write to this file instead of printing (owner-only if it holds person-level data)' },
    personal: { type: 'boolean', description: 'allow a personal or pseudonymised output (the access is recorded)' },
    reason: { type: 'string', arg: 'TEXT', description: 'why you look at person-level data (required with --personal; recorded, so no personal data in it)' },
  },
  async run({ values, positionals, project }): Promise<number> {
    const target = positionals[0];
    const m = target ? /^([a-z][a-z0-9-]*)\.([A-Za-z][A-Za-z0-9_]*)$/.exec(target) : null;
    if (!m) return usageError(command, 'say which output: STAGE.OUTPUT, e.g. metrics.metrics');
    const [, stage, output] = m as unknown as [string, string, string];
    const format = values.format;
    if (format !== undefined && !['csv', 'json', 'parquet'].includes(format)) return usageError(command, `--format takes csv, json or parquet (got ${JSON.stringify(format)})`);
    if (format === 'parquet' && !values.out) return usageError(command, '--format parquet writes binary: give --out FILE');
    const p = await project();
    const bad = await checkKnownRequest(p, values.request);
    if (bad) return fail(bad, EXIT.usage);
    const spec = p.graph.stages.get(stage)?.outputs[output];
    if (!spec) return usageError(command, `no output ${target} in the DAG (outputs: ${p.graph.order.flatMap((s) => Object.keys(p.graph.stages.get(s)!.outputs).map((o) => `${s}.${o}`)).join(', ')})`);
    const request = values.request!;
    const ids = p.records.list(request);
    let found: { run: string; hash: string; purged?: string; classification: string } | undefined;
    for (let i = ids.length - 1; i >= 0 && !found; i--) {
      const o = p.records.read(request, ids[i]!).stages[stage]?.outputs?.[output];
      if (o) found = { run: ids[i]!, hash: o.hash, purged: o.purged, classification: o.classification };
    }
    if (!found) return fail(`request ${request} has no ${target} yet: run the pipeline first`, EXIT.failed);
    if (found.purged) return fail(`${target} of request ${request} was purged on ${found.purged.slice(0, 10)}`, EXIT.failed);
    const blob = p.store.blobPath(found.hash);
    if (!existsSync(blob)) return fail(`${target} of request ${request} (run ${found.run}) is no longer in the store (gc or purge)`, EXIT.failed);
    const personal = spec.classification !== 'aggregate';
    if (personal && !values.personal) return usageError(command, `${target} is ${spec.classification} data: pass --personal --reason TEXT to see it (the access is recorded)`);
    if (personal && !values.reason?.trim()) return usageError(command, `--personal needs --reason TEXT (kept in the access log)`);
    if (personal && (await textNamesPerson(p, values.request!, values.reason!))) return usageError(command, REASON_NAMES_PERSON);

    const out = values.out ? resolve(values.out) : undefined;
    const as = format ?? (TABLES.has(spec.format) ? 'csv' : spec.format);
    if (personal) recordAccess(p.dataDir, { when: new Date().toISOString(), operator: operatorName(), reason: values.reason!, request, dataset: target!, classification: spec.classification, blob: found.hash, to: out ?? 'stdout' });
    if (!TABLES.has(spec.format)) {
      if (as !== spec.format && !(as === 'json' && spec.format === 'json')) return usageError(command, `${target} is ${spec.format}, not a table: it can only be shown as it is`);
      const bytes = readFileSync(blob);
      if (out) (await import('../fsutil.ts')).writeFileAtomic(out, bytes, personal ? 0o600 : 0o644);
      else process.stdout.write(bytes);
      return EXIT.ok;
    }
    if (spec.format === 'arrow') {
      if (as === 'parquet') return usageError(command, `${target} is an Arrow table: show it as csv or json`);
      const { tableFromIPC } = await import('apache-arrow');
      const rows = tableFromIPC(readFileSync(blob)).toArray().map((r) => (r?.toJSON() ?? {}) as Record<string, unknown>);
      const text = as === 'json' ? JSON.stringify(rows, plain, 2) + '\n' : toCsv(rows);
      if (out) (await import('../fsutil.ts')).writeFileAtomic(out, text, personal ? 0o600 : 0o644);
      else process.stdout.write(text);
      return EXIT.ok;
    }
    const { Duck } = await import('../duck.ts');
    const db = await Duck.open({ threads: 1 });
    // Printing goes through a scratch file in the store's owner-only tmp folder, never the OS's.
    const scratch = out ? undefined : mkdtempSync(join(mkdirp(p.store.tmp), `show-${process.pid}-`));
    try {
      const source = spec.format === 'parquet' ? 'read_parquet($src)' : 'read_csv($src, header = true, all_varchar = true)';
      const copyTo = out ?? join(scratch!, `out.${as}`);
      const options = as === 'csv' ? 'FORMAT csv, HEADER true' : as === 'json' ? 'FORMAT json, ARRAY true' : 'FORMAT parquet';
      await db.run(`COPY (SELECT * FROM ${source}) TO $to (${options})`, { src: blob, to: copyTo });
      if (!out) process.stdout.write(readFileSync(copyTo));
      return EXIT.ok;
    } finally {
      db.close();
      if (scratch) rmSync(scratch, { recursive: true, force: true });
    }
  },
});

export default command;

const plain = (_: string, v: unknown) => (typeof v === 'bigint' ? Number(v) : v);

function mkdirp(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

function toCsv(rows: Record<string, unknown>[]): string {
  const columns = Object.keys(rows[0] ?? {});
  const cell = (v: unknown) => {
    const t = v === null || v === undefined ? '' : v instanceof Date ? v.toISOString().slice(0, 10) : String(typeof v === 'bigint' ? Number(v) : v);
    return /[",\n\r]/.test(t) ? `"${t.replaceAll('"', '""')}"` : t;
  };
  return [columns.join(','), ...rows.map((r) => columns.map((c) => cell(r[c])).join(','))].join('\n') + '\n';
}
