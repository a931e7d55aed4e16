// The matched set as an Arrow IPC file: one row per unit with a positive weight (matched treated
// and used comparators), in design row order (the input's total order, e.g. event_id), with its
// id, treated flag, ATT weight and score (logit of the propensity). A single record batch, so
// the bytes depend only on the values (reference/stack-notes.md §4).
import { writeFileSync } from 'node:fs';
import { Float64, Int32, Int64, Table, Utf8, makeVector, tableToIPC, vectorFromArray, type Vector } from 'apache-arrow';
import type { ColumnArray } from '../../src/columns.ts';

export interface MatchedColumns {
  /** Name of the id column in the output, e.g. 'event_id' or 'row'. */
  idName: string;
  ids: ColumnArray | string[];
  treat: Uint8Array;
  weight: Float64Array;
  score: Float64Array;
}

export function matchedTable(m: MatchedColumns): Table {
  const keep: number[] = [];
  for (let i = 0; i < m.weight.length; i++) if (m.weight[i]! > 0) keep.push(i);
  const k = keep.length;
  const treated = new Int32Array(k);
  const weight = new Float64Array(k);
  const score = new Float64Array(k);
  keep.forEach((i, j) => {
    treated[j] = m.treat[i]!;
    weight[j] = m.weight[i]!;
    score[j] = m.score[i]!;
  });
  let id: Vector;
  if (Array.isArray(m.ids)) id = vectorFromArray(keep.map((i) => (m.ids as string[])[i]!), new Utf8());
  else if (m.ids instanceof BigInt64Array) {
    const a = new BigInt64Array(k);
    keep.forEach((i, j) => (a[j] = (m.ids as BigInt64Array)[i]!));
    id = makeVector({ type: new Int64(), data: a });
  } else if (m.ids instanceof Int32Array) {
    const a = new Int32Array(k);
    keep.forEach((i, j) => (a[j] = (m.ids as Int32Array)[i]!));
    id = makeVector({ type: new Int32(), data: a });
  } else {
    const a = new Float64Array(k);
    keep.forEach((i, j) => (a[j] = (m.ids as Float64Array)[i]!));
    id = makeVector({ type: new Float64(), data: a });
  }
  return new Table({
    [m.idName]: id,
    treated: makeVector({ type: new Int32(), data: treated }),
    weight: makeVector({ type: new Float64(), data: weight }),
    score: makeVector({ type: new Float64(), data: score }),
  });
}

/** Person-level (pseudonymised) rows: created owner-only. */
export function writeMatchedArrow(path: string, m: MatchedColumns): number {
  const table = matchedTable(m);
  writeFileSync(path, tableToIPC(table, 'file'), { mode: 0o600 });
  return table.numRows;
}
