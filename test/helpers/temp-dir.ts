// Temporary folders for tests, removed when the test process exits: the files tests write are
// synthetic, but they are shaped like personal data, and hundreds of runs left tens of thousands
// of folders in the system's temp folder.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];
let hooked = false;

/** A fresh folder under the system's temp folder, removed at exit (KEEP_TEST_TMP=1 keeps it, for debugging). */
export function testTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  if (!hooked && !process.env.KEEP_TEST_TMP) {
    hooked = true;
    process.on('exit', () => {
      for (const d of made) rmSync(d, { recursive: true, force: true });
    });
  }
  return dir;
}
