// Readiness polling for scripts/start.ts, CI and test setup.
//
//   tsx scripts/wait-for.ts temporal [address] [--timeout 90] [--namespace default]
//   tsx scripts/wait-for.ts http <url> [--timeout 60]
//
// Exit status 0 once ready, 1 on timeout.
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Connection } from '@temporalio/client';

export interface WaitOptions {
  /** Give up after this long (default 90 s). */
  timeoutMs?: number;
  /** Pause between attempts (default 500 ms). */
  intervalMs?: number;
  /** Stop waiting (the promise rejects with the signal's reason). */
  signal?: AbortSignal;
}

export interface TemporalWaitOptions extends WaitOptions {
  /** Also wait until this namespace exists. */
  namespace?: string;
  /** Also wait until these custom search attributes exist in `namespace`. */
  searchAttributes?: readonly string[];
}

export class WaitTimeoutError extends Error {
  constructor(what: string, timeoutMs: number, lastError: unknown) {
    const detail = lastError instanceof Error ? `: ${lastError.message}` : '';
    super(`${what} not ready after ${Math.round(timeoutMs / 1000)} s${detail}`);
    this.name = 'WaitTimeoutError';
  }
}

async function poll(
  what: string,
  attempt: () => Promise<boolean>,
  { timeoutMs = 90_000, intervalMs = 500, signal }: WaitOptions,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    signal?.throwIfAborted();
    try {
      if (await attempt()) return;
    } catch (err) {
      lastError = err;
    }
    signal?.throwIfAborted();
    if (Date.now() >= deadline) throw new WaitTimeoutError(what, timeoutMs, lastError);
    await sleep(intervalMs, undefined, signal ? { signal } : undefined);
  }
}

/** One attempt: true when a Temporal frontend answers at `address` (and has what was asked). */
export async function temporalReady(
  address: string,
  {
    namespace,
    searchAttributes = [],
  }: Pick<TemporalWaitOptions, 'namespace' | 'searchAttributes'> = {},
): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 2_000 });
  try {
    const deadline = () => Date.now() + 3_000;
    await connection.withDeadline(deadline(), () => connection.workflowService.getSystemInfo({}));
    if (namespace) {
      await connection.withDeadline(deadline(), () =>
        connection.workflowService.describeNamespace({ namespace }),
      );
    }
    if (namespace && searchAttributes.length > 0) {
      const { customAttributes } = await connection.withDeadline(deadline(), () =>
        connection.operatorService.listSearchAttributes({ namespace }),
      );
      const missing = searchAttributes.filter((name) => !customAttributes?.[name]);
      if (missing.length > 0) throw new Error(`missing search attributes ${missing.join(', ')}`);
    }
    return true;
  } finally {
    await connection.close();
  }
}

/** Wait until a Temporal frontend answers at `address` (host:port). */
export async function waitForTemporal(
  address: string,
  options: TemporalWaitOptions = {},
): Promise<void> {
  await poll(`Temporal at ${address}`, () => temporalReady(address, options), options);
}

/** Wait until `url` answers HTTP 200. */
export async function waitForHttp(url: string, options: WaitOptions = {}): Promise<void> {
  await poll(
    url,
    async () => {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await res.body?.cancel();
      if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
      return true;
    },
    options,
  );
}

async function cli(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { timeout: { type: 'string' }, namespace: { type: 'string' } },
  });
  const [kind, target] = positionals;
  const timeoutMs = Number(values.timeout ?? 90) * 1000;
  if (kind === 'temporal') {
    const address = target ?? process.env.TEMPORAL_ADDRESS ?? 'localhost:7233';
    const namespace = values.namespace;
    await waitForTemporal(address, { timeoutMs, ...(namespace ? { namespace } : {}) });
    console.log(`Temporal at ${address} is ready`);
  } else if (kind === 'http' && target) {
    await waitForHttp(target, { timeoutMs });
    console.log(`${target} is ready`);
  } else {
    console.error(
      'usage: wait-for.ts temporal [address] [--timeout s] [--namespace ns] | http <url> [--timeout s]',
    );
    return 2;
  }
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  cli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
