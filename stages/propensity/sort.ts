// Stable sort of row indexes by a Float64Array key, by radix sort on the IEEE-754 bits. Sorting
// a national pool of 2,000,000 scores this way costs a fraction of a comparator sort, and
// stability makes equal keys keep the input order, which the matching tie rules rely on.
//
// Each double becomes an unsigned 64-bit key (hi, lo) whose unsigned order is the numeric order
// (negative numbers have every bit flipped, others only the sign bit; -0 is folded into +0). Three
// 16-bit LSD passes order the rows by the top 48 bits (hi, which holds the sign, exponent and top
// 20 mantissa bits, then the top half of lo); rows that share those are then very few (equal
// scores, mostly) and adjacent, and each such run is sorted by lo (insertion sort for short
// runs). A pass whose digit is the same for every row is skipped. Keys travel with the row ids,
// so every pass reads sequentially.

export interface SortedRows {
  /** The rows, ascending by key; equal keys in their input order. */
  rows: Int32Array;
  /** key[rows[p]] for each position p (with -0 read as +0). */
  keys: Float64Array;
}

const little = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const HI = little ? 1 : 0;
const LO = little ? 0 : 1;

/**
 * With `consumeRows`, `rows` itself is used as scratch space (and may be returned as the sorted
 * rows): on this machine first touching fresh memory costs about 4 ms per MB, more than the
 * sorting, so the sort allocates as little as it can.
 */
export function sortByKey(rows: Int32Array, key: Float64Array, consumeRows = false): SortedRows {
  const n = rows.length;
  // The hi and lo halves of each generation share one buffer of 8n bytes, so that at the end the
  // spare generation's buffer can hold the sorted keys as doubles.
  const bufferA = new ArrayBuffer(8 * n);
  const bufferB = new ArrayBuffer(8 * n);
  let hi = new Uint32Array(bufferA, 0, n);
  let lo = new Uint32Array(bufferA, 4 * n, n);
  let id: Int32Array = consumeRows ? rows : Int32Array.from(rows);
  // The key's bits, read through a 32-bit view of its buffer (no per-element conversion).
  const bits = new Uint32Array(key.buffer, key.byteOffset, key.length * 2);
  const count = new Uint32Array(3 * 65536);
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    let h = bits[2 * r + HI]!;
    const l = bits[2 * r + LO]!;
    if ((h & 0x7ff00000) === 0x7ff00000 && ((h & 0xfffff) !== 0 || l !== 0)) throw new Error('sortByKey: NaN key');
    if (h === 0x80000000 && l === 0) h = 0;
    let kh: number, kl: number;
    if (h & 0x80000000) {
      kh = ~h >>> 0;
      kl = ~l >>> 0;
    } else {
      kh = (h | 0x80000000) >>> 0;
      kl = l;
    }
    hi[i] = kh;
    lo[i] = kl;
    count[kl >>> 16]++;
    count[65536 + (kh & 0xffff)]++;
    count[131072 + (kh >>> 16)]++;
  }
  let hi2 = new Uint32Array(bufferB, 0, n);
  let lo2 = new Uint32Array(bufferB, 4 * n, n);
  let id2: Int32Array = new Int32Array(n);
  for (let pass = 0; pass < 3; pass++) {
    const base = pass * 65536;
    let single = false;
    let sum = 0;
    for (let b = 0; b < 65536; b++) {
      const c = count[base + b]!;
      if (c === n) single = true;
      count[base + b] = sum;
      sum += c;
    }
    if (single) continue; // every key has this digit: nothing to order
    // Digit 0 is the top half of lo, digits 1 and 2 the halves of hi.
    const digits = pass === 0 ? lo : hi;
    const shift = pass === 1 ? 0 : 16;
    for (let i = 0; i < n; i++) {
      const pos = count[base + ((digits[i]! >>> shift) & 0xffff)]!++;
      hi2[pos] = hi[i]!;
      lo2[pos] = lo[i]!;
      id2[pos] = id[i]!;
    }
    [hi, hi2] = [hi2, hi];
    [lo, lo2] = [lo2, lo];
    [id, id2] = [id2, id];
  }
  // Runs of equal hi and top half of lo, in input order: order them by lo, stably.
  // (Through constants: the swapped variables above would make this loop slow.)
  const sortedHi = hi, sortedLo = lo, sortedId = id;
  for (let a = 0; a < n; ) {
    const h = sortedHi[a]!;
    const l = sortedLo[a]! >>> 16;
    let b = a + 1;
    while (b < n && sortedHi[b] === h && sortedLo[b]! >>> 16 === l) b++;
    if (b - a > 1) sortRunByLo(sortedLo, sortedId, a, b);
    a = b;
  }
  const keys = new Float64Array(sortedHi.buffer === bufferA ? bufferB : bufferA);
  const out = new Uint32Array(keys.buffer);
  for (let p = 0; p < n; p++) {
    const kh = sortedHi[p]!;
    const kl = sortedLo[p]!;
    if (kh & 0x80000000) {
      out[2 * p + HI] = kh & 0x7fffffff;
      out[2 * p + LO] = kl;
    } else {
      out[2 * p + HI] = ~kh >>> 0;
      out[2 * p + LO] = ~kl >>> 0;
    }
  }
  return { rows: sortedId, keys };
}

function sortRunByLo(lo: Uint32Array, id: Int32Array, a: number, b: number): void {
  if (b - a <= 32) {
    for (let i = a + 1; i < b; i++) {
      const l = lo[i]!;
      const r = id[i]!;
      let j = i - 1;
      while (j >= a && lo[j]! > l) {
        lo[j + 1] = lo[j]!;
        id[j + 1] = id[j]!;
        j--;
      }
      lo[j + 1] = l;
      id[j + 1] = r;
    }
    return;
  }
  // Long runs (many equal or near-equal scores): a comparator sort on positions, ties by position.
  const pos = new Int32Array(b - a);
  for (let k = 0; k < pos.length; k++) pos[k] = a + k;
  pos.sort((x, y) => lo[x]! - lo[y]! || x - y);
  const l2 = Uint32Array.from(pos, (p) => lo[p]!);
  const i2 = Int32Array.from(pos, (p) => id[p]!);
  lo.set(l2, a);
  id.set(i2, a);
}

/** The rows (in their given order) sorted ascending by key[row]; equal keys keep their order. */
export function argsortStable(rows: Int32Array, key: Float64Array): Int32Array {
  return sortByKey(rows, key).rows;
}
