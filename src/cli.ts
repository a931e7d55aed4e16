// Command line: `pipeline --request ID [--explain|--dry-run] [--force S] [--only S] [--json]` and
// the sub-commands status, runs, graph, gc, plus any the DAG config adds (psm, link, ...).
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadDag, type LoadedDag } from './dag.ts';
import { chooseMode, createRenderer } from './log.ts';
import { Runner, checkRequestId, GraphValidationError } from './runner.ts';
import { mermaid } from './graph-view.ts';
import { applyGc, pinRun, planGc } from './gc.ts';
import { describeReason } from './explain.ts';
import { forcedPurge, runAudit, schedule } from './retention-commands.ts';
import { clearTemporary } from './temporary.ts';
import { auditSummary } from './audit.ts';

// Everything this process creates is readable by its owner only: stage outputs may be personal data.
process.umask(0o077);

const EXIT = { ok: 0, failed: 1, usage: 2, stopped: 3, locked: 75, cancelled: 130 } as const;

const USAGE = `usage:
  npm run pipeline -- --request ID [--explain | --dry-run] [--force STAGE]... [--only STAGE] [--json] [--wait SECONDS]
  npm run pipeline -- status --request ID
  npm run pipeline -- runs --request ID
  npm run pipeline -- graph [--request ID]
  npm run pipeline -- gc [--keep N] [--dry-run] [--pin RUN --request ID]
  npm run pipeline -- purge --request ID --reason TEXT
  npm run pipeline -- audit [--deep] [--json]
  npm run pipeline -- schedule [--json]
  npm run pipeline -- diff --request ID [--stage S] [RUN_A [RUN_B]] [--json] [--html FILE] [--show-personal] [--exit-code] [--abs-tol X] [--rel-tol X] [--limit N]
  npm run pipeline -- verify --request ID [--json]
options: --config FILE (default pipeline.config.ts)`;

const FLAGS = {
  request: { type: 'string' },
  explain: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  force: { type: 'string', multiple: true },
  only: { type: 'string' },
  json: { type: 'boolean' },
  wait: { type: 'string' },
  concurrency: { type: 'string' },
  config: { type: 'string' },
  keep: { type: 'string' },
  pin: { type: 'string' },
  reason: { type: 'string' },
  deep: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function main(rawArgv: string[]): Promise<number> {
  const configFlag = rawArgv.indexOf('--config');
  const configFile = resolve(configFlag >= 0 ? rawArgv[configFlag + 1] ?? '' : process.env.PIPELINE_CONFIG ?? 'pipeline.config.ts');
  const argv = configFlag >= 0 ? [...rawArgv.slice(0, configFlag), ...rawArgv.slice(configFlag + 2)] : rawArgv;
  const sub = argv[0] && !argv[0].startsWith('-') ? argv[0] : undefined;

  let dag: LoadedDag;
  try {
    if (!existsSync(configFile)) throw new Error(`no DAG configuration at ${configFile}`);
    dag = await loadDag(configFile);
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    return EXIT.usage;
  }

  // Work folders and DuckDB spill files of killed runs may hold person-level rows: every command
  // clears those of dead processes first (src/temporary.ts); a run does it itself, and says so.
  if (sub) clearTemporary(join(dag.dataDir, 'store', 'tmp'));

  const extra = sub ? dag.config.commands?.[sub] : undefined;
  if (extra) return extra.run(argv.slice(1), dag);

  let runner: Runner;
  try {
    runner = new Runner(dag);
  } catch (error) {
    if (error instanceof GraphValidationError) console.error(`the pipeline's DAG is invalid:\n${error.message}`);
    else console.error(`error: ${(error as Error).message}`);
    return EXIT.usage;
  }

  // diff and verify parse their own flags (run ids as positionals, tolerances, --show-personal).
  if (sub === 'diff') return (await import('./diff.ts')).diffCommand(argv.slice(1), runner);
  if (sub === 'verify') return (await import('./verify.ts')).verifyCommand(argv.slice(1), runner);

  let values: ReturnType<typeof parse>;
  try {
    values = parse(sub ? argv.slice(1) : argv);
  } catch (error) {
    console.error(`error: ${(error as Error).message}\n${USAGE}`);
    return EXIT.usage;
  }
  if (values.help) {
    const extras = Object.entries(dag.config.commands ?? {}).map(([n, c]) => `  npm run pipeline -- ${n} ...   ${c.describe}`);
    console.log([USAGE, ...extras].join('\n'));
    return EXIT.ok;
  }


  switch (sub) {
    case undefined:
      return runCommand(runner, values);
    case 'status':
      return statusCommand(runner, values.request);
    case 'runs':
      return runsCommand(runner, values.request);
    case 'graph': {
      const bad = values.request !== undefined ? checkRequestId(values.request) : undefined;
      if (bad) return usage(bad);
      process.stdout.write(mermaid(runner.graph, values.request ? runner.records.latest(values.request) : undefined));
      return EXIT.ok;
    }
    case 'gc':
      return gcCommand(runner, values);
    case 'purge': {
      const done = await forcedPurge(runner, values.request ?? '', values.reason ?? '', values.wait ? Number(values.wait) * 1000 : 0);
      (done.ok ? console.log : console.error)(done.ok ? done.message : `error: ${done.message}`);
      return done.ok ? EXIT.ok : EXIT.failed;
    }
    case 'audit':
      return auditCommand(runner, !!values.deep, !!values.json);
    case 'schedule': {
      const result = await schedule(runner);
      if (values.json) console.log(JSON.stringify(result));
      else if (result.busy) console.log('another schedule is running; nothing done');
      else for (const l of result.lines) console.log(`${l.request}: ${l.action} (${l.detail})`);
      return result.ok ? EXIT.ok : EXIT.failed;
    }
    default:
      return usage(`unknown command "${sub}"`);
  }
}

function parse(args: string[]) {
  // `--request -rf` means the value "-rf" (to be refused as an id), not a missing value.
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const name = args[i]!.startsWith('--') ? args[i]!.slice(2) : '';
    const spec = (FLAGS as Record<string, { type: string }>)[name];
    if (spec?.type === 'string' && i + 1 < args.length) joined.push(`--${name}=${args[++i]}`);
    else joined.push(args[i]!);
  }
  return parseArgs({ args: joined, options: FLAGS, allowPositionals: false, strict: true }).values;
}

function usage(message: string): number {
  console.error(`error: ${message}\n${USAGE}`);
  return EXIT.usage;
}

async function runCommand(runner: Runner, values: ReturnType<typeof parse>): Promise<number> {
  const bad = checkRequestId(values.request);
  if (bad) return usage(bad);
  const explain = !!values.explain;
  const dryRun = explain || !!values['dry-run'];
  const renderer = createRenderer(chooseMode(!!values.json), process.stdout, { explain });
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals > 1) process.exit(EXIT.cancelled); // a second Ctrl+C: the user really means it
    if (!values.json) process.stderr.write(`\n${sig}: cancelling; nothing half-written will be committed (press again to quit at once)\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // Keep the event loop alive while the run is in flight: a stage whose promise never settles must
  // hang visibly (and be cancellable), not let the process exit silently with its lock held.
  const keepAlive = setInterval(() => {}, 60_000);
  try {
    const outcome = await runner.run({
      request: values.request!,
      force: values.force,
      only: values.only,
      dryRun,
      waitForLockMs: values.wait ? Number(values.wait) * 1000 : 0,
      concurrency: values.concurrency ? Number(values.concurrency) : undefined,
      signal: controller.signal,
      onEvent: (e) => renderer.onEvent(e),
    });
    renderer.close();
    if (outcome.ok) return EXIT.ok;
    if (values.json) process.stdout.write(JSON.stringify({ type: 'error', reason: outcome.reason, message: outcome.message }) + '\n');
    else console.error(`error: ${outcome.message}`);
    return outcome.reason === 'locked' ? EXIT.locked : outcome.reason === 'cancelled' ? EXIT.cancelled : outcome.reason === 'stopped' ? EXIT.stopped : ['invalid-request', 'options'].includes(outcome.reason) ? EXIT.usage : EXIT.failed;
  } finally {
    clearInterval(keepAlive);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function statusCommand(runner: Runner, request: string | undefined): number {
  const bad = checkRequestId(request);
  if (bad) return usage(bad);
  const last = runner.records.latest(request!);
  const purged = runner.purgedNotice(request!);
  if (purged) console.log(purged);
  if (!last) {
    console.log(`request ${request}: never run`);
    return EXIT.ok;
  }
  console.log(`request ${request}: last run ${last.run}, ${last.status}${last.stop ? ` (${last.stop})` : ''}, finished ${last.finished}`);
  for (const name of last.plan) {
    const s = last.stages[name];
    if (!s) continue;
    const outs = Object.entries(s.outputs ?? {}).map(([n, o]) => `${n}${o.rows !== undefined ? ` ${o.rows} rows` : ''}${o.purged ? ' (purged)' : runner.store.hasBlob(o.hash) ? '' : ' (missing)'}`);
    console.log(`  ${name.padEnd(12)} ${s.status.padEnd(8)} ${outs.join(', ')}${s.error ? ` — ${s.error}` : ''}`);
  }
  return EXIT.ok;
}

function runsCommand(runner: Runner, request: string | undefined): number {
  const bad = checkRequestId(request);
  if (bad) return usage(bad);
  const ids = runner.records.list(request!);
  if (!ids.length) console.log(`request ${request}: no runs`);
  for (const id of ids) {
    const r = runner.records.read(request!, id);
    const counts: Record<string, number> = {};
    for (const s of Object.values(r.stages)) counts[s.status] = (counts[s.status] ?? 0) + 1;
    const seconds = (Date.parse(r.finished) - Date.parse(r.started)) / 1000;
    const changed = Object.entries(r.stages).filter(([, s]) => s.status === 'ran').map(([n, s]) => `${n}: ${s.reason ? describeReason(s.reason) : ''}`);
    console.log(`${id}  ${r.status.padEnd(9)} ${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')}  ${seconds.toFixed(2)}s`);
    for (const c of changed) console.log(`    ${c}`);
  }
  return EXIT.ok;
}

async function auditCommand(runner: Runner, deep: boolean, json: boolean): Promise<number> {
  const report = await runAudit(runner, deep);
  if (json) {
    console.log(JSON.stringify(report, null, 2));
    return report.ok ? EXIT.ok : EXIT.failed;
  }
  console.log(`deletion register: ${report.registerEntries} entries, chain ${report.chain.length ? 'BROKEN' : 'intact'}`);
  for (const p of [...report.chain, ...report.markers]) console.log(`  ${p}`);
  console.log(`identifier scan: ${report.scanned} file(s) scanned, ${report.findings.length} finding(s)${report.skipped.length ? `, ${report.skipped.length} skipped (see --json)` : ''}`);
  for (const f of report.findings) console.log(`  ${f.file}, line ${f.line}: identifier of purged request ${f.request}`);
  if (report.excused) console.log(`  ${report.excused} match(es) in another live request's own data, of people it also holds: not leaks`);
  console.log(`temporary files: ${report.temporary.removedFiles} file(s) in ${report.temporary.removedFolders} work folder(s) of dead runs removed; ${report.temporary.held} held by running processes, scanned`);
  console.log(`retention: ${report.overdue.length} request(s) holding personal data past the due date`);
  for (const o of report.overdue) console.log(`  request ${o.request}: due ${o.due}, ${o.blobs} personal blob(s) still held`);
  console.log(`register digest (keep it with this audit's date): ${report.head ? `entry ${report.head.seq}, ${report.head.hash}` : 'empty register'}`);
  console.log(`audit ${auditSummary(report)}`);
  return report.ok ? EXIT.ok : EXIT.failed;
}

function gcCommand(runner: Runner, values: ReturnType<typeof parse>): number {
  if (values.pin) {
    const bad = checkRequestId(values.request);
    if (bad) return usage(bad);
    pinRun(runner.records, values.request!, values.pin);
    console.log(`pinned run ${values.pin} of request ${values.request}: gc keeps what it needs`);
    return EXIT.ok;
  }
  const keep = values.keep ? Number(values.keep) : 5;
  if (!Number.isInteger(keep) || keep < 1) return usage('--keep takes a whole number of runs, at least 1');
  const plan = planGc(runner.store, runner.records, keep);
  if (values['dry-run']) {
    console.log(`gc would keep what ${plan.keepRuns} run(s) need and delete ${plan.deleteRecords.length} stage record(s) and ${plan.deleteBlobs.length} blob(s)`);
    for (const b of plan.deleteBlobs) console.log(`  blob ${b.hash}`);
    return EXIT.ok;
  }
  const done = applyGc(runner.store, plan);
  console.log(`gc deleted ${done.records} stage record(s) and ${done.blobs} blob(s), ${(done.bytes / 2 ** 20).toFixed(1)} MiB`);
  return EXIT.ok;
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('src/cli.ts')) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (error) => {
    console.error(`error: ${(error as Error).message}`);
    process.exit(EXIT.failed);
  });
}
