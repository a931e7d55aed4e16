// The deletion register: append-only JSON Lines, each entry chained to the one before by hash, so
// an edited, deleted or reordered line is detected. A chain alone can be rewritten consistently
// (drop entries, recompute every hash), so each entry also carries a MAC of its hash under a key
// kept outside the data folder, and the last entry's (seq, hash) is kept there too (the head): a
// rewrite cannot forge the MACs, and a truncation (of any kind of entry, withdrawals included)
// leaves the register shorter than its head. It names what was deleted by dataset, blob hash,
// size and row count; it never holds an identifier.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { appendFileSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { canonicalJson } from './key.ts';
import { sha256 } from './hash.ts';
import { writeFileAtomic } from './fsutil.ts';

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
  /** HMAC-SHA256 of `hash` under the register's key (outside the data folder). */
  mac?: string;
}

/** The last entry as the register's writer last saw it, kept outside the data folder. */
export interface RegisterHead {
  seq: number;
  hash: string;
  mac: string;
}

export interface RegisterKeys {
  /** The MAC key; undefined when the key file is missing (the MACs then cannot be checked). */
  key: Buffer | undefined;
  /** Where the head is kept (the private folder). */
  headFile: string;
}

const GENESIS = '0'.repeat(64);

function entryHash(entry: Omit<RegisterEntry, 'hash'>): string {
  return sha256(canonicalJson(entry));
}

function mac(key: Buffer, text: string): string {
  return createHmac('sha256', key).update(text).digest('hex');
}

function sameHex(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

export class DeletionRegister {
  constructor(
    readonly file: string,
    readonly keys?: RegisterKeys,
  ) {}

  head(): RegisterHead | undefined {
    const f = this.keys?.headFile;
    return f && existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as RegisterHead) : undefined;
  }

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
      const hash = entryHash(body);
      const entry: RegisterEntry = { ...body, hash, ...(this.keys?.key ? { mac: mac(this.keys.key, hash) } : {}) };
      out.push(entry);
      prev = entry.hash;
      seq++;
    }
    if (!out.length) return out;
    appendFileSync(this.file, out.map((e) => JSON.stringify(e)).join('\n') + '\n', { mode: 0o600 });
    const fd = openSync(this.file, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    const last = out[out.length - 1]!;
    if (this.keys?.key) writeFileAtomic(this.keys.headFile, JSON.stringify({ seq: last.seq, hash: last.hash, mac: last.mac! } satisfies RegisterHead) + '\n', 0o600);
    return out;
  }

  /** Problems with the chain, each naming the line: empty when intact. */
  verify(): string[] {
    const head = this.head();
    const key = this.keys?.key;
    if (!existsSync(this.file)) return head ? [`the register is missing, but its head outside the data folder says it had ${head.seq} entries`] : [];
    const problems: string[] = [];
    if (this.keys && !key) problems.push('the register key is missing (private folder): the MACs cannot be checked');
    if (head && key && !(typeof head.mac === 'string' && sameHex(head.mac, mac(key, head.hash)))) problems.push('the register head kept outside the data folder does not carry its MAC (rewritten without the key)');
    if (!head && this.keys?.key && readFileSync(this.file, 'utf8').trim()) problems.push(`the register's head (${this.keys.headFile}) is missing: a truncation could not be seen`);
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
      const { hash, mac: _mac, ...body } = entry;
      if (entryHash(body) !== hash) problems.push(`line ${n}: its content does not match its hash (edited)`);
      if (entry.prev !== prev) problems.push(`line ${n}: does not follow the line before it (a line was deleted, inserted or reordered)`);
      if (entry.seq !== expectSeq) problems.push(`line ${n}: sequence number ${entry.seq}, expected ${expectSeq}`);
      if (key) {
        if (!entry.mac) problems.push(`line ${n}: has no MAC`);
        else if (!sameHex(entry.mac, mac(key, hash))) problems.push(`line ${n}: its MAC does not match (rewritten without the key)`);
      }
      if (head && entry.seq === head.seq && entry.hash !== head.hash) problems.push(`line ${n}: differs from the register's head kept outside the data folder (rewritten)`);
      prev = hash;
      expectSeq = entry.seq + 1;
    });
    if (head && expectSeq - 1 < head.seq) problems.push(`the register ends at entry ${expectSeq - 1}, but its head outside the data folder is entry ${head.seq}: ${head.seq - (expectSeq - 1)} entr${head.seq - (expectSeq - 1) === 1 ? 'y was' : 'ies were'} removed from its end`);
    return problems;
  }
}
