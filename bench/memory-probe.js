/* global process */
// Preloaded into the worker and API processes by the benchmarks (never by `npm start`): on an IPC
// message "memory", runs a full garbage collection (the process runs with --expose-gc) and answers
// process.memoryUsage(), so that the memory benchmark can tell a growing heap from one that V8
// simply has not collected yet. No signal: the Temporal runtime treats SIGUSR2 as shutdown.
// Plain JavaScript: worker threads inherit the preload, and not the TypeScript loader's hooks.
const collect = globalThis.gc;

if (process.send) {
  process.on('message', (message) => {
    if (message !== 'memory') return;
    collect?.();
    process.send?.({ memory: process.memoryUsage(), collected: collect !== undefined });
  });
  // The channel must not keep a process alive that would otherwise exit.
  process.channel?.unref();
}
