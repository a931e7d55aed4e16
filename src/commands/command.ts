// The command layer's contract. A command is a declared value: its name, a one-line summary, the
// options it accepts (each with a description, so --help lists every flag), its positionals,
// and run(). Parsing is node:util parseArgs in strict mode (no dependency: it does all we need,
// and it is Node's own), so an unknown flag, a missing value or a stray positional is a usage
// error (exit 2) before anything is loaded, locked or written.
import { parseArgs } from 'node:util';
import { EXIT, EXIT_HELP } from './exit.ts';
import type { Project } from '../project.ts';

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** May be given more than once (values collected in order). */
  multiple?: boolean;
  short?: string;
  /** Placeholder for the value in --help, e.g. ID, N, FILE. */
  arg?: string;
  description: string;
}

export type Options = Record<string, OptionSpec>;

export type Values<O extends Options> = {
  [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : O[K]['multiple'] extends true ? string[] : string;
};

export interface CommandContext<O extends Options> {
  values: Values<O>;
  positionals: string[];
  /** The project, loaded on first use (psm and link never need it). */
  project(): Promise<Project>;
}

export interface CommandSpec<O extends Options = Options> {
  name: string;
  /** One line, shown in the list of commands. */
  summary: string;
  /** The usage line after the command name, e.g. '--request ID [--dry-run]'. Built from the options when absent. */
  usage?: string;
  /** More lines for --help: what the command does, what it never does. */
  description?: string;
  options: O;
  /** Positional arguments: how they read in the usage line, and how many at most (default none). */
  positionals?: { usage: string; description: string; max: number };
  run(ctx: CommandContext<O>): Promise<number>;
}

export function defineCommand<const O extends Options>(spec: CommandSpec<O>): CommandSpec<O> {
  return spec;
}

/** Options every command accepts. */
const COMMON: Options = {
  help: { type: 'boolean', short: 'h', description: 'show this help and exit' },
};

export const GLOBAL_HELP = `global: --config FILE  the DAG configuration (default: $PIPELINE_CONFIG, else pipeline.config.ts)`;

function flagLabel(name: string, o: OptionSpec): string {
  return `${o.short ? `-${o.short}, ` : ''}--${name}${o.type === 'string' ? ` ${o.arg ?? 'VALUE'}` : ''}`;
}

export function helpText(spec: CommandSpec<Options>, program = 'pipeline'): string {
  const options = { ...spec.options, ...COMMON };
  const usage = spec.usage ?? Object.entries(spec.options).map(([n, o]) => `[${flagLabel(n, o)}]`).join(' ');
  const lines = [`usage: ${program} ${spec.name}${usage ? ` ${usage}` : ''}${spec.positionals ? ` ${spec.positionals.usage}` : ''}`, '', spec.summary];
  if (spec.description) lines.push('', spec.description.trim());
  const labels = Object.entries(options).map(([n, o]) => [flagLabel(n, o), o.description + (o.multiple ? ' (may be repeated)' : '')] as const);
  if (spec.positionals) labels.unshift([spec.positionals.usage, spec.positionals.description]);
  const width = Math.min(28, Math.max(...labels.map(([l]) => l.length)) + 2);
  lines.push('', 'options:');
  for (const [label, text] of labels) lines.push(label.length + 2 > width ? `  ${label}\n  ${' '.repeat(width)}${text}` : `  ${label.padEnd(width)}${text}`);
  lines.push('', GLOBAL_HELP, EXIT_HELP);
  return lines.join('\n') + '\n';
}

export type Parsed<O extends Options> = { ok: true; help: boolean; values: Values<O>; positionals: string[] } | { ok: false; message: string };

export function parseCommandArgs<O extends Options>(spec: CommandSpec<O>, argv: string[]): Parsed<O> {
  const options = { ...spec.options, ...COMMON } as Options;
  // `--request -rf` means the value "-rf" (refused later as an id), not a missing value.
  const joined: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const name = arg.startsWith('--') && !arg.includes('=') ? arg.slice(2) : '';
    if (options[name]?.type === 'string' && i + 1 < argv.length) joined.push(`--${name}=${argv[++i]}`);
    else joined.push(arg);
  }
  try {
    const parsed = parseArgs({
      args: joined,
      options: Object.fromEntries(Object.entries(options).map(([n, o]) => [n, { type: o.type, ...(o.multiple ? { multiple: true } : {}), ...(o.short ? { short: o.short } : {}) }])),
      strict: true,
      allowPositionals: true,
      tokens: true,
    });
    // `purge --request 0123 --request 123`: parseArgs keeps the last silently; a command that
    // deletes must not guess which target was meant.
    const seen = new Map<string, number>();
    for (const t of parsed.tokens ?? []) if (t.kind === 'option') seen.set(t.name, (seen.get(t.name) ?? 0) + 1);
    const twice = [...seen].find(([name, n]) => n > 1 && !options[name]?.multiple && options[name]?.type === 'string');
    if (twice) return { ok: false, message: `option --${twice[0]} given more than once: give it once` };
    const max = spec.positionals?.max ?? 0;
    if (parsed.positionals.length > max) {
      return { ok: false, message: max ? `too many arguments: ${parsed.positionals.slice(max).join(' ')}` : `unexpected argument "${parsed.positionals[0]}"` };
    }
    const values = parsed.values as Values<O> & { help?: boolean };
    return { ok: true, help: !!values.help, values, positionals: parsed.positionals };
  } catch (error) {
    // parseArgs says e.g. "Unknown option '--rows'. To specify a positional argument starting with a '-', ...": the first sentence is the point.
    return { ok: false, message: (error as Error).message.split('. ')[0]!.replace(/'/g, '"') };
  }
}

/**
 * Parse, then run: --help prints the help (exit 0), a usage error prints the error and the help's
 * usage line (exit 2, or a JSON error line when --json was asked for). Nothing else happens
 * before the arguments are known to be right.
 */
export async function invoke<O extends Options>(spec: CommandSpec<O>, argv: string[], project: () => Promise<Project>): Promise<number> {
  const parsed = parseCommandArgs(spec, argv);
  if (!parsed.ok) return usageError(spec as unknown as CommandSpec<Options>, parsed.message, argv.includes('--json'));
  if (parsed.help) {
    process.stdout.write(helpText(spec as unknown as CommandSpec<Options>));
    return EXIT.ok;
  }
  let loaded: Promise<Project> | undefined;
  return spec.run({ values: parsed.values, positionals: parsed.positionals, project: () => (loaded ??= project()) });
}

/** For commands that work on files alone (psm, link): asking for the project is a programming error. */
export const noProject = (): Promise<Project> => Promise.reject(new Error('this command does not use the project'));

export function usageError(spec: CommandSpec<Options> | undefined, message: string, json = false): number {
  if (json) process.stdout.write(JSON.stringify({ type: 'error', reason: 'usage', message }) + '\n');
  else process.stderr.write(`error: ${message}\n${spec ? `${helpText(spec).split('\n')[0]}\n(${spec.name} --help lists every option)\n` : ''}`);
  return EXIT.usage;
}

/** A failure after parsing: a line on stderr, or a JSON error on stdout with --json. */
export function fail(message: string, code: number, options: { json?: boolean; reason?: string } = {}): number {
  if (options.json) process.stdout.write(JSON.stringify({ type: 'error', reason: options.reason ?? (code === EXIT.usage ? 'usage' : 'failed'), message }) + '\n');
  else process.stderr.write(`error: ${message}\n`);
  return code;
}

/** Plain output, or JSON with --json: one place decides. */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}
