// Full-flow throughput and memory: applications driven from the first request to an ACTIVE wallet
// through the HTTP API, with the real photo pipeline and an automatic reviewer, against the OCR
// pool's own throughput on the same cards measured just before, in the same run. Then the RSS of
// the worker and API processes after one batch and after a second one.
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIdCardReader } from '../activities/photo/ocr';
import {
  createOcrPool,
  DEFAULT_JOBS_PER_WORKER,
  prepareLangDir,
} from '../activities/photo/ocr-pool';
import {
  benchApplicant,
  cardPhoto,
  cpuTicks,
  expectStatus,
  loadAverage,
  mapConcurrent,
  openBankAccount,
  percentile,
  procCpuSeconds,
  procMemory,
  procThreadCpuSeconds,
  round,
  row,
  setPaymentPassword,
  startApplication,
  stealPercent,
  type BenchApplicant,
  type BenchRow,
  type BenchStack,
  type ChildRun,
} from './stack';

export interface FlowOptions {
  /** Applications per batch (BENCH_APPS). */
  apps: number;
  /** Applications in flight at once (BENCH_CONCURRENCY). */
  concurrency: number;
  /** OCR_WORKERS of the worker process; the baseline pool has the same size. */
  ocrWorkers: number;
  /** Cards the OCR baseline reads (the first ones of the batch; BENCH_OCR_CARDS). */
  ocrCards: number;
  /** How often the automatic reviewer reads the review queue. */
  reviewPollMs?: number;
  /** Run a second batch and report memory growth (the RSS benchmark). */
  secondBatch: boolean;
  log?: (message: string) => void;
}

export interface FlowResult {
  flow: BenchRow[];
  rss: BenchRow[] | null;
  /** Applications that reached ACTIVE: the API benchmark reads some of them. */
  active: { applicationId: string; token: string }[];
  /** Load averages (1, 5, 15 min) when the first batch started and ended. */
  load: { start: number[]; end: number[] };
}

// ---- the OCR pool on its own ----------------------------------------------------------------------

// The jobs a worker takes at once, and one more card per worker waiting decoded, so that no
// worker ever waits for the next card.
const OCR_IN_FLIGHT_PER_WORKER = DEFAULT_JOBS_PER_WORKER + 1;

async function ocrPoolThroughput(cards: readonly Buffer[], size: number) {
  const langDir = await prepareLangDir(mkdtempSync(join(tmpdir(), 'wallet-bench-tessdata-')));
  const pool = await createOcrPool({ size, langDir, recycleAfterJobs: 10_000 });
  try {
    const reader = createIdCardReader(pool);
    // Warm every worker once, as the worker process's pool is warm when the flow starts.
    await Promise.all(
      Array.from({ length: size }, (_, i) => reader.read(cards[i % cards.length]!)),
    );
    const times: number[] = [];
    const cpuBefore = procCpuSeconds(process.pid);
    const start = performance.now();
    await mapConcurrent(cards, size * OCR_IN_FLIGHT_PER_WORKER, async (card) => {
      const t = performance.now();
      await reader.read(card);
      times.push(performance.now() - t);
    });
    const seconds = (performance.now() - start) / 1000;
    const cpuPerCardMs = ((procCpuSeconds(process.pid) - cpuBefore) * 1000) / cards.length;
    return {
      cardsPerSecond: cards.length / seconds,
      seconds,
      cpuPerCardMs,
      medianMs: percentile(times, 50),
    };
  } finally {
    await pool.terminate();
    rmSync(langDir, { recursive: true, force: true });
  }
}

// ---- the automatic reviewer -----------------------------------------------------------------------

/** Runs `step` again `intervalMs` after each run ends, until `stop()` (which awaits the last run). */
function repeatUntilStopped(intervalMs: number, step: () => Promise<void>) {
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      await step();
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

/**
 * Reads the review queue (GET /v1/reviews) every `pollMs` and approves what it finds through the
 * decision endpoint; when the application still waits for review after one approval (four eyes:
 * HIGH risk), a second reviewer approves it too.
 */
class AutoReviewer {
  private readonly decided = new Map<string, Error | null>();
  private readonly waiters = new Map<string, { resolve: () => void; reject: (e: Error) => void }>();
  private readonly inFlight = new Set<string>();
  private polling: ReturnType<typeof repeatUntilStopped> | null = null;
  decisions = 0;
  fourEyes = 0;
  polls = 0;

  constructor(
    private readonly stack: BenchStack,
    private readonly pollMs: number,
  ) {}

  start() {
    this.polling = repeatUntilStopped(this.pollMs, () => this.poll());
  }

  async stop() {
    await this.polling?.stop();
    await Promise.all([...this.inFlight].map((id) => this.approved(id).catch(() => undefined)));
  }

  /** Resolves once the application is approved (and AWAITING_PAYMENT_PASSWORD). */
  approved(id: string): Promise<void> {
    const outcome = this.decided.get(id);
    if (outcome !== undefined) return outcome ? Promise.reject(outcome) : Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.set(id, { resolve, reject }));
  }

  private async poll() {
    try {
      const page = await this.stack.http('GET', '/v1/reviews?status=PENDING_REVIEW&limit=100', {
        token: this.stack.staffToken('reviewer', 'rita'),
      });
      this.polls++;
      for (const item of expectStatus(page, 200, 'review queue').items as {
        applicationId: string;
      }[]) {
        const id = item.applicationId;
        if (this.inFlight.has(id) || this.decided.has(id)) continue;
        this.inFlight.add(id);
        void this.decide(id);
      }
    } catch (error) {
      console.error('reviewer:', error);
    }
  }

  private async decide(id: string) {
    let outcome: Error | null = null;
    try {
      const approve = (reviewer: string) =>
        this.stack.http('POST', `/v1/applications/${id}/decision`, {
          token: this.stack.staffToken('reviewer', reviewer),
          json: { decision: 'APPROVE' },
        });
      let answer = expectStatus(await approve('rita'), 200, 'decision');
      this.decisions++;
      if (answer.status === 'PENDING_REVIEW') {
        this.fourEyes++;
        answer = expectStatus(await approve('victor'), 200, 'second decision');
        this.decisions++;
      }
      if (answer.status !== 'AWAITING_PAYMENT_PASSWORD')
        throw new Error(`after approval the application is ${answer.status}`);
    } catch (error) {
      outcome = error instanceof Error ? error : new Error(String(error));
    }
    this.decided.set(id, outcome);
    this.inFlight.delete(id);
    const waiter = this.waiters.get(id);
    this.waiters.delete(id);
    if (waiter) {
      if (outcome) waiter.reject(outcome);
      else waiter.resolve();
    }
  }
}

// ---- one application -----------------------------------------------------------------------------

async function driveToActive(
  stack: BenchStack,
  reviewer: AutoReviewer,
  a: BenchApplicant,
  photo: Buffer,
  onStarted: (application: { id: string; token: string }) => void,
) {
  const { id, token, code } = await startApplication(stack, a);
  onStarted({ id, token });
  expectStatus(
    await stack.http('POST', `/v1/applications/${id}/otp/verify`, { token, json: { code } }),
    200,
    'otp/verify',
  );
  const uploaded = await stack.http('PUT', `/v1/applications/${id}/id-photo`, {
    token,
    bytes: photo,
  });
  expectStatus(uploaded, 200, 'id-photo');
  await reviewer.approved(id);
  const active = await setPaymentPassword(stack, a, { id, token });
  if (active.status !== 'ACTIVE') throw new Error(`ended ${active.status}, not ACTIVE`);
  return { applicationId: id, token };
}

export async function prepareBatch(stack: BenchStack, count: number) {
  const applicants = Array.from({ length: count }, () => benchApplicant());
  // Rendered and opened before the clock starts: the bank's systems hold the account already,
  // and the phone took the photo.
  const photos = await mapConcurrent(applicants, 2, (a) => cardPhoto(a));
  await mapConcurrent(applicants, 8, (a) => openBankAccount(stack, a));
  return { applicants, photos };
}

// ---- a front end reading its status meanwhile ---------------------------------------------------

const STATUS_READ_INTERVAL_MS = 200;

/**
 * Reads the status of the application started last (GET /v1/applications/:id, as the app polls it)
 * every STATUS_READ_INTERVAL_MS while the batch runs: the API's answer time with the machine busy.
 */
class StatusReader {
  latest: { id: string; token: string } | null = null;
  readonly times: number[] = [];
  errors = 0;
  private reading: ReturnType<typeof repeatUntilStopped> | null = null;

  constructor(private readonly stack: BenchStack) {}

  start() {
    this.reading = repeatUntilStopped(STATUS_READ_INTERVAL_MS, () => this.read());
  }

  async stop() {
    await this.reading?.stop();
  }

  private async read() {
    const target = this.latest;
    if (!target) return;
    const t = performance.now();
    try {
      const answer = await this.stack.http('GET', `/v1/applications/${target.id}`, {
        token: target.token,
      });
      if (answer.status === 200) this.times.push(performance.now() - t);
      else this.errors++;
    } catch {
      this.errors++;
    }
  }
}

export interface BatchResult {
  seconds: number;
  completed: number;
  failures: string[];
  perAppMs: number[];
  cpuSeconds: Record<string, number>;
  /** Full garbage collections on each process's main thread during the batch, where it answered. */
  fullGcs: Record<string, number>;
  active: { applicationId: string; token: string }[];
  fourEyes: number;
  reviewPolls: number;
  statusReads: { times: number[]; errors: number };
}

export async function runBatch(
  stack: BenchStack,
  batch: Awaited<ReturnType<typeof prepareBatch>>,
  concurrency: number,
  reviewPollMs: number,
  log: (m: string) => void,
): Promise<BatchResult> {
  const reviewer = new AutoReviewer(stack, reviewPollMs);
  const processes = stack.processes();
  const cpuBefore = processes.map((p) => procCpuSeconds(p.pid));
  const workerThreadsBefore = procThreadCpuSeconds(stack.worker.pid);
  const probed = [stack.worker, stack.api];
  const gcsBefore = await Promise.all(probed.map((run) => run.fullGcs()));
  const failures: string[] = [];
  const perAppMs: number[] = [];
  const active: { applicationId: string; token: string }[] = [];
  let done = 0;
  const statusReader = new StatusReader(stack);
  reviewer.start();
  statusReader.start();
  const start = performance.now();
  const progress = setInterval(() => {
    const s = (performance.now() - start) / 1000;
    log(`  ${done}/${batch.applicants.length} in ${s.toFixed(0)} s (${(done / s).toFixed(2)}/s)`);
  }, 60_000);
  try {
    await mapConcurrent(batch.applicants, concurrency, async (a, i) => {
      const t = performance.now();
      try {
        active.push(
          await driveToActive(stack, reviewer, a, batch.photos[i]!, (started) => {
            statusReader.latest = started;
          }),
        );
        perAppMs.push(performance.now() - t);
      } catch (error) {
        failures.push(error instanceof Error ? error.message : String(error));
      }
      done++;
    });
  } finally {
    clearInterval(progress);
  }
  const seconds = (performance.now() - start) / 1000;
  await Promise.all([reviewer.stop(), statusReader.stop()]);
  const cpuSeconds: Record<string, number> = {};
  processes.forEach((p, i) => (cpuSeconds[p.name] = procCpuSeconds(p.pid) - cpuBefore[i]!));
  const workerThreads = procThreadCpuSeconds(stack.worker.pid);
  cpuSeconds['worker: main JS thread'] = workerThreads.main - workerThreadsBefore.main;
  cpuSeconds['worker: OCR and other threads'] = workerThreads.other - workerThreadsBefore.other;
  cpuSeconds['worker: Temporal core SDK threads'] = workerThreads.core - workerThreadsBefore.core;
  const gcsAfter = await Promise.all(probed.map((run) => run.fullGcs()));
  const fullGcs: Record<string, number> = {};
  probed.forEach((run, i) => {
    const before = gcsBefore[i];
    const after = gcsAfter[i];
    if (before != null && after != null) fullGcs[run.name] = after - before;
  });
  return {
    seconds,
    completed: active.length,
    failures,
    perAppMs,
    cpuSeconds,
    fullGcs,
    active,
    fourEyes: reviewer.fourEyes,
    reviewPolls: reviewer.polls,
    statusReads: { times: statusReader.times, errors: statusReader.errors },
  };
}

interface MemorySnapshot {
  rssMb: number;
  peakRssMb: number;
  /** After a full garbage collection (bench/memory-probe.js), if the process answered. */
  afterGc: {
    rssMb: number;
    heapUsedMb: number;
    heapTotalMb: number;
    youngGenerationMb: number;
    externalMb: number;
  } | null;
}

/**
 * Each process's RSS once the stack has been idle a few seconds (in-flight work and timers
 * settled), then again after a full garbage collection inside it, with its JavaScript heap.
 */
async function settledMemory(stack: BenchStack) {
  await new Promise((r) => setTimeout(r, 5000));
  const snapshot = async (run: ChildRun): Promise<MemorySnapshot> => {
    const before = procMemory(run.pid);
    const probed = await run.memoryAfterGc();
    return {
      ...before,
      afterGc: probed?.collected
        ? {
            rssMb: procMemory(run.pid).rssMb,
            heapUsedMb: probed.memory.heapUsed / 2 ** 20,
            heapTotalMb: probed.memory.heapTotal / 2 ** 20,
            youngGenerationMb: probed.youngGeneration / 2 ** 20,
            externalMb: probed.memory.external / 2 ** 20,
          }
        : null,
    };
  };
  return {
    worker: await snapshot(stack.worker),
    api: await snapshot(stack.api),
    temporal: stack.temporalPid ? procMemory(stack.temporalPid) : null,
  };
}

function memoryRows(
  name: string,
  apps: number,
  start: MemorySnapshot,
  first: MemorySnapshot,
  second: MemorySnapshot,
): BenchRow[] {
  const mb = (n: number) => round(n, 0);
  const growth = (a: number, b: number) => round(((b - a) / a) * 100, 1);
  const rss = growth(first.rssMb, second.rssMb);
  const rows = [
    row(`${name} RSS at start (idle)`, mb(start.rssMb), 'MB'),
    row(`${name} RSS after ${apps} applications`, mb(first.rssMb), 'MB'),
    row(`${name} RSS after ${2 * apps} applications`, mb(second.rssMb), 'MB'),
    row(`${name} RSS growth over the second batch`, rss, '%', '≤ 10', rss <= 10),
  ];
  if (start.afterGc && first.afterGc && second.afterGc) {
    const afterGc = [
      ['at start', start.afterGc],
      [`after ${apps}`, first.afterGc],
      [`after ${2 * apps}`, second.afterGc],
    ] as const;
    const atEachReading = (
      what: string,
      mbOf: (m: NonNullable<MemorySnapshot['afterGc']>) => number,
    ) =>
      afterGc.map(([when, m]) =>
        row(`${name} ${what} after a full GC, ${when}`, mb(mbOf(m)), 'MB'),
      );
    rows.push(
      ...atEachReading('RSS', (m) => m.rssMb),
      // For telling a leak from memory the allocator has not handed back; the target is on RSS.
      row(
        `${name} RSS growth after a full GC`,
        growth(first.afterGc.rssMb, second.afterGc.rssMb),
        '%',
      ),
      ...atEachReading('JS heap used', (m) => m.heapUsedMb),
      // What V8 holds for the heap, used or not: the part of the RSS that V8, not malloc, governs.
      ...atEachReading('JS heap committed', (m) => m.heapTotalMb),
      ...atEachReading('JS heap committed to the young generation', (m) => m.youngGenerationMb),
      row(
        `${name} external (Buffers) after a full GC, after ${2 * apps}`,
        mb(second.afterGc.externalMb),
        'MB',
      ),
    );
  }
  rows.push(row(`${name} peak RSS (VmHWM)`, mb(second.peakRssMb), 'MB'));
  return rows;
}

function statusReadRows({ times, errors }: BatchResult['statusReads']): BenchRow[] {
  const what = `GET /v1/applications/:id during the batch (one every ${STATUS_READ_INTERVAL_MS} ms)`;
  return [
    row(`${what}: p50`, round(percentile(times, 50), 1), 'ms'),
    row(`${what}: p99`, round(percentile(times, 99), 1), 'ms'),
    row(`${what}: not answered 200`, errors, 'reads', '0', errors === 0),
  ];
}

/** `count` applications driven to ACTIVE, for benchmarks that need some when the flow did not run. */
export async function activeApplications(stack: BenchStack, count: number, log = console.log) {
  log(`driving ${count} applications to ACTIVE`);
  const batch = await prepareBatch(stack, count);
  const result = await runBatch(stack, batch, 6, 250, log);
  return result.active;
}

export async function runFlowBench(stack: BenchStack, options: FlowOptions): Promise<FlowResult> {
  const { apps, concurrency, ocrWorkers, ocrCards, secondBatch } = options;
  const reviewPollMs = options.reviewPollMs ?? 250;
  const log = options.log ?? console.log;
  const memoryAtStart = await settledMemory(stack);

  log(`flow: rendering ${apps} cards and opening ${apps} bank accounts`);
  const batch1 = await prepareBatch(stack, apps);
  const cards = batch1.photos.slice(0, ocrCards);
  // The OCR pool is measured right before and right after the batch, and the flow compared with
  // the mean of the two: this machine's speed drifts over minutes (runs ten minutes apart have
  // measured the pool at 1.6 and at 2.2 cards/s).
  log(`flow: OCR pool alone, ${cards.length} of those cards`);
  const ticks = [cpuTicks()];
  const ocrBefore = await ocrPoolThroughput(cards, ocrWorkers);
  ticks.push(cpuTicks());
  log(`flow: ${apps} applications to ACTIVE, ${concurrency} at a time`);
  const load1 = loadAverage();
  const first = await runBatch(stack, batch1, concurrency, reviewPollMs, log);
  const load1End = loadAverage();
  ticks.push(cpuTicks());
  log(`flow: OCR pool alone again, the same ${cards.length} cards`);
  const ocrAfter = await ocrPoolThroughput(cards, ocrWorkers);
  ticks.push(cpuTicks());
  const [stealBefore, stealBatch, stealAfter] = [0, 1, 2].map((i) =>
    stealPercent(ticks[i]!, ticks[i + 1]!),
  );
  const ocr = {
    cardsPerSecond: (ocrBefore.cardsPerSecond + ocrAfter.cardsPerSecond) / 2,
    medianMs: (ocrBefore.medianMs + ocrAfter.medianMs) / 2,
    cpuPerCardMs: (ocrBefore.cpuPerCardMs + ocrAfter.cpuPerCardMs) / 2,
  };
  const memoryAfterFirst = await settledMemory(stack);

  const appsPerSecond = first.completed / first.seconds;
  const ratio = appsPerSecond / ocr.cardsPerSecond;
  // Where the OCR is cheap next to the rest of an application's work, the machine's CPU runs out
  // before the OCR thread does: these rows say which limit the batch met.
  // Every process of the stack and the bench driver, not the per-thread rows beside them.
  const totalCpuSeconds = stack
    .processes()
    .reduce((sum, p) => sum + (first.cpuSeconds[p.name] ?? 0), 0);
  const cpuPerAppMs = (totalCpuSeconds / Math.max(1, first.completed)) * 1000;
  const cores = availableParallelism();
  const cpuCeiling = (cores * 1000) / Math.max(1, cpuPerAppMs);
  const flow: BenchRow[] = [
    row(
      `OCR pool alone before the batch (${ocrWorkers} worker, ${cards.length} cards)`,
      round(ocrBefore.cardsPerSecond, 3),
      'cards/s',
    ),
    row(
      'OCR pool alone after the batch (the same cards)',
      round(ocrAfter.cardsPerSecond, 3),
      'cards/s',
    ),
    row('OCR pool alone (mean of before and after)', round(ocr.cardsPerSecond, 3), 'cards/s'),
    row(
      `OCR pool alone: one card (median, ${OCR_IN_FLIGHT_PER_WORKER} in flight per worker)`,
      round(ocr.medianMs, 0),
      'ms',
    ),
    row('OCR pool alone: CPU per card (the bench process)', round(ocr.cpuPerCardMs, 0), 'ms'),
    row(
      `full flow to ACTIVE (${apps} applications, ${concurrency} in flight)`,
      round(appsPerSecond, 3),
      'apps/s',
    ),
    row('full flow / OCR pool alone', round(ratio, 3), '×', '≥ 0.8', ratio >= 0.8),
    row(
      'applications that did not reach ACTIVE',
      first.failures.length,
      'apps',
      '0',
      first.failures.length === 0,
    ),
    row('applications needing two reviewers (OCR partial match)', first.fourEyes, 'apps'),
    row('batch wall time', round(first.seconds, 1), 's'),
    row('CPU stolen by the hypervisor: OCR pool before', round(stealBefore!, 1), '%'),
    row('CPU stolen by the hypervisor: the batch', round(stealBatch!, 1), '%'),
    row('CPU stolen by the hypervisor: OCR pool after', round(stealAfter!, 1), '%'),
    row('one application, start to ACTIVE (p50)', round(percentile(first.perAppMs, 50), 0), 'ms'),
    row('one application, start to ACTIVE (p99)', round(percentile(first.perAppMs, 99), 0), 'ms'),
    ...statusReadRows(first.statusReads),
    ...Object.entries(first.cpuSeconds).map(([name, s]) =>
      row(
        `CPU per application: ${name}`,
        round((s / Math.max(1, first.completed)) * 1000, 0),
        'ms',
      ),
    ),
    row('CPU per application: all processes together', round(cpuPerAppMs, 0), 'ms'),
    row(
      `most applications a second the CPU allows (${cores} cores / CPU per application)`,
      round(cpuCeiling, 3),
      'apps/s',
    ),
    row('full flow / most the CPU allows', round(appsPerSecond / cpuCeiling, 3), '×'),
    row(
      'most the CPU allows / OCR pool alone (the best ratio this CPU time permits)',
      round(cpuCeiling / ocr.cardsPerSecond, 3),
      '×',
    ),
    ...Object.entries(first.fullGcs).map(([name, count]) =>
      row(
        `full garbage collections per application: ${name} (main thread)`,
        round(count / Math.max(1, first.completed), 2),
        '',
      ),
    ),
  ];
  if (first.failures.length > 0)
    log(
      `flow: ${first.failures.length} failures, first: ${first.failures.slice(0, 3).join(' | ')}`,
    );

  let rss: BenchRow[] | null = null;
  const active = [...first.active];
  if (secondBatch) {
    log(`rss: a second batch of ${apps} applications`);
    const batch2 = await prepareBatch(stack, apps);
    const second = await runBatch(stack, batch2, concurrency, reviewPollMs, log);
    active.push(...second.active);
    const memoryAfterSecond = await settledMemory(stack);
    const mb = (n: number) => round(n, 0);
    rss = [
      ...memoryRows(
        'worker',
        apps,
        memoryAtStart.worker,
        memoryAfterFirst.worker,
        memoryAfterSecond.worker,
      ),
      ...memoryRows('API', apps, memoryAtStart.api, memoryAfterFirst.api, memoryAfterSecond.api),
      ...(memoryAfterSecond.temporal && memoryAfterFirst.temporal
        ? [
            row(
              `Temporal dev server RSS after ${apps} (history in memory)`,
              mb(memoryAfterFirst.temporal.rssMb),
              'MB',
            ),
            row(
              `Temporal dev server RSS after ${2 * apps}`,
              mb(memoryAfterSecond.temporal.rssMb),
              'MB',
            ),
          ]
        : []),
      row(
        'second batch: applications that did not reach ACTIVE',
        second.failures.length,
        'apps',
        '0',
        second.failures.length === 0,
      ),
      row('second batch: throughput', round(second.completed / second.seconds, 3), 'apps/s'),
      row(`wall time for ${2 * apps} full flows`, round(first.seconds + second.seconds, 0), 's'),
    ];
    if (second.failures.length > 0)
      log(
        `rss: ${second.failures.length} failures, first: ${second.failures.slice(0, 3).join(' | ')}`,
      );
  }
  return { flow, rss, active, load: { start: load1, end: load1End } };
}
