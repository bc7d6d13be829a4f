// `npm run bench`: every benchmark, one table each, and all rows in bench/results.json with the
// machine they were measured on. Ratios are measured side by side in the same run.
//
//   BENCH_ONLY=photo,flow,rss,control,api,transfers,database,console,money   which benchmarks (default:
//                                all; rss includes flow)
//   BENCH_APPS=1000              applications per full-flow batch (rss runs two batches)
//   BENCH_CONCURRENCY=10         applications in flight in the full flow
//   BENCH_OCR_WORKERS=1          OCR_WORKERS of the worker process and of the OCR baseline pool
//   BENCH_OCR_CARDS=100          cards the OCR baseline reads
//   BENCH_LATENCY_SAMPLES=200    round trips per series in the control-plane benchmark
//   BENCH_GET_RPS=200, BENCH_POST_RPS=5, BENCH_API_SECONDS=30   the API latency benchmark
//   BENCH_DB_APPS=200            applications per round in the PostgreSQL-against-SQLite flow
//   BENCH_DB_PAIRS=2             its pairs of rounds, SQLite then PostgreSQL, one after the other
//   BENCH_TRANSFER_SAMPLES=200   round trips per series in the transfer-against-payment benchmark
//   BENCH_QUEUE_CASES=10000, BENCH_QUEUE_SAMPLES=100   the console's queue page (both databases)
//   BENCH_PG_SETTINGS='a=b c=d'  its server settings over SQLite-like durability (bench/database.ts)
//   BENCH_PG_STATEMENTS=file     pg_stat_statements of that batch, per application, into `file`
//   BENCH_MONEY_SAMPLES=60, BENCH_MONEY_WALLETS=20   the money-movement benchmark
//   BENCH_CPU_PROF=/tmp/prof     V8 CPU profiles of the worker and API processes (one folder each)
//
// A run with everything at its default takes about 45 minutes on 2 cores; bench/results.json keeps
// the sections of earlier runs that this one did not repeat.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runApiLatencyBench } from './api-latency';
import { runConsoleQueueBench } from './console-queue';
import { runControlPlaneBench } from './control-plane';
import { runDatabaseBench, serverSettings } from './database';
import { runMoneyBench } from './money';
import { activeApplications, runFlowBench } from './flow';
import { runPhotoBench } from './photo';
import { runTransferBench } from './transfers';
import {
  cpuTicks,
  envNumber,
  loadAverage,
  machine,
  round,
  startBenchStack,
  stealPercent,
  type BenchRow,
} from './stack';

const ALL = [
  'photo',
  'flow',
  'rss',
  'control',
  'api',
  'transfers',
  'database',
  'console',
  'money',
] as const;
type BenchName = (typeof ALL)[number];

const only = new Set(
  (process.env.BENCH_ONLY ?? ALL.join(','))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);
for (const name of only)
  if (!(ALL as readonly string[]).includes(name))
    throw new Error(`BENCH_ONLY: unknown benchmark "${name}" (known: ${ALL.join(', ')})`);
const wants = (name: BenchName) => only.has(name);

const settings = {
  apps: envNumber('BENCH_APPS', 1000),
  // Enough that the batch measures the engine, not the driver's pace: an application spends ~6 s
  // from start to ACTIVE, mostly on steps that are not the OCR (the person's, the reviewer's), so
  // at ~1.6 applications/s about 10 are in flight (Little's law). 6 were too few (the OCR pool
  // idled between cards); 16 measured the same throughput as 10 (1.63 apps/s, the machine's CPU
  // being the limit) with each application taking longer (p50 9.7 s against 6.2 s).
  concurrency: envNumber('BENCH_CONCURRENCY', 10),
  ocrWorkers: envNumber('BENCH_OCR_WORKERS', 1),
  ocrCards: envNumber('BENCH_OCR_CARDS', 100),
  latencySamples: envNumber('BENCH_LATENCY_SAMPLES', 200),
  getRps: envNumber('BENCH_GET_RPS', 200, false),
  postRps: envNumber('BENCH_POST_RPS', 5, false),
  apiSeconds: envNumber('BENCH_API_SECONDS', 30),
  databaseApps: envNumber('BENCH_DB_APPS', 200),
  transferSamples: envNumber('BENCH_TRANSFER_SAMPLES', 200),
  queueCases: envNumber('BENCH_QUEUE_CASES', 10_000),
  queueSamples: envNumber('BENCH_QUEUE_SAMPLES', 100),
};

const resultsFile = join(import.meta.dirname, 'results.json');
const results: Record<string, unknown> = existsSync(resultsFile)
  ? (JSON.parse(readFileSync(resultsFile, 'utf8')) as Record<string, unknown>)
  : {};
const host = machine();
results.machine = host;

function record(name: string, title: string, rows: BenchRow[], conditions: object) {
  console.log(`\n${title}`);
  console.table(rows);
  results[name] = {
    measuredAt: new Date().toISOString(),
    machine: host,
    conditions,
    rows,
  };
  // After every benchmark, so that a failure later keeps what was measured.
  writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
}

const started = Date.now();
console.log(
  `machine: ${host.cpus} cores, ${host.cpuModel}, ${host.memoryGiB} GiB, Node ${host.node}; ` +
    `load average ${loadAverage().join(' ')}`,
);

/** Starts watching the machine; the returned function gives its load and steal since then. */
function machineSince() {
  const load = loadAverage();
  const ticks = cpuTicks();
  return () => ({
    loadAverage: { start: load, end: loadAverage() },
    stealPercent: round(stealPercent(ticks, cpuTicks()), 1),
  });
}

if (wants('photo')) {
  const machineDuring = machineSince();
  const rows = await runPhotoBench();
  record('photo', 'photo pipeline', rows, machineDuring());
}

if (wants('flow') || wants('rss') || wants('control') || wants('api') || wants('transfers')) {
  console.log(`\nstarting Temporal (in memory), the worker and the API as child processes`);
  const stack = await startBenchStack({ ocrWorkers: settings.ocrWorkers });
  const processes = `worker pid ${stack.worker.pid}, api pid ${stack.api.pid}, temporal pid ${stack.temporalPid ?? '?'}`;
  console.log(`  ${processes}, API at ${stack.baseUrl}`);
  try {
    let active: { applicationId: string; token: string }[] = [];
    if (wants('flow') || wants('rss')) {
      const result = await runFlowBench(stack, {
        apps: settings.apps,
        concurrency: settings.concurrency,
        ocrWorkers: settings.ocrWorkers,
        ocrCards: settings.ocrCards,
        secondBatch: wants('rss'),
      });
      active = result.active;
      const conditions = {
        apps: settings.apps,
        concurrency: settings.concurrency,
        ocrWorkers: settings.ocrWorkers,
        ocrCards: Math.min(settings.ocrCards, settings.apps),
        temporal: 'dev server, in memory, same machine',
        servicesNice: stack.servicesNice,
        loadAverage: result.load,
      };
      record('flow', 'full flow throughput against the OCR pool alone', result.flow, conditions);
      if (result.rss)
        record('rss', 'worker and API memory (VmRSS of each process)', result.rss, conditions);
    }
    if (wants('control')) {
      const machineDuring = machineSince();
      const rows = await runControlPlaneBench(stack, {
        samples: settings.latencySamples,
        warmup: 5,
      });
      record(
        'control',
        'control-plane latency: updates through the API against a bare update',
        rows,
        {
          samples: settings.latencySamples,
          sequential: true,
          servicesNice: stack.servicesNice,
          ...machineDuring(),
        },
      );
    }
    if (wants('api')) {
      // GET is also measured on applications that reached ACTIVE: a few, if the flow did not run.
      if (active.length === 0) active = await activeApplications(stack, 50);
      const machineDuring = machineSince();
      const rows = await runApiLatencyBench(stack, {
        getRps: settings.getRps,
        postRps: settings.postRps,
        seconds: settings.apiSeconds,
        active,
      });
      record('api', 'API latency under a held request rate', rows, {
        getRps: settings.getRps,
        postRps: settings.postRps,
        seconds: settings.apiSeconds,
        servicesNice: stack.servicesNice,
        ...machineDuring(),
      });
    }
    if (wants('transfers')) {
      const machineDuring = machineSince();
      const rows = await runTransferBench(stack, {
        samples: settings.transferSamples,
        warmup: 10,
      });
      record('transfers', "a transfer's round trip against a payment's", rows, {
        samples: settings.transferSamples,
        sequential: true,
        alternating: true,
        servicesNice: stack.servicesNice,
        ...machineDuring(),
      });
    }
  } finally {
    await stack.close();
  }
}

if (wants('money')) {
  console.log(`\nmoney movements: the worker and the API as child processes, the sandbox bank`);
  const stack = await startBenchStack({ ocrWorkers: 1 });
  try {
    const machineDuring = machineSince();
    const options = {
      samples: envNumber('BENCH_MONEY_SAMPLES', 60),
      wallets: envNumber('BENCH_MONEY_WALLETS', 20),
      concurrency: settings.concurrency,
    };
    const rows = await runMoneyBench(stack, options);
    record('money', 'top-ups and withdrawals at the bank', rows, {
      ...options,
      ...machineDuring(),
    });
  } finally {
    await stack.close();
  }
}

if (wants('database')) {
  const machineDuring = machineSince();
  const rows = await runDatabaseBench({
    apps: settings.databaseApps,
    concurrency: settings.concurrency,
    ocrWorkers: settings.ocrWorkers,
  });
  record('database', 'the full flow on PostgreSQL against SQLite', rows, {
    apps: settings.databaseApps,
    pairs: Number(process.env.BENCH_DB_PAIRS ?? 2),
    concurrency: settings.concurrency,
    ocrWorkers: settings.ocrWorkers,
    postgres: `throwaway cluster on the same machine: ${serverSettings().join(' ')}`,
    ...machineDuring(),
  });
}

if (wants('console')) {
  const machineDuring = machineSince();
  const rows = await runConsoleQueueBench({
    cases: settings.queueCases,
    samples: settings.queueSamples,
  });
  record('console', "the console's review queue page with many pending cases", rows, {
    cases: settings.queueCases,
    samples: settings.queueSamples,
    through: 'inject, signed-in session, GET /console (50 rows a page)',
    postgres: 'throwaway cluster on the same machine, fsync off',
    ...machineDuring(),
  });
}

console.log(
  `\nwritten to bench/results.json (${host.cpus} cores, ${host.memoryGiB} GiB) in ` +
    `${Math.round((Date.now() - started) / 1000)} s`,
);
