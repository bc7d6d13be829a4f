// glibc gives each thread that allocates under contention an arena of its own, up to eight per
// core, and memory freed in one arena is rarely handed back to the system. The worker runs sharp's
// libvips threads, tesseract's worker threads and Temporal's core threads side by side: with the
// default it grew by a quarter over 1,250 applications, with two arenas it stayed flat (bench/,
// README "Performance"). glibc reads the setting when a process starts, so whatever starts our
// processes sets it; an operator's own value wins.
const MALLOC_ARENA_MAX = '2';

/** `env` for one of our Node processes, with the malloc arena cap unless it sets its own. */
export function withMallocArenaCap(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, MALLOC_ARENA_MAX: env.MALLOC_ARENA_MAX || MALLOC_ARENA_MAX };
}
