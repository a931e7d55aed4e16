// The real justice DAG in a scratch project: the repo's stages, config and commands, a temp data
// folder with the default synthetic register linked in and copies of the chosen requests, both
// from the generated demo world (test/helpers/demo-world.ts), never from the working copy's data/.
// Tests run the real CLI and runner against it without touching the repo's own stores.
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { $ } from 'zx';
import { demoWorld } from './demo-world.ts';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
const TMP = join(REPO, '.tmp');

const made: string[] = [];

/** Remove every scratch project this process made: call it from a test file's `test.after`. */
export function removeJusticeProjects(): void {
  for (const root of made.splice(0)) rmSync(root, { recursive: true, force: true });
}

/**
 * `ownStages`: stages copied into the scratch project (with src/ linked beside them), so a test
 * may edit their code or SQL without touching the repository.
 */
export async function makeJusticeProject(requests: string[] = ['123'], options: { ownStages?: string[] } = {}): Promise<string> {
  const world = await demoWorld();
  mkdirSync(TMP, { recursive: true });
  const root = mkdtempSync(join(TMP, 'justice-'));
  made.push(root);
  mkdirSync(join(root, 'data', 'requests'), { recursive: true });
  symlinkSync(join(world, 'reference'), join(root, 'data', 'reference'));
  for (const r of requests) cpSync(join(world, 'requests', r), join(root, 'data', 'requests', r), { recursive: true });
  const own = options.ownStages ?? [];
  if (own.length) symlinkSync(join(REPO, 'src'), join(root, 'src'));
  for (const name of own) cpSync(join(REPO, 'stages', name), join(root, 'stages', name), { recursive: true });
  // The repo's config with absolute stage and command paths; data and file inputs resolve in the
  // scratch project, and its private folder (key, withdrawals) is the scratch project's own,
  // outside its data folder.
  writeFileSync(
    join(root, 'pipeline.config.ts'),
    `import base from '${REPO}pipeline.config.ts';
import { resolve } from 'node:path';
export default {
  ...base,
  privateDir: 'private',
  stages: base.stages.map((s) => {
    const module = typeof s === 'string' ? s : s.module;
    const from = ${JSON.stringify(own)}.some((n) => module === './stages/' + n + '/stage.ts') ? '${root}' : '${REPO}';
    return typeof s === 'string' ? resolve(from, s) : { ...s, module: resolve(from, s.module) };
  }),
  commands: Object.fromEntries(Object.entries(base.commands ?? {}).map(([n, m]) => [n, resolve('${REPO}', m)])),
};
`,
  );
  return root;
}

/** The real CLI on the scratch project, synchronously (zx's sync mode): status, stdout, stderr. */
export function pipeline(root: string, args: string[], env: Record<string, string> = {}): { status: number; stdout: string; stderr: string } {
  const r = $({ sync: true, cwd: root, env: { ...process.env, CI: 'true', ...env }, nothrow: true, quiet: true })`${process.execPath} --import tsx ${join(REPO, 'src/cli.ts')} --config ${join(root, 'pipeline.config.ts')} ${args}`;
  return { status: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
}
