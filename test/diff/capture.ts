// Runs a command function and captures what it writes to stdout and stderr (console.* included),
// so tests can assert on exactly what a reviewer would see.
import { join } from 'node:path';
import { openProject, type Project } from '../../src/project.ts';
import { invoke, type CommandSpec, type Options } from '../../src/commands/command.ts';

export interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

export async function capture(fn: () => Promise<number>): Promise<Captured> {
  const out: string[] = [];
  const err: string[] = [];
  const writeOut = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    err.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  try {
    const code = await fn();
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.stdout.write = writeOut;
    process.stderr.write = writeErr;
  }
}

export async function toyProject(root: string): Promise<Project> {
  return openProject(join(root, 'pipeline.config.ts'));
}

/** A command in-process against a toy project, as the CLI would run it. */
export function runCommand(spec: CommandSpec<any>, root: string, argv: string[]): Promise<number> {
  return invoke(spec as CommandSpec<Options>, argv, () => toyProject(root));
}
