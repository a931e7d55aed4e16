// Reads the propensity stage's matched set (Arrow IPC file) and loads it into DuckDB, checking
// the contract on the way: event_id integral and unique, treated 0/1, weight finite and >= 0.
// DuckDB here cannot read Arrow itself (stack-notes §4), so rows go through an appender.
import { readFileSync } from 'node:fs';
import { tableFromIPC, type Table } from 'apache-arrow';
import type { Duck } from '../../src/duck.ts';

export interface MatchedColumns {
  eventId: BigInt64Array;
  treated: Uint8Array;
  weight: Float64Array;
}

function column(table: Table, name: string, file: string) {
  const col = table.getChild(name);
  if (!col) throw new Error(`${file}: column ${name} is missing`);
  return col;
}

export function readMatched(path: string): MatchedColumns {
  const table: Table = tableFromIPC(readFileSync(path));
  const n = table.numRows;
  const ids = column(table, 'event_id', 'matched');
  const treatedCol = column(table, 'treated', 'matched');
  const weightCol = column(table, 'weight', 'matched');
  const eventId = new BigInt64Array(n);
  const treated = new Uint8Array(n);
  const weight = new Float64Array(n);
  const seen = new Set<bigint>();
  for (let i = 0; i < n; i++) {
    const raw: unknown = ids.get(i);
    let id: bigint;
    if (typeof raw === 'bigint') id = raw;
    else if (typeof raw === 'number' && Number.isSafeInteger(raw)) id = BigInt(raw);
    else throw new Error(`matched row ${i + 1}: event_id is missing or not an integer`);
    if (seen.has(id)) throw new Error(`matched row ${i + 1}: event_id repeats an earlier row`);
    seen.add(id);
    const t = Number(treatedCol.get(i));
    if (t !== 0 && t !== 1) throw new Error(`matched row ${i + 1}: treated is not 0 or 1`);
    const w = Number(weightCol.get(i));
    if (!Number.isFinite(w) || w < 0) throw new Error(`matched row ${i + 1}: weight is negative or not finite`);
    eventId[i] = id;
    treated[i] = t;
    weight[i] = w;
  }
  return { eventId, treated, weight };
}

export async function loadMatched(db: Duck, m: MatchedColumns): Promise<void> {
  await db.run('CREATE TABLE matched (event_id BIGINT, treated INTEGER, weight DOUBLE)');
  const appender = await db.con.createAppender('matched');
  for (let i = 0; i < m.eventId.length; i++) {
    appender.appendBigInt(m.eventId[i]!);
    appender.appendInteger(m.treated[i]!);
    appender.appendDouble(m.weight[i]!);
    appender.endRow();
  }
  appender.closeSync();
}
