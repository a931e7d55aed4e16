// The command line, as a thin dispatcher: find the command (the framework's own in src/commands/,
// or one the DAG's config declares), let it parse its own flags, load the project only if the
// command asks for it, and turn what it returns into the exit code. Commands print; nothing
// below them does.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig, type DagConfig } from './dag.ts';
import { loadDagCached } from './dag-cache.ts';
import { GraphValidationError, makeProject } from './project.ts';
import { GLOBAL_HELP, invoke, usageError, type CommandSpec, type Options } from './commands/command.ts';
import { EXIT, EXIT_HELP } from './commands/exit.ts';
import { FRAMEWORK_COMMANDS } from './commands/index.ts';
import { clearTemporary } from './temporary.ts';

// Everything this process creates is readable by its owner only: stage outputs may be personal data.
process.umask(0o077);

const PROGRAM = 'pipeline';

function version(): string {
  return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/** `--config FILE` may stand anywhere; it is the only flag outside a command's own. */
function takeConfig(argv: string[]): { configFile: string; argv: string[] } | { error: string } {
  const at = argv.findIndex((a) => a === '--config' || a.startsWith('--config='));
  if (at < 0) return { configFile: resolve(process.env.PIPELINE_CONFIG || 'pipeline.config.ts'), argv };
  const inline = argv[at]!.startsWith('--config=');
  const value = inline ? argv[at]!.slice('--config='.length) : argv[at + 1];
  if (!value) return { error: 'option --config needs a FILE' };
  return { configFile: resolve(value), argv: [...argv.slice(0, at), ...argv.slice(at + (inline ? 1 : 2))] };
}

type Loader = () => Promise<{ default: CommandSpec<Options> }>;

function commandsOf(root: string, config: DagConfig | undefined): Record<string, Loader> {
  const extra: Record<string, Loader> = {};
  for (const [name, module] of Object.entries(config?.commands ?? {})) {
    if (!(name in FRAMEWORK_COMMANDS)) extra[name] = () => import(pathToFileURL(resolve(root, module)).href) as Promise<{ default: CommandSpec<Options> }>;
  }
  return { ...FRAMEWORK_COMMANDS, ...extra };
}

async function generalHelp(commands: Record<string, Loader>): Promise<string> {
  const specs = await Promise.all(Object.values(commands).map(async (load) => (await load()).default));
  const width = Math.max(...specs.map((s) => s.name.length)) + 2;
  return [
    `usage: ${PROGRAM} --request ID [options]        run the DAG for one request (the command "run")`,
    `       ${PROGRAM} COMMAND [options]`,
    `       ${PROGRAM} COMMAND --help                 every option of that command`,
    `       ${PROGRAM} --version`,
    '',
    'commands:',
    ...specs.map((s) => `  ${s.name.padEnd(width)}${s.summary}`),
    '',
    GLOBAL_HELP,
    'environment: PIPELINE_CONFIG (the config file), PIPELINE_TODAY (yyyy-mm-dd: the day retention rules',
    '  are evaluated against), PIPELINE_OPERATOR (who acts, for the deletion register), PIPELINE_WORKERS',
    '  (worker threads for data-parallel loops), CI (plain output instead of live lines)',
    EXIT_HELP,
    '',
  ].join('\n');
}

export async function main(rawArgv: string[]): Promise<number> {
  const taken = takeConfig(rawArgv);
  if ('error' in taken) return usageError(undefined, taken.error);
  const { configFile, argv } = taken;
  if (argv[0] === '--version' || argv[0] === '-V') {
    process.stdout.write(`${version()}\n`);
    return EXIT.ok;
  }

  let loaded: { root: string; config: DagConfig } | undefined;
  let configError: string | undefined;
  try {
    if (!existsSync(configFile)) throw new Error(`no DAG configuration at ${configFile} (--config FILE or PIPELINE_CONFIG)`);
    loaded = await loadConfig(configFile);
  } catch (error) {
    configError = (error as Error).message;
  }
  const commands = commandsOf(loaded?.root ?? process.cwd(), loaded?.config);

  if (argv.length === 0 || (argv.length === 1 && ['--help', '-h', 'help'].includes(argv[0]!))) {
    process.stdout.write(await generalHelp(commands));
    if (configError) process.stderr.write(`note: ${configError}\n`);
    return argv.length ? EXIT.ok : EXIT.usage;
  }

  const name = argv[0]!.startsWith('-') ? 'run' : argv[0]!;
  const rest = argv[0]!.startsWith('-') ? argv : argv.slice(1);
  const load = commands[name];
  if (!load) return usageError(undefined, `unknown command "${name}" (commands: ${Object.keys(commands).join(', ')}; ${PROGRAM} --help describes them)`, argv.includes('--json'));
  const spec = (await load()).default;

  return invoke(spec, rest, async () => {
    if (configError) throw new UsageFailure(configError);
    try {
      const project = makeProject(await loadDagCached(configFile));
      // Work folders and DuckDB spill files of killed runs may hold person-level rows: every command
      // clears those of dead processes first (src/temporary.ts); a run does it itself, and says so.
      // Not under --dry-run or --explain: those change nothing, not even a dead run's leftovers.
      if (name !== 'run' && !rest.some((a) => a === '--dry-run' || a === '--explain')) clearTemporary(project.store.tmp);
      return project;
    } catch (error) {
      if (error instanceof GraphValidationError) throw new UsageFailure(`the pipeline's DAG is invalid:\n${error.message}`);
      throw error;
    }
  });
}

/** The project cannot be loaded (no config, invalid DAG): a usage error, exit 2. */
class UsageFailure extends Error {}

/**
 * `pipeline status | head`: when the reader goes away, stop writing quietly instead of dying with
 * an EPIPE stack trace; the command finishes what it was doing (a run still commits and unlocks).
 */
function quietOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') return;
    throw error;
  });
}

/** The process entry (src/cli.ts run directly, or bin/pipeline.js): main, then the exit code. */
export function runCli(argv: string[] = process.argv.slice(2)): void {
  quietOnClosedPipe(process.stdout);
  quietOnClosedPipe(process.stderr);
  const exit = (code: number) => {
    // Let stdout drain (a pipe is written asynchronously), but never hang on a stray handle.
    process.exitCode = code;
    setTimeout(() => process.exit(code), 200).unref();
  };
  main(argv).then(exit, (error) => {
    process.stderr.write(`error: ${(error as Error).message}\n`);
    exit(error instanceof UsageFailure ? EXIT.usage : EXIT.failed);
  });
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('src/cli.ts')) runCli();
