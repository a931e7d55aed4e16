// Writing generated files safely. Files that hold names, dates of birth or identifiers must never
// be readable by other users, not even for a moment, so they are written inside a private staging
// folder (mode 0700, made by mkdtemp), set to 0600 there, and then renamed into place (a rename
// keeps the mode). Files are also replaced whole, so a reader never sees a half-written one.
import { chmodSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

export const PRIVATE_MODE = 0o600;
export const PUBLIC_MODE = 0o644;

export class Staging {
  readonly dir: string;

  /** A private staging folder beside `target` (same file system, so rename is atomic). */
  constructor(readonly target: string) {
    mkdirSync(target, { recursive: true });
    this.dir = mkdtempSync(join(target, '.staging-'));
  }

  /** The staging path for a file that will end up as target/name. */
  path(name: string): string {
    return join(this.dir, basename(name));
  }

  writeText(name: string, text: string, mode: number): void {
    writeFileSync(this.path(name), text, { mode });
    chmodSync(this.path(name), mode);
  }

  /** Set the mode of a staged file and move it into the target folder. */
  commit(name: string, mode: number): void {
    chmodSync(this.path(name), mode);
    renameSync(this.path(name), join(this.target, basename(name)));
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Pretty JSON with a final newline, stable for equal input. */
export function jsonText(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}
