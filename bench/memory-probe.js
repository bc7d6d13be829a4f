/* global process */
// Preloaded into the worker and API processes by the benchmarks (never by `npm start`). On an IPC
// message "memory", runs a full garbage collection (the process runs with --expose-gc) and answers
// process.memoryUsage() and the young generation's committed size, so that the memory benchmark
// can tell a growing heap from one that V8 simply has not collected yet. On "gcs", answers how
// many full collections V8 has run on the main thread so far (forced ones included), without
// causing one.
// No signal: the Temporal runtime treats SIGUSR2 as shutdown.
// Plain JavaScript: worker threads inherit the preload, and not the TypeScript loader's hooks.
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import { isMainThread } from 'node:worker_threads';

const collect = globalThis.gc;
let fullGcs = 0;

if (process.send && isMainThread) {
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries())
      if (entry.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) fullGcs++;
  }).observe({ entryTypes: ['gc'] });
  process.on('message', (message) => {
    if (message === 'gcs') process.send?.({ gcs: { full: fullGcs } });
    if (message !== 'memory') return;
    collect?.();
    // The young generation's share of heapTotal: V8 resizes it as it goes (1 to 32 MB in the
    // benchmarks), and a full GC need not shrink it, so it can move heapTotal by that much.
    const youngGeneration = getHeapSpaceStatistics()
      .filter((space) => space.space_name.startsWith('new_'))
      .reduce((sum, space) => sum + space.space_size, 0);
    process.send?.({
      memory: process.memoryUsage(),
      youngGeneration,
      collected: collect !== undefined,
    });
  });
  // The channel must not keep a process alive that would otherwise exit.
  process.channel?.unref();
}
