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

/** The first row whose value repeats an earlier one (only looked for once a repeat is known). */
function firstRepeat(ids: BigInt64Array): number {
  const seen = new Set<bigint>();
  for (let i = 0; i < ids.length; i++) {
    if (seen.has(ids[i]!)) return i;
    seen.add(ids[i]!);
  }
  return -1;
}

export function readMatched(path: string): MatchedColumns {
  const table: Table = tableFromIPC(readFileSync(path));
  const n = table.numRows;
  const ids = column(table, 'event_id', 'matched');
  const treatedCol = column(table, 'treated', 'matched');
  const weightCol = column(table, 'weight', 'matched');
  // Whole columns as typed arrays (a national matched set has hundreds of thousands of rows);
  // rows are looked at one by one only to name the first bad one.
  for (const [col, name] of [[ids, 'event_id'], [treatedCol, 'treated'], [weightCol, 'weight']] as const) {
    if (col.nullCount > 0) {
      let i = 0;
      while (col.isValid(i)) i++;
      throw new Error(`matched row ${i + 1}: ${name} is missing`);
    }
  }
  const rawIds = ids.toArray() as ArrayLike<number | bigint>;
  const eventId = new BigInt64Array(n);
  if (rawIds instanceof BigInt64Array) eventId.set(rawIds);
  else {
    for (let i = 0; i < n; i++) {
      const v = Number(rawIds[i]);
      if (!Number.isSafeInteger(v)) throw new Error(`matched row ${i + 1}: event_id is missing or not an integer`);
      eventId[i] = BigInt(v);
    }
  }
  const sorted = eventId.slice().sort();
  for (let i = 1; i < n; i++) {
    if (sorted[i] === sorted[i - 1]) throw new Error(`matched row ${firstRepeat(eventId) + 1}: event_id repeats an earlier row`);
  }
  const rawTreated = treatedCol.toArray() as ArrayLike<number>;
  const rawWeight = weightCol.toArray() as ArrayLike<number>;
  const treated = new Uint8Array(n);
  const weight = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = Number(rawTreated[i]);
    if (t !== 0 && t !== 1) throw new Error(`matched row ${i + 1}: treated is not 0 or 1`);
    const w = Number(rawWeight[i]);
    if (!Number.isFinite(w) || w < 0) throw new Error(`matched row ${i + 1}: weight is negative or not finite`);
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
