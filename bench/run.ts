// `npm run bench -- NAME [args]` runs bench/NAME.ts; without a name it lists them.
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';

const dir = fileURLToPath(new URL('.', import.meta.url));
const available = readdirSync(dir).filter((f) => f.endsWith('.ts') && !['run.ts', 'record.ts'].includes(f)).map((f) => f.slice(0, -3)).sort();
const [name, ...rest] = process.argv.slice(2);
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- NAME [args]\nbenchmarks: ${available.join(', ') || '(none)'}`);
  process.exit(name ? 2 : 0);
}
process.argv = [process.argv[0]!, join(dir, `${name}.ts`), ...rest];
await import(pathToFileURL(join(dir, `${name}.ts`)).href);
