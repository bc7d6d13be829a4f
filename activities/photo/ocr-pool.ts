// A fixed set of tesseract.js workers, created once per process and shared by every OCR job.
// tesseract.js is given only local files: the language data is decompressed from the
// @tesseract.js-data packages into a folder we own, and nothing is cached in the working
// directory (where a stale `<lang>.traineddata` would silently win).
import { createRequire } from 'node:module';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { createWorker, OEM, type Worker } from 'tesseract.js';

export const OCR_LANGS = ['chi_sim', 'eng'] as const;
export type OcrLang = (typeof OCR_LANGS)[number];

export interface OcrPoolOptions {
  /** Workers kept alive; OCR is CPU-bound, so one per core. Default 1. */
  size?: number;
  /** Folder holding `<lang>.traineddata`; filled from the data packages on first use. */
  langDir?: string;
  /** Hard limit on one job; the worker running it is replaced. Default 15 s. */
  jobTimeoutMs?: number;
  /** A worker is replaced after this many jobs, since its WASM heap only grows. Default 300. */
  recycleAfterJobs?: number;
  /** Limit on starting one worker (a bad language file leaves createWorker pending). Default 20 s. */
  startTimeoutMs?: number;
}

export interface OcrPool {
  /** Runs `job` with a worker of its own; the worker is not shared while the job runs. */
  run<T>(job: (worker: Worker) => Promise<T>): Promise<T>;
  /** Workers started so far, including replacements, and jobs run: for tests and benchmarks. */
  stats(): { workersStarted: number; jobsRun: number; size: number; queued: number };
  terminate(): Promise<void>;
}

export class OcrTimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`OCR ${what} did not finish within ${ms} ms`);
    this.name = 'OcrTimeoutError';
  }
}

export function defaultLangDir(): string {
  return join(process.env.DATA_DIR ?? tmpdir(), 'tessdata');
}

const require = createRequire(import.meta.url);

/** The uncompressed size a gzip file declares in its trailer (ISIZE, modulo 2^32). */
async function gunzippedSize(gzPath: string): Promise<number> {
  const file = await open(gzPath, 'r');
  try {
    const { size } = await file.stat();
    const trailer = Buffer.alloc(4);
    await file.read(trailer, 0, 4, size - 4);
    return trailer.readUInt32LE(0);
  } finally {
    await file.close();
  }
}

/**
 * Decompresses the models of the data packages into `langDir` once, so that each worker start
 * skips the gunzip. The `4.0.0` models, not `4.0.0_best_int`: on the fixtures best_int chi_sim
 * confused 提/担 and 岚/岗 at most scales, 4.0.0 read every name right at every scale.
 * Atomic per file (temp + rename), so processes can share the folder.
 */
export async function prepareLangDir(langDir: string = defaultLangDir()): Promise<string> {
  await mkdir(langDir, { recursive: true });
  for (const lang of OCR_LANGS) {
    const source = require.resolve(`@tesseract.js-data/${lang}/4.0.0/${lang}.traineddata.gz`);
    const target = join(langDir, `${lang}.traineddata`);
    const existing = await stat(target).catch(() => null);
    if (existing?.size === (await gunzippedSize(source))) continue;
    const temp = `${target}.${randomUUID()}.tmp`;
    try {
      await pipeline(createReadStream(source), createGunzip(), createWriteStream(temp));
      await rename(temp, target);
    } finally {
      await rm(temp, { force: true });
    }
  }
  return langDir;
}

/** Rejects after `ms` unless `promise` settles first; `onTimeout` cleans up what was started. */
export function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  what: string,
  onTimeout?: () => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      onTimeout?.();
      reject(new OcrTimeoutError(what, ms));
    }, ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/** One worker reading Simplified Chinese and English from local files only. */
export async function startOcrWorker(langDir: string, timeoutMs = 20_000): Promise<Worker> {
  // A missing file would leave createWorker pending forever, its thread out of our reach.
  for (const lang of OCR_LANGS) {
    const file = join(langDir, `${lang}.traineddata`);
    if (!(await stat(file).catch(() => null))?.isFile()) {
      throw new Error(`OCR language data missing: ${file} (call prepareLangDir first)`);
    }
  }
  let lastError: unknown;
  let started: Worker | undefined;
  let abandoned = false;
  const starting = createWorker([...OCR_LANGS], OEM.LSTM_ONLY, {
    langPath: langDir,
    gzip: false,
    cacheMethod: 'none',
    // Without a handler a failed job throws inside tesseract.js's message listener and takes
    // the process down (tesseract.js#367); each job's own promise still rejects.
    errorHandler: (error: unknown) => {
      lastError = error;
    },
  }).then((worker) => {
    started = worker;
    // A worker that arrives after its start-up was given up on must not leak a thread.
    if (abandoned) void worker.terminate();
    return worker;
  });
  try {
    return await withTimeout(starting, timeoutMs, 'worker start-up', () => {
      abandoned = true;
    });
  } catch (error) {
    if (started) await started.terminate();
    const detail =
      lastError === undefined
        ? ''
        : ` (${lastError instanceof Error ? lastError.message : JSON.stringify(lastError)})`;
    throw new Error(`Could not start an OCR worker from ${langDir}${detail}`, { cause: error });
  }
}

interface Slot {
  worker: Promise<Worker>;
  jobs: number;
  busy: boolean;
}

export async function createOcrPool(options: OcrPoolOptions = {}): Promise<OcrPool> {
  const size = Math.max(1, options.size ?? 1);
  const jobTimeoutMs = options.jobTimeoutMs ?? 15_000;
  const recycleAfterJobs = options.recycleAfterJobs ?? 300;
  const startTimeoutMs = options.startTimeoutMs ?? 20_000;
  const langDir = await prepareLangDir(options.langDir);

  let workersStarted = 0;
  let jobsRun = 0;
  let closed = false;
  const waiting: ((slot: Slot) => void)[] = [];

  const start = (): Promise<Worker> => {
    workersStarted++;
    const worker = startOcrWorker(langDir, startTimeoutMs);
    // A failed start is reported to the job that awaits it; never an unhandled rejection.
    worker.catch(() => {});
    return worker;
  };

  const retire = (slot: Slot) => {
    const old = slot.worker;
    slot.worker = start();
    slot.jobs = 0;
    void old.then((w) => w.terminate()).catch(() => {});
  };

  // Start every worker now and fail fast when the language data is unusable.
  const slots: Slot[] = Array.from({ length: size }, () => ({
    worker: start(),
    jobs: 0,
    busy: false,
  }));
  try {
    await Promise.all(slots.map((s) => s.worker));
  } catch (error) {
    await Promise.allSettled(slots.map((s) => s.worker.then((w) => w.terminate())));
    throw error;
  }

  const acquire = (): Promise<Slot> => {
    const free = slots.find((s) => !s.busy);
    if (free) {
      free.busy = true;
      return Promise.resolve(free);
    }
    return new Promise((resolve) => waiting.push(resolve));
  };

  const release = (slot: Slot) => {
    const next = waiting.shift();
    if (next) next(slot);
    else slot.busy = false;
  };

  return {
    async run<T>(job: (worker: Worker) => Promise<T>): Promise<T> {
      if (closed) throw new Error('OCR pool is terminated');
      const slot = await acquire();
      if (closed) {
        release(slot);
        throw new Error('OCR pool is terminated');
      }
      try {
        const worker = await slot.worker;
        const result = await withTimeout(job(worker), jobTimeoutMs, 'job', () => {
          // The worker may still be busy with the abandoned job: replace it rather than wait.
          retire(slot);
        });
        jobsRun++;
        slot.jobs++;
        if (slot.jobs >= recycleAfterJobs) retire(slot);
        return result;
      } catch (error) {
        if (!(error instanceof OcrTimeoutError)) {
          // A worker whose start failed, or whose job crashed, is not trusted with the next one.
          retire(slot);
        }
        throw error;
      } finally {
        release(slot);
      }
    },
    stats: () => ({ workersStarted, jobsRun, size, queued: waiting.length }),
    async terminate() {
      if (closed) return;
      closed = true;
      await Promise.allSettled(slots.map((s) => s.worker.then((w) => w.terminate())));
    },
  };
}
