// npm run synth [-- --seed N --people N --request-size N --request-id ID --data-dir DIR]
// Writes the national register to <data-dir>/reference/, demo request 123 to
// <data-dir>/requests/123/ and its truth to <data-dir>/truth/123/. With --request-size, also a
// programme of that many participants (id 'national' unless --request-id says otherwise).
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_PEOPLE, DEFAULT_SEED, DEMO_PROGRAMME, nationalProgramme, synthesize } from './index.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: String(DEFAULT_SEED) },
    people: { type: 'string', default: String(DEFAULT_PEOPLE) },
    'request-size': { type: 'string' },
    'request-id': { type: 'string', default: 'national' },
    'data-dir': { type: 'string', default: resolve(ROOT, 'data') },
    threads: { type: 'string', default: '2' },
    'memory-limit': { type: 'string', default: '3GB' },
    help: { type: 'boolean', short: 'h' },
  },
  strict: true,
});

if (values.help) {
  console.log('usage: npm run synth -- [--seed N] [--people N] [--request-size N [--request-id ID]] [--data-dir DIR] [--threads N] [--memory-limit 3GB]');
  process.exit(0);
}

const int = (name: string, text: string): number => {
  const n = Number(text.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < 0) {
    console.error(`--${name} must be a whole number`);
    process.exit(2);
  }
  return n;
};

const programmes = [DEMO_PROGRAMME];
if (values['request-size']) programmes.push({ ...nationalProgramme(int('request-size', values['request-size'])), id: values['request-id']! });

const dataDir = resolve(values['data-dir']!);
const seed = int('seed', values.seed!);
const people = int('people', values.people!);
// data/ holds the committed demo request 123, which must stay the one drawn from the default
// register; a different world goes to its own folder.
if (dataDir === resolve(ROOT, 'data') && (seed !== DEFAULT_SEED || people !== DEFAULT_PEOPLE || programmes.length > 1)) {
  console.error('synth: a non-default --seed, --people or --request-size would replace the demo register in data/;');
  console.error('       write it elsewhere, e.g. --data-dir data/scratch/national');
  process.exit(2);
}
const start = performance.now();
const summaries = await synthesize({
  dataDir,
  seed,
  people,
  programmes,
  threads: int('threads', values.threads!),
  memoryLimit: values['memory-limit'],
  tempDirectory: resolve(dataDir, 'scratch', 'synth-duckdb'),
  onProgress: (m) => console.log(`synth: [${((performance.now() - start) / 1000).toFixed(1)} s] ${m}`),
});
for (const s of summaries) {
  console.log(`synth: request ${s.id}: ${s.rows} rows (${s.participants} participants, ${s.notInRegister} not in the register, ${s.duplicates} duplicates)`);
}
console.log(`synth: done in ${((performance.now() - start) / 1000).toFixed(1)} s, written under ${dataDir}`);
