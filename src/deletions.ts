// The deletion register: append-only JSON Lines, each entry chained to the one before by hash, so
// an edited, deleted or reordered line is detected. It names what was deleted by dataset, blob
// hash, size and row count; it never holds an identifier.
import { appendFileSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { canonicalJson } from './key.ts';
import { sha256 } from './hash.ts';

export interface Deletion {
  request: string;
  /** 'stage.output' for a blob, or 'input:<path>' for a request's own input file */
  dataset: string;
  classification: string;
  /** sha256 of the deleted bytes */
  blob: string;
  bytes: number;
  rows?: number;
  /** where it was held, relative to the data folder */
  location: string;
  operator: string;
  reason: string;
  /** the retention rule that made it due, or 'forced' / 'withdrawal' */
  rule: string;
}

export interface RegisterEntry extends Deletion {
  seq: number;
  when: string;
  prev: string;
  hash: string;
}

const GENESIS = '0'.repeat(64);

function entryHash(entry: Omit<RegisterEntry, 'hash'>): string {
  return sha256(canonicalJson(entry));
}

export class DeletionRegister {
  constructor(readonly file: string) {}

  entries(): RegisterEntry[] {
    if (!existsSync(this.file)) return [];
    return readFileSync(this.file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as RegisterEntry);
  }

  /** Append entries, each chained to the previous; fsync so a recorded deletion is never lost. */
  append(deletions: Deletion[], when = new Date()): RegisterEntry[] {
    mkdirSync(dirname(this.file), { recursive: true });
    const existing = this.entries();
    let prev = existing.length ? existing[existing.length - 1]!.hash : GENESIS;
    let seq = existing.length ? existing[existing.length - 1]!.seq + 1 : 1;
    const out: RegisterEntry[] = [];
    for (const d of deletions) {
      const body = { seq, when: when.toISOString(), prev, ...d };
      const entry = { ...body, hash: entryHash(body) };
      out.push(entry);
      prev = entry.hash;
      seq++;
    }
    if (!out.length) return out;
    appendFileSync(this.file, out.map((e) => JSON.stringify(e)).join('\n') + '\n', { mode: 0o644 });
    const fd = openSync(this.file, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return out;
  }

  /** Problems with the chain, each naming the line: empty when intact. */
  verify(): string[] {
    if (!existsSync(this.file)) return [];
    const problems: string[] = [];
    const lines = readFileSync(this.file, 'utf8').split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    let prev = GENESIS;
    let expectSeq = 1;
    lines.forEach((line, i) => {
      const n = i + 1;
      let entry: RegisterEntry;
      try {
        entry = JSON.parse(line) as RegisterEntry;
      } catch {
        problems.push(`line ${n}: not valid JSON`);
        return;
      }
      const { hash, ...body } = entry;
      if (entryHash(body) !== hash) problems.push(`line ${n}: its content does not match its hash (edited)`);
      if (entry.prev !== prev) problems.push(`line ${n}: does not follow the line before it (a line was deleted, inserted or reordered)`);
      if (entry.seq !== expectSeq) problems.push(`line ${n}: sequence number ${entry.seq}, expected ${expectSeq}`);
      prev = hash;
      expectSeq = entry.seq + 1;
    });
    return problems;
  }
}
