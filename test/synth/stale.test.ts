// A working copy's synthetic register made by an older generator than its demo request is noticed
// (the pipeline's prepare step then makes it again); a current one, or a real register (no
// generator version), is left alone.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GENERATOR_VERSION } from '../../synth/defaults.ts';
import { staleSyntheticRegister } from '../../synth/stale.ts';
import { testTempDir } from '../helpers/temp-dir.ts';

function dataDir(extract: object | undefined): string {
  const dir = testTempDir('stale-register-');
  mkdirSync(join(dir, 'reference'));
  if (extract) writeFileSync(join(dir, 'reference', 'extract.json'), JSON.stringify(extract));
  return dir;
}

test('an older generator version is stale; the current one, a real register and no register are not', () => {
  assert.is(staleSyntheticRegister(dataDir({ extract_date: '2024-12-31', generator_version: GENERATOR_VERSION - 1 })), GENERATOR_VERSION - 1);
  assert.is(staleSyntheticRegister(dataDir({ extract_date: '2024-12-31', generator_version: GENERATOR_VERSION })), undefined);
  assert.is(staleSyntheticRegister(dataDir({ extract_date: '2024-12-31' })), undefined);
  assert.is(staleSyntheticRegister(dataDir(undefined)), undefined);
});

test.run();
