// The layers, checked on the code itself: every import (static, type-only and dynamic) of every
// file under src/, commands/, stages/, synth/ and the config is read, and a forbidden edge or a
// cycle fails the test, naming the files. See docs/architecture.md, "Who may import whom".
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listFiles } from '../../src/hash.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const rel = (f: string) => relative(REPO, f).split(sep).join('/');

const files = [...['src', 'commands', 'stages', 'synth'].flatMap((d) => listFiles(join(REPO, d))), join(REPO, 'pipeline.config.ts')].filter((f) => f.endsWith('.ts')).map(rel).sort();

/** Relative imports of a file: `import … from`, `export … from`, `import '…'` and `import('…')`. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(REPO, file), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/^\s*\/\/.*$/gm, '');
  const specs = [
    ...text.matchAll(/^\s*(?:import|export)\s[^;'"`]*?\bfrom\s*['"](\.[^'"]+)['"]/gm),
    ...text.matchAll(/^\s*import\s*['"](\.[^'"]+)['"]/gm),
    ...text.matchAll(/\bimport\(\s*['"](\.[^'"]+)['"]\s*\)/g),
  ].map((m) => m[1]!);
  return [...new Set(specs.map((s) => rel(resolve(dirname(join(REPO, file)), s))).filter((t) => t.endsWith('.ts')))].sort();
}

const graph = new Map(files.map((f) => [f, importsOf(f)]));

const layer = (f: string) =>
  f === 'src/cli.ts' || f.startsWith('src/commands/') || f.startsWith('commands/') ? 'commands'
  : f === 'pipeline.config.ts' ? 'config'
  : f.startsWith('stages/') ? 'stages'
  : f.startsWith('synth/') ? 'synth'
  : 'engine';

/** What a stage may use of the framework: the contract and the data helpers. */
const STAGE_MAY_USE = new Set(['src/stage.ts', 'src/duck.ts', 'src/columns.ts', 'src/parallel.ts', 'src/json-diff.ts']);

test('the walker sees the imports it must see (a check that it can fail)', () => {
  assert.ok(files.length > 80, `${files.length} files`);
  assert.ok(graph.get('src/runner.ts')!.includes('src/store-lock.ts'));
  assert.ok(graph.get('src/runner.ts')!.includes('src/duck.ts'), 'dynamic and type-only imports count');
  assert.ok(graph.get('commands/withdraw.ts')!.includes('commands/withdraw-person.ts'));
});

test('no file under stages/ imports the runner, store, lock, records, log, argument parsing or a command', () => {
  const bad: string[] = [];
  for (const [file, targets] of graph) {
    if (layer(file) !== 'stages') continue;
    for (const t of targets) if (t.startsWith('src/') && !STAGE_MAY_USE.has(t)) bad.push(`${file} -> ${t}`);
    for (const t of targets) if (layer(t) === 'commands') bad.push(`${file} -> ${t}`);
    if (/\bparseArgs\b|process\.argv/.test(readFileSync(join(REPO, file), 'utf8')) && !isScript(file)) bad.push(`${file} parses arguments`);
  }
  assert.equal(bad, []);
});

test('the engine imports no stage and no command, and never prints', () => {
  const bad: string[] = [];
  for (const [file, targets] of graph) {
    if (layer(file) !== 'engine') continue;
    for (const t of targets) if (['stages', 'commands', 'config'].includes(layer(t))) bad.push(`${file} -> ${t}`);
    // log.ts renders events onto the stream a command gives it; nothing else below the commands writes to the console.
    if (file !== 'src/log.ts' && /\bconsole\.(log|error|warn|info)\b|process\.(stdout|stderr)\b/.test(readFileSync(join(REPO, file), 'utf8'))) bad.push(`${file} prints`);
  }
  assert.equal(bad, []);
});

test('no command reaches into another command\'s internals (only the shared command contract)', () => {
  const shared = new Set(['src/commands/command.ts', 'src/commands/common.ts', 'src/commands/exit.ts', 'src/commands/confirm.ts', 'src/commands/index.ts']);
  const bad: string[] = [];
  for (const [file, targets] of graph) {
    if (layer(file) !== 'commands' || file === 'src/cli.ts' || file === 'src/commands/index.ts') continue;
    for (const t of targets) {
      if (layer(t) !== 'commands' || shared.has(t)) continue;
      // A command may be split in files of its own name (withdraw.ts -> withdraw-person.ts).
      const stem = (f: string) => f.split('/').pop()!.replace(/\.ts$/, '').split('-')[0];
      if (stem(t) !== stem(file)) bad.push(`${file} -> ${t}`);
    }
  }
  assert.equal(bad, []);
});

/** Every cycle found by a depth-first walk, as 'a -> b -> a'. */
function findCycles(g: Map<string, string[]>): string[] {
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string) => {
    state.set(f, 'open');
    stack.push(f);
    for (const t of g.get(f) ?? []) {
      if (!g.has(t)) continue;
      if (state.get(t) === 'open') cycles.push([...stack.slice(stack.indexOf(t)), t].join(' -> '));
      else if (!state.has(t)) visit(t);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of [...g.keys()].sort()) if (!state.has(f)) visit(f);
  return cycles;
}

test('no import cycle anywhere', () => {
  assert.equal(findCycles(graph), []);
});

test('the cycle finder finds cycles (negative control: the cycles this redesign removed)', () => {
  const before = new Map([
    ['src/runner.ts', ['src/purge.ts', 'src/store.ts']],
    ['src/purge.ts', ['src/runner.ts']],
    ['src/diff.ts', ['src/diff-html.ts']],
    ['src/diff-html.ts', ['src/diff.ts']],
    ['src/store.ts', []],
  ]);
  assert.equal(findCycles(before), ['src/diff-html.ts -> src/diff.ts -> src/diff-html.ts', 'src/purge.ts -> src/runner.ts -> src/purge.ts']);
});

/** A file run by hand as a script (it has a main guard), not stage code the runner loads. */
function isScript(file: string): boolean {
  return /import\.meta\.url\s*===|process\.argv\[1\]/.test(readFileSync(join(REPO, file), 'utf8'));
}

test.run();
