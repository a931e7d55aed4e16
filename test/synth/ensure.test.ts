// ensureRegister() generates only when the register is missing (or a synthetic one is older than
// the generator: test/synth/stale.test.ts); a current one, or a real one, is left alone.
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ensureRegister } from '../../synth/index.ts';
import { GENERATOR_VERSION } from '../../synth/defaults.ts';
import { testTempDir } from '../helpers/temp-dir.ts';

for (const [what, extract] of [
  ['a current synthetic register', { extract_date: '2024-12-31', seed: 1, people: 10, generator_version: GENERATOR_VERSION }],
  ['a real register (no generator version)', { extract_date: '2024-12-31' }],
] as const) {
  test(`${what} with its extract.json is left alone, with no progress messages`, async () => {
    const dataDir = testTempDir('synth-ensure-');
    mkdirSync(join(dataDir, 'reference'));
    const file = join(dataDir, 'reference', 'extract.json');
    writeFileSync(file, JSON.stringify(extract) + '\n');
    const before = statSync(file).mtimeMs;
    const messages: string[] = [];
    assert.is(await ensureRegister({ dataDir, onProgress: (m) => messages.push(m) }), false);
    assert.equal(messages, []);
    assert.is(statSync(file).mtimeMs, before);
  });
}

test.run();
