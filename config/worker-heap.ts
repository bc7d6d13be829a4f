// How far V8 lets the worker's JavaScript heap grow between full garbage collections.
//
// The worker idles after it starts, and V8's memory reducer then shrinks its heap (the "(reduce)"
// collections of --trace-gc) and leaves it growing slowly: after each full collection the next
// limit is 1.3x the live heap. For the worker's ~55 MB that is ~16 MB of room, no more than V8's
// young generation, and V8 starts marking the old generation again as soon as the room left is
// that small. In a flow benchmark the worker then ran a full collection every ~0.45 s (~170 for
// 150 applications), each marking the whole heap to free ~4 MB, on its main thread and V8's
// helper threads; the mode is left only when the heap grows well past where it was at the
// previous collection, which a steady worker's heap does not. A fixed factor of 2 replaces V8's
// choice in every mode: ~18 full collections for the same 150 applications and ~11 % less worker
// CPU per application, for up to one live heap more memory (docs/performance.md).
import { setFlagsFromString } from 'node:v8';

/** The old generation may grow to (1 + this / 100) × its live size before a full collection. */
export const WORKER_HEAP_GROWING_PERCENT = 100;

/**
 * Sets the growing factor for this process. V8 reads the setting each time it computes a limit,
 * so setting it at run time works as the command-line flag would (test/unit/worker-heap.test.ts),
 * and the worker applies it however it is started.
 */
export function setWorkerHeapGrowth(): void {
  setFlagsFromString(`--heap-growing-percent=${WORKER_HEAP_GROWING_PERCENT}`);
}
