// Temporary files: the work folders of runs (a stage's scratch space and DuckDB's spill files).
// A killed run leaves them behind, and they may hold person-level rows (a spilled join of the
// cohort with the register), so every command clears those of dead processes before it does
// anything else, and the audit counts what it cleared and scans what a live run still holds.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { listFiles } from './hash.ts';
import { isProcessAlive, removeTree } from './fsutil.ts';

export interface Cleared {
  /** Work folders of dead processes removed. */
  folders: number;
  /** Files they held. */
  files: number;
}

/** The pid a work folder's run id carries (run ids look like 20261124T040501123Z-p1234-a1b2). */
function ownerPid(name: string): number | undefined {
  const pid = Number(/-p(\d+)-/.exec(name)?.[1]);
  return pid > 0 ? pid : undefined;
}

/** Remove the work folders (and spill files) of runs whose process is gone. */
export function clearTemporary(tmpDir: string): Cleared {
  if (!existsSync(tmpDir)) return { folders: 0, files: 0 };
  let folders = 0;
  let files = 0;
  for (const name of readdirSync(tmpDir)) {
    const pid = ownerPid(name);
    if (pid && isProcessAlive(pid)) continue;
    const path = join(tmpDir, name);
    files += statSync(path).isDirectory() ? listFiles(path).length : 1;
    removeTree(path);
    folders++;
  }
  return { folders, files };
}
