// Data-parallel loops over typed arrays in worker threads, synchronously and deterministically.
//
// A kernel computes one segment of rows, [start, end), and writes that segment's partial result
// (sums, counts, minima...) into its own slot of a shared result array; the caller combines the
// slots in segment order. Why this shape:
// - The rows are cut into segments of a fixed length whatever the number of threads, and each
//   partial starts from zero, so floating-point sums are grouped the same way on 1 core or 8:
//   the bytes of every result depend on the data only, not on the machine or on which thread
//   ran which segment.
// - Threads take segments from a shared counter, so a thread that starts late (a new worker) or
//   runs slowly (a busy core) just takes fewer. The calling thread works too and never waits for
//   a worker to start; it only waits, at the end, for segments a worker is still finishing.
// - The call is synchronous (Atomics.wait on the calling thread), so numeric code that calls it
//   stays ordinary synchronous code.
// - Data is shared, not copied: arrays backed by a SharedArrayBuffer (see `sharedFloat64`) are
//   seen by every thread. If any array is not shared, every segment runs on the calling thread,
//   with the same segments and so the same result.
// - Workers rebuild each kernel from its source text (Function.prototype.toString), so a kernel
//   must be self-contained: it may use its arguments, the helper functions declared with it and
//   JavaScript globals, nothing imported or captured. The TypeScript loader may wrap functions
//   in a `__name(fn, "name")` call; workers define `__name` as the identity for that reason.
import { availableParallelism } from 'node:os';
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';

export type SharedArray = Float64Array | Float32Array | Int32Array | Uint32Array | Uint8Array;

/**
 * One segment's work. `arrays` and `params` are the ones given to `runSegments`; `out` is this
 * segment's slot of the result (zero-filled, `width` long). Arrays meant as outputs (one value
 * per row) may be written within [start, end) only.
 */
export type Kernel = (arrays: SharedArray[], params: Float64Array, start: number, end: number, out: Float64Array) => void;

export interface KernelSpec {
  kernel: Kernel;
  /** Functions the kernel calls, shipped to workers with it. */
  helpers?: ((...args: never[]) => unknown)[];
}

/** Rows per segment unless a call says otherwise: large enough that a segment's overhead is nothing. */
export const SEGMENT_ROWS = 65_536;

export function sharedFloat64(n: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(8 * n));
}

export function sharedUint8(n: number): Uint8Array {
  return new Uint8Array(new SharedArrayBuffer(n));
}

export function sharedInt32(n: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4 * n));
}

export function isShared(a: ArrayBufferView): boolean {
  return a.buffer instanceof SharedArrayBuffer;
}

// The worker: compiles each kernel source once, then for every job takes segments from the
// job's counter until there are none left. A kernel that throws marks the job failed and
// sends its error through the worker's report port.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const report = workerData.report;
const compiled = new Map();
const identity = (f) => f;
parentPort.on('message', (job) => {
  const { source, arrays, params, n, rows, width, control, partials } = job;
  let kernel = compiled.get(source);
  const segments = Math.ceil(n / rows);
  try {
    if (!kernel) compiled.set(source, (kernel = new Function('__name', source)(identity)));
  } catch (error) {
    Atomics.store(control, 2, 1);
    report.postMessage(String(error && error.stack || error));
    kernel = null;
  }
  for (;;) {
    const s = Atomics.add(control, 0, 1);
    if (s >= segments) break;
    if (kernel) {
      try {
        kernel(arrays, params, s * rows, Math.min(n, (s + 1) * rows), partials.subarray(s * width, (s + 1) * width));
      } catch (error) {
        if (Atomics.compareExchange(control, 2, 0, 1) === 0) report.postMessage(String(error && error.stack || error));
      }
    } else Atomics.store(control, 2, 1);
    Atomics.add(control, 3, 1);
    Atomics.add(control, 1, 1);
    Atomics.notify(control, 1);
  }
});
`;

interface PoolWorker {
  worker: Worker;
  report: MessagePort;
}

let workerCount = defaultWorkerCount();
let pool: PoolWorker[] = [];

function defaultWorkerCount(): number {
  const fromEnv = process.env.PIPELINE_WORKERS;
  if (fromEnv !== undefined && /^\d+$/.test(fromEnv)) return Number(fromEnv);
  return Math.max(0, Math.min(availableParallelism() - 1, 7));
}

/** Worker threads used besides the calling thread (default: one per other core, at most 7; env PIPELINE_WORKERS). */
export function setWorkerCount(n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new Error('setWorkerCount: a whole number of workers, 0 or more');
  workerCount = n;
  if (pool.length > n) {
    for (const w of pool.slice(n)) void w.worker.terminate();
    pool = pool.slice(0, n);
  }
}

export function getWorkerCount(): number {
  return workerCount;
}

function workers(): PoolWorker[] {
  while (pool.length < workerCount) {
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { report: port2 }, transferList: [port2] });
    // Idle workers must not keep the process alive, and an unexpected worker exit is not fatal:
    // the calling thread finishes any segment a worker never took.
    worker.unref();
    worker.on('error', () => {});
    pool.push({ worker, report: port1 });
  }
  return pool;
}

/**
 * Start the workers now rather than at the first parallel call, e.g. while the data loads, so
 * that they are ready (and have their start-up done) when the work arrives.
 */
export function startWorkers(): void {
  workers();
}

const sources = new WeakMap<Kernel, string>();

function sourceOf(spec: KernelSpec): string {
  let source = sources.get(spec.kernel);
  if (!source) {
    source = [...(spec.helpers ?? []).map((f) => f.toString()), `return (${spec.kernel.toString()});`].join('\n');
    sources.set(spec.kernel, source);
  }
  return source;
}

export interface SegmentResult {
  /** Segment s's partial result is partials[s * width, (s + 1) * width). */
  partials: Float64Array;
  segments: number;
  width: number;
  /** Segments computed by worker threads (the rest by the calling thread). */
  byWorkers: number;
}

/**
 * Run `spec.kernel` over rows [0, n) in segments of `rows`, on this thread and the workers, and
 * return the segments' partial results. Synchronous; rethrows the first error a kernel throws.
 */
export function runSegments(spec: KernelSpec, arrays: SharedArray[], params: ArrayLike<number>, n: number, width: number, rows = SEGMENT_ROWS): SegmentResult {
  if (!Number.isInteger(rows) || rows < 1) throw new Error('runSegments: rows per segment must be a positive whole number');
  const segments = Math.max(1, Math.ceil(n / rows));
  const parameters = Float64Array.from(params);
  const parallel = segments > 1 && workerCount > 0 && arrays.every(isShared);
  const partials = parallel ? sharedFloat64(segments * width) : new Float64Array(segments * width);
  if (!parallel) {
    for (let s = 0; s < segments; s++) spec.kernel(arrays, parameters, s * rows, Math.min(n, (s + 1) * rows), partials.subarray(s * width, (s + 1) * width));
    return { partials, segments, width, byWorkers: 0 };
  }
  // control[0]: next segment to take; [1]: segments finished; [2]: 1 once a kernel failed;
  // [3]: segments finished by workers.
  const control = sharedInt32(4);
  const job = { source: sourceOf(spec), arrays, params: parameters, n, rows, width, control, partials };
  const team = workers();
  for (const w of team) w.worker.postMessage(job);
  let failure: unknown;
  for (;;) {
    const s = Atomics.add(control, 0, 1);
    if (s >= segments) break;
    try {
      spec.kernel(arrays, parameters, s * rows, Math.min(n, (s + 1) * rows), partials.subarray(s * width, (s + 1) * width));
    } catch (error) {
      failure ??= error;
    }
    Atomics.add(control, 1, 1);
  }
  for (let done = Atomics.load(control, 1); done < segments; done = Atomics.load(control, 1)) Atomics.wait(control, 1, done, 1000);
  // Read every report, so that none is left to be mistaken for a later job's.
  const reports: string[] = [];
  for (const w of team) for (let m = receiveMessageOnPort(w.report); m; m = receiveMessageOnPort(w.report)) reports.push(String(m.message));
  if (failure !== undefined) throw failure;
  if (Atomics.load(control, 2) === 1) throw new Error(`runSegments: ${reports[0] ?? 'a worker thread failed'}`);
  return { partials, segments, width, byWorkers: Atomics.load(control, 3) };
}
