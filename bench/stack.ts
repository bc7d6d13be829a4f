// What the benchmarks share: the machine, a Temporal dev server, the worker and the API as real
// child processes (as deployed: `node --import tsx worker.ts`, `... api/server.ts`), their memory
// and CPU time from /proc, an HTTP client on a real loopback port, and invented applicants.
// test/helpers/stack.ts cannot be reused here: it reads vitest's `inject`.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { signStaffToken } from '../api/tokens';
import { isStrongPaymentPassword } from '../domain/fields';
import { withMallocSettings } from '../config/malloc-settings';
import { lowerPriority, servicesNice } from './process-priority';
import { childPidsByParent, STAT, statFields } from './proc-stat';
import { startTemporalDevServer } from '../scripts/temporal-cli';
import { idCardPhoto, makeIdNumber, PEOPLE, type FakePerson } from '../test/fixtures/id-card';
import { applicationFor, bankAccountFor, bankCard } from '../test/helpers/people';
import { freePort } from '../test/helpers/ports';

export const repoRoot = join(import.meta.dirname, '..');

/** One line of a benchmark's table (and of bench/results.json). */
export interface BenchRow {
  metric: string;
  value: number;
  unit: string;
  target: string;
  ok: boolean | null;
}

export function row(
  metric: string,
  value: number,
  unit: string,
  target = '',
  ok: boolean | null = null,
): BenchRow {
  return { metric, value, unit, target, ok };
}

export const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  // Nearest rank: p99 of 200 samples is the 198th, never an interpolation past the data.
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

export function machine() {
  const cpuModel = (() => {
    try {
      const line = readFileSync('/proc/cpuinfo', 'utf8')
        .split('\n')
        .find((l) => l.startsWith('model name'));
      return line?.split(':')[1]?.trim() ?? cpus()[0]?.model ?? 'unknown';
    } catch {
      return cpus()[0]?.model ?? 'unknown';
    }
  })();
  return {
    cpus: cpus().length,
    cpuModel,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: process.platform,
  };
}

/** 1-, 5- and 15-minute load averages: how busy the machine was around a measurement. */
export function loadAverage(): number[] {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
  } catch {
    return [];
  }
}

// ---- /proc ------------------------------------------------------------------------------------

export interface CpuTicks {
  total: number;
  steal: number;
}

/** The machine's CPU time so far (/proc/stat, all CPUs), and the part the hypervisor took. */
export function cpuTicks(): CpuTicks {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
    // user nice system idle iowait irq softirq steal (guest time is already in user)
    const ticks = fields.slice(1, 9).map(Number);
    return { total: ticks.reduce((a, b) => a + b, 0), steal: ticks[7] ?? 0 };
  } catch {
    return { total: 0, steal: 0 };
  }
}

/**
 * Share of the CPU time between two readings that the hypervisor gave to other guests, in %. On a
 * shared virtual machine this is what makes the same work slower from one hour to the next.
 */
export function stealPercent(from: CpuTicks, to: CpuTicks): number {
  const total = to.total - from.total;
  return total > 0 ? ((to.steal - from.steal) / total) * 100 : 0;
}

export interface ProcMemory {
  rssMb: number;
  peakRssMb: number;
}

/** VmRSS and VmHWM (the peak) of a process, in MB (2^20 bytes). */
export function procMemory(pid: number): ProcMemory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
  return { rssMb: kb('VmRSS') / 1024, peakRssMb: kb('VmHWM') / 1024 };
}

/** USER_HZ on Linux: the unit of /proc's CPU times. */
export const CLOCK_TICKS = 100;

const cpuSeconds = (fields: string[]) =>
  (Number(fields[STAT.utime]) + Number(fields[STAT.stime])) / CLOCK_TICKS;

/** User + system CPU seconds a process has used so far (threads included). */
export function procCpuSeconds(pid: number): number {
  return cpuSeconds(statFields(`/proc/${pid}/stat`));
}

/**
 * A process's CPU seconds split by thread: its main (JavaScript) thread, the Temporal SDK's core
 * (Rust: tokio and workflow threads), and the rest (worker threads such as the OCR pool's, libuv's
 * pool, V8's helpers, and threads that have ended).
 */
export function procThreadCpuSeconds(pid: number): { main: number; core: number; other: number } {
  const total = procCpuSeconds(pid);
  let main = 0;
  let core = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      const seconds = cpuSeconds(statFields(`/proc/${pid}/task/${tid}/stat`));
      if (Number(tid) === pid) main += seconds;
      else if (/^(tokio|temporal|workflow)/.test(comm)) core += seconds;
    } catch {
      // the thread ended while we looked
    }
  }
  return { main, core, other: total - main - core };
}

/** Child processes of `parent` whose command line contains `needle`. */
export function childPidsMatching(parent: number, needle: string): number[] {
  return (childPidsByParent().get(parent) ?? []).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').includes(needle);
    } catch {
      return false; // the process ended while we looked
    }
  });
}

// ---- child processes ----------------------------------------------------------------------------

export interface ProbedMemory {
  memory: NodeJS.MemoryUsage;
  /** Bytes V8 holds for the young generation (new space), part of memory.heapTotal. */
  youngGeneration: number;
  collected: boolean;
}

export interface ChildRun {
  name: string;
  child: ChildProcess;
  pid: number;
  /** process.memoryUsage() after a full GC, from bench/memory-probe.js; null without an answer. */
  memoryAfterGc(): Promise<ProbedMemory | null>;
  /** Full garbage collections on the main thread so far (bench/memory-probe.js), or null. */
  fullGcs(): Promise<number | null>;
  /** The last lines the process wrote, for error messages. */
  output(): string;
  waitForOutput(text: string, timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

const memoryProbe = pathToFileURL(join(import.meta.dirname, 'memory-probe.js')).href;

/**
 * Runs one of the project's TypeScript entry points as a real Node process, with the benchmarks'
 * memory probe preloaded (an IPC channel and --expose-gc; nothing else changes).
 */
export function runTsProcess(name: string, entry: string, env: Record<string, string>): ChildRun {
  const profile = process.env.BENCH_CPU_PROF
    ? [
        '--cpu-prof',
        `--cpu-prof-dir=${join(process.env.BENCH_CPU_PROF, name.replace(/\W+/g, '-'))}`,
      ]
    : [];
  const args = [
    '--expose-gc',
    ...profile,
    '--import',
    'tsx',
    '--import',
    memoryProbe,
    join(repoRoot, entry),
  ];
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    // As `npm start` runs them.
    env: withMallocSettings({ ...process.env, ...env }),
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  if (child.pid === undefined) throw new Error(`${name}: could not start ${entry}`);
  const lines: string[] = [];
  const listeners = new Set<() => void>();
  const collect = (data: Buffer) => {
    lines.push(...data.toString().split('\n').filter(Boolean));
    if (lines.length > 200) lines.splice(0, lines.length - 200);
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const output = () => lines.join('\n');
  /** One question to bench/memory-probe.js over IPC; null when it does not answer in 30 s. */
  const askProbe = <T>(question: string, isAnswer: (m: object) => boolean) =>
    new Promise<T | null>((resolve) => {
      const timer = setTimeout(() => done(null), 30_000);
      const onMessage = (message: unknown) => {
        if (message && typeof message === 'object' && isAnswer(message)) done(message as T);
      };
      const done = (value: T | null) => {
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(value);
      };
      child.on('message', onMessage);
      if (!child.connected || !child.send(question)) done(null);
    });
  return {
    name,
    child,
    pid: child.pid,
    output,
    memoryAfterGc: () => askProbe<ProbedMemory>('memory', (m) => 'memory' in m),
    async fullGcs() {
      const answer = await askProbe<{ gcs: { full: number } }>('gcs', (m) => 'gcs' in m);
      return answer?.gcs.full ?? null;
    },
    waitForOutput(text, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (output().includes(text)) done(resolve);
          else if (child.exitCode !== null) done(() => reject(exitError()));
        };
        const exitError = () => new Error(`${name} exited:\n${output()}`);
        const timer = setTimeout(
          () =>
            done(() => reject(new Error(`${name}: no "${text}" in ${timeoutMs} ms:\n${output()}`))),
          timeoutMs,
        );
        const onExit = () => done(() => reject(exitError()));
        const done = (settle: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          child.off('exit', onExit);
          settle();
        };
        listeners.add(check);
        child.once('exit', onExit);
        check();
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export async function waitForHttp(url: string, timeoutMs: number, child?: ChildRun) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    if (child && child.child.exitCode !== null)
      throw new Error(`${child.name} exited:\n${child.output()}`);
    if (Date.now() > until) throw new Error(`${url} not ready in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

// ---- HTTP ---------------------------------------------------------------------------------------

export interface HttpAnswer {
  status: number;
  body: any;
}

export function createHttp(baseUrl: string) {
  return async function http(
    method: string,
    path: string,
    {
      token,
      json,
      bytes,
      type,
    }: { token?: string; json?: unknown; bytes?: Buffer; type?: string } = {},
  ): Promise<HttpAnswer> {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    let body: string | Buffer | undefined;
    if (bytes) {
      headers['content-type'] = type ?? 'image/jpeg';
      body = bytes;
    } else if (json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(json);
    }
    const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: kept as text
    }
    return { status: response.status, body: parsed };
  };
}

export type Http = ReturnType<typeof createHttp>;

export function expectStatus(answer: HttpAnswer, status: number, what: string) {
  if (answer.status !== status)
    throw new Error(
      `${what}: HTTP ${answer.status}, expected ${status}: ${JSON.stringify(answer.body)}`,
    );
  return answer.body;
}

// ---- the stack ----------------------------------------------------------------------------------

export interface BenchStackOptions {
  /** OCR_WORKERS of the worker process. */
  ocrWorkers: number;
  /** More environment for both processes (e.g. DATABASE_URL). */
  env?: Record<string, string>;
}

/**
 * A Temporal dev server (in memory) started here, then the worker and the API as child processes
 * on a fresh DATA_DIR, the API listening on a free loopback port.
 */
export async function startBenchStack({ ocrWorkers, env: extraEnv = {} }: BenchStackOptions) {
  const nice = servicesNice(process.env);
  const temporal = await startTemporalDevServer();
  const temporalPid = childPidsMatching(process.pid, 'start-dev')[0];
  const dataDir = mkdtempSync(join(tmpdir(), 'wallet-bench-'));
  const port = await freePort();
  const authSecret = randomBytes(32).toString('base64');
  const piiKey = randomBytes(32).toString('base64');
  const env = {
    DATA_DIR: dataDir,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_TASK_QUEUE: 'bench-onboarding',
    HOST: '127.0.0.1',
    PORT: String(port),
    AUTH_SECRET: authSecret,
    PII_KEY: piiKey,
    OCR_WORKERS: String(ocrWorkers),
    // Every request logged at `info` would be work the benchmark pays for in both processes.
    LOG_LEVEL: 'warn',
    // One loopback client stands for a city's phones: the per-client throttles would refuse it.
    RATE_LIMIT_SCALE: '1000',
    ...extraEnv,
  };
  const worker = runTsProcess('worker', 'worker.ts', env);
  const api = runTsProcess('api', 'api/server.ts', env);
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await Promise.all([
      worker.waitForOutput('worker: polling task queue', 180_000),
      waitForHttp(`${baseUrl}/readyz`, 180_000, api),
    ]);
  } catch (error) {
    await Promise.all([worker.stop(), api.stop()]);
    await temporal.env.teardown();
    throw error;
  }
  // As `npm start` runs them (bench/process-priority.ts).
  for (const pid of [temporalPid, api.pid]) if (pid) lowerPriority(pid, nice);
  const tokens = new Map<string, string>();
  return {
    temporal,
    temporalPid,
    /** The nice value of the Temporal dev server and the API (SERVICES_NICE). */
    servicesNice: nice,
    worker,
    api,
    env,
    dataDir,
    baseUrl,
    piiKey: Buffer.from(piiKey, 'base64'),
    http: createHttp(baseUrl),
    staffToken(role: 'reviewer' | 'ops', name = `${role}-bench`) {
      const key = `${role}:${name}`;
      let token = tokens.get(key);
      if (!token) tokens.set(key, (token = signStaffToken(authSecret, role, name)));
      return token;
    },
    /** The processes whose memory and CPU the benchmarks report. */
    processes(): { name: string; pid: number }[] {
      return [
        { name: 'worker', pid: worker.pid },
        { name: 'api', pid: api.pid },
        ...(temporalPid ? [{ name: 'temporal', pid: temporalPid }] : []),
        { name: 'bench driver', pid: process.pid },
      ];
    },
    async close() {
      await api.stop();
      await worker.stop();
      await temporal.env.teardown();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export type BenchStack = Awaited<ReturnType<typeof startBenchStack>>;

// ---- applicants ---------------------------------------------------------------------------------

export interface BenchApplicant {
  person: FakePerson;
  phone: string;
  card: string;
}

let serial = 0;
const EPOCH = Date.UTC(1965, 0, 1);
const DAY = 86_400_000;
const BIRTH_DAYS = 12_000; // 1965 to 1997: adults, so no guardian step

/**
 * A new invented applicant, distinct from every other of this run: the four fixture people's
 * names, regions and addresses (the OCR reads those names), with a birth date, sequence, phone
 * and card of their own. Valid by every field rule (GB 11643 check character, Luhn).
 */
export function benchApplicant(): BenchApplicant {
  const i = serial++;
  const base = PEOPLE[i % PEOPLE.length]!;
  const n = Math.floor(i / PEOPLE.length);
  const born = new Date(EPOCH + (n % BIRTH_DAYS) * DAY);
  const birth = {
    year: born.getUTCFullYear(),
    month: born.getUTCMonth() + 1,
    day: born.getUTCDate(),
  };
  // Odd sequence for men, even for women, as on real cards.
  const sequence = 100 + 2 * Math.floor(n / BIRTH_DAYS) + (base.sex === '男' ? 1 : 0);
  const region = base.idNumber.slice(0, 6);
  return {
    person: { ...base, birth, idNumber: makeIdNumber(region, birth, sequence) },
    phone: `139${String(i).padStart(8, '0')}`,
    card: bankCard(`62170000${String(i).padStart(10, '0')}`),
  };
}

/** A payment password the rules accept for this applicant (none may contain the birth MMDD). */
export function paymentPasswordFor(a: BenchApplicant): string {
  return ['580314', '730926'].find((pin) => isStrongPaymentPassword(pin, a.person.birth))!;
}

export async function openBankAccount(stack: BenchStack, a: BenchApplicant) {
  const answer = await stack.http('POST', '/v1/sandbox/bank-accounts', {
    token: stack.staffToken('ops'),
    json: bankAccountFor(applicationFor(a)),
  });
  expectStatus(answer, 201, 'sandbox bank account');
}

/** The last step: the applicant's payment password, after which the wallet is ACTIVE. */
export async function setPaymentPassword(
  stack: BenchStack,
  a: BenchApplicant,
  application: { id: string; token: string },
) {
  return expectStatus(
    await stack.http('POST', `/v1/applications/${application.id}/payment-password`, {
      token: application.token,
      json: { paymentPassword: paymentPasswordFor(a) },
    }),
    200,
    'payment-password',
  );
}

/** Applies for `a` through the API: the application, the applicant's token and the code sent. */
export async function startApplication(stack: BenchStack, a: BenchApplicant) {
  const created = expectStatus(
    await stack.http('POST', '/v1/applications', { json: applicationFor(a) }),
    201,
    'application',
  );
  return {
    id: created.applicationId as string,
    token: created.applicantToken as string,
    code: await lastOtp(stack, a.phone),
  };
}

/** The newest code sent to `phone`, read from the sandbox outbox as the person would read it. */
export async function lastOtp(stack: BenchStack, phone: string): Promise<string> {
  const answer = await stack.http('GET', `/v1/sandbox/outbox?recipient=${phone}&limit=5`, {
    token: stack.staffToken('ops'),
  });
  const items = expectStatus(answer, 200, 'outbox').items as { template: string; text: string }[];
  const otp = items.find((m) => m.template === 'OTP');
  const code = otp && /\d{6}/.exec(otp.text)?.[0];
  if (!code) throw new Error(`no OTP for ${phone}`);
  return code;
}

/** The photo the applicant uploads: their card, rendered as a 1600 px JPEG. */
export function cardPhoto(a: BenchApplicant): Promise<Buffer> {
  return idCardPhoto(a.person, 'clear-1600');
}

/** Runs `fn` over `items` with at most `concurrency` at once; results in input order. */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i]!, i);
      }
    }),
  );
  return results;
}

/** A positive number from the environment; `whole` ones (counts) must be integers. */
export function envNumber(name: string, fallback: number, whole = true): number {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || (whole && !Number.isInteger(value)))
    throw new Error(`${name} must be a positive ${whole ? 'whole ' : ''}number (got "${raw}")`);
  return value;
}
