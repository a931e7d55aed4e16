// The default synthetic world (national register, demo request 123 and its truth), generated from
// the repository's own generator and seed into .tmp/, never read from the working copy's data/:
// there `share`, `withdraw` or a correction may have changed request 123, and a fresh machine has
// no register at all. Generated once per version of synth/ (its files' hash names the folder).
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256 } from '../../src/hash.ts';
import { ensureRegister } from '../../synth/index.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

function synthVersion(): string {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else files.push(join(dir, e.name));
    }
  };
  walk(join(REPO, 'synth'));
  return sha256(files.map((f) => `${f.slice(REPO.length)}\0${sha256(readFileSync(f))}`).join('\n')).slice(0, 16);
}

let ready: Promise<string> | undefined;

/** The data folder of the default world: reference/, requests/123/, truth/123/. Treat it as read-only. */
export function demoWorld(): Promise<string> {
  ready ??= (async () => {
    const tmp = join(REPO, '.tmp');
    mkdirSync(tmp, { recursive: true });
    const name = `demo-world-${synthVersion()}`;
    // Worlds of older generator versions are dead weight.
    for (const old of readdirSync(tmp)) if (old.startsWith('demo-world-') && old !== name) rmSync(join(tmp, old), { recursive: true, force: true });
    const dataDir = join(tmp, name, 'data');
    await ensureRegister({ dataDir });
    if (!existsSync(join(dataDir, 'requests', '123', 'request.json'))) throw new Error(`${dataDir}: the generator wrote no request 123`);
    return dataDir;
  })();
  return ready;
}
