// glibc malloc settings for our Node processes (the worker and the API). glibc reads them when a
// process starts, so whatever starts our processes sets them; an operator's own value wins.
//
// MALLOC_ARENA_MAX=2: glibc gives each thread that allocates under contention an arena of its own,
// up to eight per core, and memory freed in one arena is rarely handed back to the system. The
// worker runs sharp's libvips threads, tesseract's worker threads and Temporal's core threads side
// by side: with the default it grew by a quarter over 1,250 applications, with two arenas it did not.
//
// MALLOC_MMAP_THRESHOLD_=131072: glibc serves a block of 128 KiB or more with an mmap of its own,
// returned to the system when freed, but after the first such free it raises that threshold to
// the freed block's size (up to 32 MiB). From then on a card's pixel buffers (megabytes each) came
// from the main heap, whose free holes are not given back: it grew from 40 to 146 MB over 1,400
// applications. Setting the threshold turns that adjustment off; the heap stayed at 56 MB
// (/proc/<pid>/smaps during bench runs; docs/performance.md).
const MALLOC_SETTINGS = {
  MALLOC_ARENA_MAX: '2',
  MALLOC_MMAP_THRESHOLD_: '131072',
} as const;

/** `env` for one of our Node processes, with our malloc settings where it sets none of its own. */
export function withMallocSettings(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const settings: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(MALLOC_SETTINGS)) settings[name] = env[name] || value;
  return { ...env, ...settings };
}
