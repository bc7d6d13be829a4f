// OpenCV (WebAssembly build) loaded once per process. The loaded module is a thenable whose
// then() never settles, so it must never be awaited or returned from an async function: we wait
// for its runtime and hand it out inside a plain object.
import { createRequire } from 'node:module';

export type OpenCv = typeof import('@techstark/opencv-js');

const require = createRequire(import.meta.url);
/** A WASM compile still running after this is stuck (load times: docs/photo-pipeline.md). */
const LOAD_TIMEOUT_MS = 20_000;

let loading: Promise<{ cv: OpenCv }> | undefined;

function load(timeoutMs: number): Promise<{ cv: OpenCv }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`OpenCV did not initialise within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const done = (cv: OpenCv) => {
      clearTimeout(timer);
      resolve({ cv });
    };
    // Emscripten's Node glue installs process-wide handlers on load: one that rethrows every
    // uncaught exception and one that aborts the WASM runtime (and prints all of opencv.js) on
    // any unhandled rejection anywhere in the process. They are not ours to keep.
    const uncaught = new Set(process.listeners('uncaughtException'));
    const unhandled = new Set(process.listeners('unhandledRejection'));
    try {
      const cv = require('@techstark/opencv-js') as OpenCv & { onRuntimeInitialized?: () => void };
      for (const l of process.listeners('uncaughtException'))
        if (!uncaught.has(l)) process.removeListener('uncaughtException', l);
      for (const l of process.listeners('unhandledRejection'))
        if (!unhandled.has(l)) process.removeListener('unhandledRejection', l);
      if (typeof cv.Mat === 'function') done(cv);
      else cv.onRuntimeInitialized = () => done(cv);
    } catch (error) {
      clearTimeout(timer);
      reject(error instanceof Error ? error : new Error(String(error)));
    }
  });
}

/** The initialised module, wrapped (see above). A failed load is retried on the next call. */
export function openCv(timeoutMs = LOAD_TIMEOUT_MS): Promise<{ cv: OpenCv }> {
  loading ??= load(timeoutMs).catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

/** OpenCV's enum constants are typed `any` by the package; they are plain numbers. */
export const num = (value: unknown): number => value as number;
