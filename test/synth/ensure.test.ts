// ensureRegister() generates only when the register is missing; a present one is left alone.
import { mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ensureRegister } from '../../synth/index.ts';

test('a register with its extract.json is left alone, with no progress messages', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'synth-ensure-'));
  mkdirSync(join(dataDir, 'reference'));
  const extract = join(dataDir, 'reference', 'extract.json');
  writeFileSync(extract, '{"extract_date":"2024-12-31","seed":1,"people":10,"generator_version":1}\n');
  const before = statSync(extract).mtimeMs;
  const messages: string[] = [];
  assert.is(await ensureRegister({ dataDir, onProgress: (m) => messages.push(m) }), false);
  assert.equal(messages, []);
  assert.is(statSync(extract).mtimeMs, before);
});

test.run();
