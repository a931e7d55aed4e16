// Who looked at person-level data outside a run: `show` of a personal or pseudonymised output
// appends one line here (when, who, why, which request, dataset and blob; never a value), so a
// data-protection officer can see every access. Append-only JSON lines, owner-only.
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Classification } from './stage.ts';

export interface Access {
  when: string;
  operator: string;
  reason: string;
  request: string;
  dataset: string;
  classification: Classification;
  blob: string;
  /** where the bytes went: 'stdout' or the file written */
  to: string;
}

export function accessLogPath(dataDir: string): string {
  return join(dataDir, 'register', 'access.jsonl');
}

export function recordAccess(dataDir: string, access: Access): void {
  const file = accessLogPath(dataDir);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  appendFileSync(file, JSON.stringify(access) + '\n', { mode: 0o600 });
}
