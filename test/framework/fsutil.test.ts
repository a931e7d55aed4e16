// writeFileAtomic: a regular file is replaced whole by rename; a device named as the target (as in
// `show --out /dev/null`) is written to and stays a device (the machine's /dev/null was once
// replaced by a regular file this way).
import { execFileSync } from 'node:child_process';
import { lstatSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileAtomic } from '../../src/fsutil.ts';
import { testTempDir } from '../helpers/temp-dir.ts';

test('a regular file is replaced with the new bytes and the mode asked for', () => {
  const dir = testTempDir('fsutil-');
  try {
    const f = join(dir, 'out.json');
    writeFileSync(f, 'old');
    writeFileAtomic(f, 'new', 0o600);
    assert.is(readFileSync(f, 'utf8'), 'new');
    assert.is(statSync(f).mode & 0o777, 0o600);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a device as the target (a null device of its own, as /dev/null) is written to and stays a device', () => {
  // A node of its own in a temp folder, so a regression replaces that node, never the machine's /dev/null.
  if (process.getuid?.() !== 0) {
    console.log('skipped: making a device node needs root');
    return;
  }
  const dir = testTempDir('fsutil-');
  try {
    const dev = join(dir, 'null');
    execFileSync('mknod', ['-m', '666', dev, 'c', '1', '3']);
    writeFileAtomic(dev, 'discarded');
    assert.ok(lstatSync(dev).isCharacterDevice(), 'still a device');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
