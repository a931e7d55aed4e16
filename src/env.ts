// The environment part of every cache key: a new DuckDB, Arrow or Node major version can change
// output bytes, so it re-runs every stage and `--explain` says so.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(`${root}node_modules/${name}/package.json`, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

let cached: Record<string, string> | undefined;

export function environment(): Record<string, string> {
  cached ??= {
    duckdb: packageVersion('@duckdb/node-api'),
    arrow: packageVersion('apache-arrow'),
    node: process.versions.node.split('.')[0]!,
  };
  return { ...cached };
}
