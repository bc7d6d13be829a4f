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
import {
  createWorker,
  OEM,
  type OutputFormats,
  type RecognizeOptions,
  type RecognizeResult,
  type Worker,
  type WorkerParams,
} from 'tesseract.js';

export const OCR_LANGS = ['chi_sim', 'eng'] as const;
/** `jobsPerWorker` unless given. */
export const DEFAULT_JOBS_PER_WORKER = 2;
export type OcrLang = (typeof OCR_LANGS)[number];

export interface OcrPoolOptions {
  /** Workers kept alive; OCR is CPU-bound, so one per core. Default 1. */
  size?: number;
  /**
   * Jobs given one worker at once. tesseract.js runs one recognize at a time; a second job lets
   * it start on that job's lines while the first crops its next one or waits for a busy event
   * loop, instead of standing idle. Default DEFAULT_JOBS_PER_WORKER.
   */
  jobsPerWorker?: number;
  /** Folder holding `<lang>.traineddata`; filled from the data packages on first use. */
  langDir?: string;
  /** Hard limit on one job; the worker running it is replaced, its other jobs fail. Default 15 s. */
  jobTimeoutMs?: number;
  /** A worker is replaced after this many jobs, since its WASM heap only grows. Default 300. */
  recycleAfterJobs?: number;
  /** Limit on starting one worker (a bad language file leaves createWorker pending). Default 20 s. */
  startTimeoutMs?: number;
}

/** Tesseract parameters for one recognize call. */
export type OcrParams = Partial<WorkerParams>;

/** A pooled worker, shared with at most `jobsPerWorker - 1` other jobs. */
export interface OcrWorker {
  recognize(
    image: Buffer,
    params: OcrParams,
    output?: Partial<OutputFormats>,
  ): Promise<RecognizeResult>;
}

export interface OcrPool {
  /** Runs `job` on a worker that up to `jobsPerWorker` jobs use at once. */
  run<T>(job: (worker: OcrWorker) => Promise<T>): Promise<T>;
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

/** The job shared its worker with one that timed out; the worker was replaced under it. */
export class OcrWorkerLostError extends Error {
  constructor(ms: number) {
    super(`OCR worker replaced: another job on it did not finish within ${ms} ms`);
    this.name = 'OcrWorkerLostError';
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

/** One tesseract.js worker and the jobs on it. */
interface Instance {
  worker: Promise<Worker>;
  active: number;
  jobs: number;
  retired: boolean;
  /** Rejects the jobs running on it, when it is given up on while they wait for it. */
  aborts: Set<(error: Error) => void>;
}

interface Slot {
  current: Instance;
}

export async function createOcrPool(options: OcrPoolOptions = {}): Promise<OcrPool> {
  const size = Math.max(1, options.size ?? 1);
  const jobsPerWorker = Math.max(1, options.jobsPerWorker ?? DEFAULT_JOBS_PER_WORKER);
  const jobTimeoutMs = options.jobTimeoutMs ?? 15_000;
  const recycleAfterJobs = options.recycleAfterJobs ?? 300;
  const startTimeoutMs = options.startTimeoutMs ?? 20_000;
  const langDir = await prepareLangDir(options.langDir);

  let workersStarted = 0;
  let jobsRun = 0;
  let closed = false;
  const live = new Set<Instance>();
  const waiting: ((taken: { slot: Slot; instance: Instance }) => void)[] = [];

  const start = (): Instance => {
    workersStarted++;
    const worker = startOcrWorker(langDir, startTimeoutMs);
    // A failed start is reported to the job that awaits it; never an unhandled rejection.
    worker.catch(() => {});
    const instance: Instance = { worker, active: 0, jobs: 0, retired: false, aborts: new Set() };
    live.add(instance);
    return instance;
  };

  const terminateIfIdle = (instance: Instance) => {
    if (!instance.retired || instance.active > 0 || !live.delete(instance)) return;
    void instance.worker.then((w) => w.terminate()).catch(() => {});
  };

  /**
   * New jobs go to a fresh worker; the old one ends once its jobs have. Given `lost`, the jobs
   * still on it are rejected with it at once: a worker stuck in one job would never get to them.
   */
  const retire = (slot: Slot, instance: Instance, lost?: Error) => {
    if (instance.retired) return;
    instance.retired = true;
    if (slot.current === instance && !closed) slot.current = start();
    if (lost) for (const abort of instance.aborts) abort(lost);
    terminateIfIdle(instance);
  };

  // Start every worker now and fail fast when the language data is unusable.
  const slots: Slot[] = Array.from({ length: size }, () => ({ current: start() }));
  try {
    await Promise.all(slots.map((s) => s.current.worker));
  } catch (error) {
    await Promise.allSettled(slots.map((s) => s.current.worker.then((w) => w.terminate())));
    throw error;
  }

  /** The least busy slot with room for another job, taken; null when every worker is full. */
  const take = () => {
    let best: Slot | undefined;
    for (const slot of slots) {
      if (slot.current.active >= jobsPerWorker) continue;
      if (!best || slot.current.active < best.current.active) best = slot;
    }
    if (!best) return null;
    best.current.active++;
    return { slot: best, instance: best.current };
  };

  const acquire = (): Promise<{ slot: Slot; instance: Instance }> => {
    const taken = take();
    if (taken) return Promise.resolve(taken);
    return new Promise((resolve) => waiting.push(resolve));
  };

  const release = (instance: Instance) => {
    instance.active--;
    terminateIfIdle(instance);
    while (waiting.length > 0) {
      const taken = take();
      if (!taken) break;
      waiting.shift()!(taken);
    }
  };

  return {
    async run<T>(job: (worker: OcrWorker) => Promise<T>): Promise<T> {
      if (closed) throw new Error('OCR pool is terminated');
      const { slot, instance } = await acquire();
      let abort: ((error: Error) => void) | undefined;
      try {
        if (closed) throw new Error('OCR pool is terminated');
        const worker = await instance.worker;
        const running = new Promise<T>((resolve, reject) => {
          abort = reject;
          job(sharedView(worker)).then(resolve, reject);
        });
        instance.aborts.add(abort!);
        const result = await withTimeout(running, jobTimeoutMs, 'job', () => {
          retire(slot, instance, new OcrWorkerLostError(jobTimeoutMs));
        });
        jobsRun++;
        instance.jobs++;
        if (instance.jobs >= recycleAfterJobs) retire(slot, instance);
        return result;
      } catch (error) {
        if (!(error instanceof OcrTimeoutError) && !(error instanceof OcrWorkerLostError)) {
          // A worker whose start failed, or whose job crashed, is not trusted with new jobs.
          retire(slot, instance);
        }
        throw error;
      } finally {
        if (abort) instance.aborts.delete(abort);
        release(instance);
      }
    },
    stats: () => ({ workersStarted, jobsRun, size, queued: waiting.length }),
    async terminate() {
      if (closed) return;
      closed = true;
      const instances = [...live];
      live.clear();
      await Promise.allSettled(instances.map((i) => i.worker.then((w) => w.terminate())));
    },
  };
}

/**
 * The worker as a job sees it: recognize only, with the call's parameters inside the call, where
 * tesseract.js sets them for that call alone and restores them after. Jobs sharing a worker
 * therefore cannot change each other's settings, as they could with setParameters.
 */
function sharedView(worker: Worker): OcrWorker {
  return {
    recognize: (image, params, output) =>
      worker.recognize(image, params as Partial<RecognizeOptions>, output),
  };
}
