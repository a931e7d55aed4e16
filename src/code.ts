// Which files make up a stage's code: its module, the local modules it imports (transitively),
// and the extra files it declares (SQL, templates). A change to any of them re-runs the stage.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';

const IMPORT = /(?:^|[\s;}])(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\sfrom\s+)?['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

/** Resolve a relative import the way tsx does: './x.js' may name './x.ts'. */
function resolveImport(fromFile: string, spec: string): string | undefined {
  const base = resolve(dirname(fromFile), spec);
  const candidates = [base, base.replace(/\.js$/, '.ts'), base.replace(/\.mjs$/, '.mts'), `${base}.ts`, `${base}/index.ts`];
  return candidates.find((c) => existsSync(c) && !c.endsWith('/'));
}

/** The module and every local module it reaches through relative imports. */
export function localModules(entry: string): string[] {
  const seen = new Set<string>();
  const stack = [resolve(entry)];
  while (stack.length) {
    const file = stack.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    if (!/\.(ts|mts|js|mjs)$/.test(file)) continue;
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2]!;
      const target = resolveImport(file, spec);
      if (target && !target.includes(`${sep}node_modules${sep}`)) stack.push(target);
    }
  }
  return [...seen].sort();
}

export interface CodeFiles {
  files: string[];
  missing: string[];
}

/** All files of a stage's code, absolute, sorted; declared files that do not exist are reported. */
export function stageCodeFiles(stageFile: string, declared: string[] = []): CodeFiles {
  const files = new Set(localModules(stageFile));
  const missing: string[] = [];
  for (const d of declared) {
    const p = resolve(dirname(stageFile), d);
    if (existsSync(p)) files.add(p);
    else missing.push(d);
  }
  return { files: [...files].sort(), missing };
}

export function projectPath(root: string, file: string): string {
  return relative(root, file).split(sep).join('/');
}
