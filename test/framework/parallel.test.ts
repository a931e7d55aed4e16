import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { getWorkerCount, runSegments, setWorkerCount, sharedFloat64, type SharedArray } from '../../src/parallel.ts';

// Sums whose value depends on the order of the additions: values of very different sizes.
function awkwardValues(n: number, shared: boolean): Float64Array {
  const x = shared ? sharedFloat64(n) : new Float64Array(n);
  let state = 12345;
  for (let i = 0; i < n; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    x[i] = (state / 2 ** 32 - 0.5) * 10 ** ((state >>> 7) % 12);
  }
  return x;
}

// out: [sum, sum of squares]; uses a helper and an inner arrow function (which the TypeScript
// loader wraps in __name), as real kernels do.
function square(v: number): number {
  return v * v;
}
function sumsKernel(arrays: SharedArray[], params: Float64Array, start: number, end: number, out: Float64Array): void {
  const x = arrays[0]!;
  const scaled = (v: number) => v * params[0]!;
  let s = 0, s2 = 0;
  for (let i = start; i < end; i++) {
    s += scaled(x[i]!);
    s2 += square(x[i]!);
  }
  out[0] = s;
  out[1] = s2;
}

// Writes one value per row, and spins so that the workers get a share of the segments.
function rowsKernel(arrays: SharedArray[], params: Float64Array, start: number, end: number, out: Float64Array): void {
  const x = arrays[0]!;
  const y = arrays[1]!;
  for (let i = start; i < end; i++) y[i] = x[i]! * params[0]! + 1;
  const until = Date.now() + 5;
  while (Date.now() < until) out[0]++;
}

function failingKernel(_arrays: SharedArray[], _params: Float64Array, start: number): void {
  if (start > 0) throw new Error(`no data at row ${start}`);
}

const combine = (r: { partials: Float64Array; segments: number }) => {
  let s = 0, s2 = 0;
  for (let k = 0; k < r.segments; k++) (s += r.partials[2 * k]!), (s2 += r.partials[2 * k + 1]!);
  return [s, s2];
};

const original = getWorkerCount();

test('a parallel sum has the same bits on 0, 1 and 3 workers, and with unshared arrays', () => {
  const n = 1_000_003;
  const shared = awkwardValues(n, true);
  const plain = awkwardValues(n, false);
  const results: number[][] = [];
  for (const workers of [0, 1, 3]) {
    setWorkerCount(workers);
    results.push(combine(runSegments({ kernel: sumsKernel, helpers: [square] }, [shared], [0.5], n, 2, 4096)));
  }
  setWorkerCount(2);
  const unshared = runSegments({ kernel: sumsKernel, helpers: [square] }, [plain], [0.5], n, 2, 4096);
  assert.is(unshared.byWorkers, 0, 'unshared arrays run on the calling thread');
  results.push(combine(unshared));
  // The same segments summed in order, by hand.
  let s = 0, s2 = 0;
  for (let start = 0; start < n; start += 4096) {
    let a = 0, b = 0;
    for (let i = start; i < Math.min(n, start + 4096); i++) (a += plain[i]! * 0.5), (b += plain[i]! * plain[i]!);
    (s += a), (s2 += b);
  }
  for (const r of results) assert.equal(r, [s, s2]);
  // A different grouping of the same additions gives other bits, so the check above has teeth.
  let direct = 0;
  for (let i = 0; i < n; i++) direct += plain[i]! * 0.5;
  assert.is.not(direct, s);
});

test('workers take segments and write their rows of a shared output', () => {
  setWorkerCount(1);
  const n = 64 * 1000;
  const x = awkwardValues(n, true);
  const y = sharedFloat64(n);
  const r = runSegments({ kernel: rowsKernel }, [x, y], [3], n, 1, 1000);
  assert.is(r.segments, 64);
  assert.ok(r.byWorkers > 0, `a worker computed ${r.byWorkers} of 64 segments`);
  for (let i = 0; i < n; i++) if (y[i] !== x[i]! * 3 + 1) assert.unreachable(`row ${i}: ${y[i]} != ${x[i]! * 3 + 1}`);
});

test("a kernel's error reaches the caller, whichever thread ran it, and the pool still works after it", () => {
  setWorkerCount(1);
  const n = 200_000;
  const x = sharedFloat64(n);
  assert.throws(() => runSegments({ kernel: failingKernel }, [x], [], n, 1, 1000), /no data at row [1-9]/);
  setWorkerCount(0);
  assert.throws(() => runSegments({ kernel: failingKernel }, [x], [], n, 1, 1000), /no data at row 1000/);
  setWorkerCount(1);
  const ok = runSegments({ kernel: sumsKernel, helpers: [square] }, [x], [1], n, 2, 1000);
  assert.equal(combine(ok), [0, 0]);
});

test('bad segment sizes are refused', () => {
  assert.throws(() => runSegments({ kernel: sumsKernel }, [], [], 10, 2, 0), /rows per segment/);
  assert.throws(() => setWorkerCount(-1), /whole number/);
});

test.after(() => setWorkerCount(original));

test.run();
