// The real CLI in a child process, as a user runs it, through zx: the exit code, stdout and
// stderr of `pipeline --config ROOT/pipeline.config.ts ARGS...`, never throwing on a non-zero exit.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { $, quote } from 'zx';

export const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** node --import tsx (not the tsx binary, which would run the script in yet another process). */
export async function cli(root: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const r = await $({ cwd: root, env: { ...process.env, CI: 'true', ...env }, nothrow: true, quiet: true })`${process.execPath} --import tsx ${CLI} --config ${join(root, 'pipeline.config.ts')} ${args}`;
  return { status: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** The CLI piped into another command through a shell (e.g. `| head -1`). */
export async function cliPiped(root: string, args: string[], into: string): Promise<CliResult> {
  const line = [process.execPath, '--import', 'tsx', CLI, '--config', join(root, 'pipeline.config.ts'), ...args].map((a) => quote(a)).join(' ');
  const r = await $({ cwd: root, env: { ...process.env, CI: 'true' }, nothrow: true, quiet: true })`sh -c ${`${line} | ${into}`}`;
  return { status: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
}
