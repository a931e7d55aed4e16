// DuckDB query results straight into typed arrays, one array per column, never row objects.
// This is the fast path measured in reference/stack-notes.md §3: stream the result, and copy each
// chunk's raw vector memory (`vector_get_data`) into a growing typed array. NULLs are read from
// the validity bitmask directly (bit i of the little-endian uint64 words) rather than through one
// native call per row.
import duckdb from '@duckdb/node-bindings';
import type { Duck, Params } from './duck.ts';

/** The physical type a column is read as; the query must CAST to exactly this type. */
export type ColumnKind = 'double' | 'integer' | 'bigint';

export type ColumnArray = Float64Array | Int32Array | BigInt64Array;

export interface ReadColumns {
  n: number;
  columns: ColumnArray[];
  /** Per column: null when the column had no NULL; else 1 marks a NULL row. */
  nulls: (Uint8Array | null)[];
}

const WIDTH: Record<ColumnKind, number> = { double: 8, integer: 4, bigint: 8 };
const TYPE_ID: Record<ColumnKind, number> = { double: duckdb.Type.DOUBLE, integer: duckdb.Type.INTEGER, bigint: duckdb.Type.BIGINT };

// Shared memory (SharedArrayBuffer), so that worker threads read the columns without a copy
// (src/parallel.ts); otherwise they behave as ordinary typed arrays.
function allocate(kind: ColumnKind, n: number): ColumnArray {
  if (kind === 'double') return new Float64Array(new SharedArrayBuffer(8 * n));
  if (kind === 'integer') return new Int32Array(new SharedArrayBuffer(4 * n));
  return new BigInt64Array(new SharedArrayBuffer(8 * n));
}

function grow<T extends ColumnArray>(a: T, n: number): T {
  const b = allocate(a instanceof Float64Array ? 'double' : a instanceof Int32Array ? 'integer' : 'bigint', n) as T;
  (b as unknown as { set(x: ArrayLike<unknown>): void }).set(a as ArrayLike<unknown>);
  return b;
}

/** SQL identifier quoting: column names are identifiers, never values, so they cannot be bound. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Run `sql` and read its columns, in order, as the given kinds. The query must produce exactly
 * those DuckDB types (cast in SQL); a mismatch is an error rather than a silent reinterpretation
 * of the bytes. NULL slots hold 0 (or NaN for doubles) and are marked in `nulls`.
 */
export async function readColumns(db: Duck, sql: string, kinds: ColumnKind[], params?: Params, expectedRows?: number): Promise<ReadColumns> {
  const result = params && Object.keys(params).length ? await db.con.stream(sql, params) : await db.con.stream(sql);
  if (result.columnCount !== kinds.length) throw new Error(`readColumns: query has ${result.columnCount} columns, expected ${kinds.length}`);
  // With the row count known, the arrays are allocated once at their final size (no growing
  // copies, and the returned arrays are the allocations themselves).
  let capacity = Math.max(1, expectedRows ?? 1 << 16);
  let columns: ColumnArray[] = kinds.map((k) => allocate(k, capacity));
  let nulls: (Uint8Array | null)[] = kinds.map(() => null);
  let n = 0;
  let checked = false;
  for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
    const rows = chunk.rowCount;
    if (n + rows > capacity) {
      while (n + rows > capacity) capacity *= 2;
      columns = columns.map((c) => grow(c, capacity));
      nulls = nulls.map((m) => (m ? grow8(m, capacity) : null));
    }
    for (let j = 0; j < kinds.length; j++) {
      const kind = kinds[j]!;
      const vector = duckdb.data_chunk_get_vector(chunk.chunk, j);
      if (!checked) {
        const type = duckdb.get_type_id(duckdb.vector_get_column_type(vector));
        if (type !== TYPE_ID[kind]) throw new Error(`readColumns: column ${j + 1} has DuckDB type id ${type}, expected ${kind}`);
      }
      const bytes = duckdb.vector_get_data(vector, rows * WIDTH[kind]);
      const target = columns[j]!;
      if (kind === 'double') (target as Float64Array).set(new Float64Array(bytes.buffer, bytes.byteOffset, rows), n);
      else if (kind === 'integer') (target as Int32Array).set(new Int32Array(bytes.buffer, bytes.byteOffset, rows), n);
      else (target as BigInt64Array).set(new BigInt64Array(bytes.buffer, bytes.byteOffset, rows), n);
      const validity = duckdb.vector_get_validity(vector, Math.ceil(rows / 64) * 8);
      if (validity && validity.length > 0) {
        for (let i = 0; i < rows; i++) {
          if ((validity[i >> 3]! & (1 << (i & 7))) === 0) {
            let mask = nulls[j];
            if (!mask) mask = nulls[j] = new Uint8Array(capacity);
            mask[n + i] = 1;
            if (kind === 'double') (target as Float64Array)[n + i] = NaN;
            else if (kind === 'integer') (target as Int32Array)[n + i] = 0;
            else (target as BigInt64Array)[n + i] = 0n;
          }
        }
      }
    }
    checked = true;
    n += rows;
  }
  const fit = <T extends ColumnArray | Uint8Array>(a: T): T => (a.length === n ? a : (a.subarray(0, n) as T));
  return { n, columns: columns.map(fit), nulls: nulls.map((m) => (m ? fit(m) : null)) };
}

function grow8(a: Uint8Array, n: number): Uint8Array {
  const b = new Uint8Array(n);
  b.set(a);
  return b;
}
