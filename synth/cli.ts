// npm run synth [-- --seed N --people N --request-size N --request-id ID --effect-pp X
//                   --period FROM..TO --with-demo --data-dir DIR]
// Writes the national register to <data-dir>/reference/, demo request 123 to
// <data-dir>/requests/123/ and its truth to <data-dir>/truth/123/. With --request-size, a
// programme of that many participants instead (id 'national' unless --request-id says
// otherwise), with true effect --effect-pp (default -5) over --period (default the demo's);
// --with-demo keeps request 123 in that world as well. Another programme in the same register
// treats some of the comparison pool, so a calibration world holds only its own programme.
// <data-dir>/truth/<id>/effect.json carries the exact effect on each of the eleven measures.
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_PEOPLE, DEFAULT_SEED, DEMO_PROGRAMME, nationalProgramme, synthesize } from './index.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

// `--effect-pp -5` reads naturally, but parseArgs takes "-5" for an option: join a negative number
// to its flag (`--effect-pp=-5`) before parsing.
const argv = process.argv.slice(2).flatMap((a, i, all) => (a === '--effect-pp' && /^-\d/.test(all[i + 1] ?? '') ? [] : /^-\d/.test(a) && all[i - 1] === '--effect-pp' ? [`--effect-pp=${a}`] : [a]));

const { values } = parseArgs({
  args: argv,
  options: {
    seed: { type: 'string', default: String(DEFAULT_SEED) },
    people: { type: 'string', default: String(DEFAULT_PEOPLE) },
    'request-size': { type: 'string' },
    'request-id': { type: 'string', default: 'national' },
    'effect-pp': { type: 'string' },
    period: { type: 'string' },
    'with-demo': { type: 'boolean' },
    'data-dir': { type: 'string', default: resolve(ROOT, 'data') },
    threads: { type: 'string', default: '2' },
    'memory-limit': { type: 'string', default: '3GB' },
    help: { type: 'boolean', short: 'h' },
  },
  strict: true,
});

if (values.help) {
  console.log('usage: npm run synth -- [--seed N] [--people N] [--request-size N [--request-id ID] [--effect-pp X] [--period YYYY-MM-DD..YYYY-MM-DD] [--with-demo]] [--data-dir DIR] [--threads N] [--memory-limit 3GB]');
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
if (values['request-size']) {
  const programme = { ...nationalProgramme(int('request-size', values['request-size'])), id: values['request-id']! };
  if (values['effect-pp'] !== undefined) {
    const effect = Number(values['effect-pp']);
    if (!Number.isFinite(effect) || effect < -100 || effect > 100) {
      console.error('--effect-pp must be a number of percentage points between -100 and 100, e.g. -5');
      process.exit(2);
    }
    programme.effectPp = effect;
  }
  if (values.period !== undefined) {
    const m = /^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$/.exec(values.period);
    const valid = (d: string) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10) === d;
    if (!m || !valid(m[1]!) || !valid(m[2]!) || m[1]! > m[2]!) {
      console.error('--period must be FROM..TO, two dates YYYY-MM-DD with FROM on or before TO');
      process.exit(2);
    }
    programme.period = { from: m[1]!, to: m[2]! };
  }
  if (programme.id === DEMO_PROGRAMME.id) programmes.length = 0;
  else if (!values['with-demo']) programmes.length = 0;
  programmes.push(programme);
} else if (values['effect-pp'] !== undefined || values.period !== undefined) {
  console.error('--effect-pp and --period describe the programme of --request-size; give --request-size too');
  process.exit(2);
}

const dataDir = resolve(values['data-dir']!);
const seed = int('seed', values.seed!);
const people = int('people', values.people!);
// data/ holds the committed demo request 123, which must stay the one drawn from the default
// register; a different world goes to its own folder.
if (dataDir === resolve(ROOT, 'data') && (seed !== DEFAULT_SEED || people !== DEFAULT_PEOPLE || values['request-size'] !== undefined)) {
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
