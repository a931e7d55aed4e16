// The real justice DAG in a scratch project: the repo's stages and config, a temp data folder with
// the default synthetic register (generated once into the repo's git-ignored data/reference, as
// the pipeline itself does on a fresh clone) linked in, and copies of the chosen requests. Tests
// run the real CLI and runner against it without touching the repo's own stores.
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { ensureRegister } from '../../synth/index.ts';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
const TMP = join(REPO, '.tmp');

const made: string[] = [];

/** Remove every scratch project this process made: call it from a test file's `test.after`. */
export function removeJusticeProjects(): void {
  for (const root of made.splice(0)) rmSync(root, { recursive: true, force: true });
}

export async function makeJusticeProject(requests: string[] = ['123']): Promise<string> {
  await ensureRegister({ dataDir: join(REPO, 'data') });
  mkdirSync(TMP, { recursive: true });
  const root = mkdtempSync(join(TMP, 'justice-'));
  made.push(root);
  mkdirSync(join(root, 'data', 'requests'), { recursive: true });
  symlinkSync(join(REPO, 'data', 'reference'), join(root, 'data', 'reference'));
  for (const r of requests) cpSync(join(REPO, 'data', 'requests', r), join(root, 'data', 'requests', r), { recursive: true });
  // The repo's config with absolute stage paths; data and file inputs resolve in the scratch project,
  // and its private folder (key, withdrawals) is the scratch project's own, outside its data folder.
  writeFileSync(
    join(root, 'pipeline.config.ts'),
    `import base from '${REPO}pipeline.config.ts';
import { resolve } from 'node:path';
export default { ...base, privateDir: 'private', stages: base.stages.map((s) => typeof s === 'string' ? resolve('${REPO}', s) : { ...s, module: resolve('${REPO}', s.module) }) };
`,
  );
  return root;
}

export function pipeline(root: string, args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'src/cli.ts'), '--config', join(root, 'pipeline.config.ts'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, CI: 'true', ...env },
    maxBuffer: 64 * 2 ** 20,
  });
}
