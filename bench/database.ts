// PostgreSQL against SQLite (issue #23): the full flow on each, one after the other in one run,
// and the CPU one application costs on PostgreSQL, from which docs/performance.md projects the
// cores a day's volume needs.
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import pg from 'pg';
import { childPidsByParent, STAT, statFields } from './proc-stat';
import { prepareBatch, runBatch, type BatchResult } from './flow';
import { CLOCK_TICKS, percentile, round, row, startBenchStack, type BenchRow } from './stack';
import {
  freshPostgresUrl,
  startPostgresCluster,
  type PostgresCluster,
} from '../test/helpers/postgres';

export interface DatabaseBenchOptions {
  apps: number;
  concurrency: number;
  ocrWorkers: number;
  log?: (message: string) => void;
}

/** CPU seconds of the server: the postmaster, its live backends, and those that have exited. */
function serverCpuSeconds(postmasterPid: number): number {
  const children = childPidsByParent();
  let ticks = 0;
  const own = statFields(`/proc/${postmasterPid}/stat`);
  // utime, stime, then cutime, cstime: what exited (and waited-for) backends used.
  for (const i of [STAT.utime, STAT.stime, STAT.utime + 2, STAT.stime + 2]) ticks += Number(own[i]);
  for (const pid of children.get(postmasterPid) ?? []) {
    try {
      const f = statFields(`/proc/${pid}/stat`);
      ticks += Number(f[STAT.utime]) + Number(f[STAT.stime]);
    } catch {
      // the backend ended while we looked: its time is in cutime by now
    }
  }
  return ticks / CLOCK_TICKS;
}

/**
 * The server's settings for the benchmark. Durability as SQLite's (WAL, `synchronous=NORMAL`):
 * every page written and synced at checkpoints (fsync, full-page writes), a commit not waiting for
 * its own WAL flush (`synchronous_commit=off`: a crash of the machine may lose the last commits,
 * never corrupt the database, as SQLite's NORMAL). BENCH_PG_SETTINGS (space-separated
 * `name=value`) adds or overrides, e.g. `synchronous_commit=on` for a bank's default.
 */
export function serverSettings(): string[] {
  const settings = ['fsync=on', 'full_page_writes=on', 'synchronous_commit=off'];
  if (process.env.BENCH_PG_STATEMENTS)
    settings.push('shared_preload_libraries=pg_stat_statements', 'pg_stat_statements.max=1000');
  settings.push(...(process.env.BENCH_PG_SETTINGS ?? '').split(/\s+/).filter(Boolean));
  return settings;
}

/**
 * BENCH_PG_STATEMENTS=file: what the server ran per application (pg_stat_statements), by total
 * time, to find where the time goes.
 */
async function writeStatements(
  adminUrl: string,
  file: string,
  applications: number,
  sessionsBefore: number,
) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ calls: string; total: number; query: string }>(
      `select calls, total_exec_time as total, query from pg_stat_statements
        order by total_exec_time desc limit 60`,
    );
    const { rows: sum } = await client.query<{ calls: string; total: number }>(
      'select sum(calls) as calls, sum(total_exec_time) as total from pg_stat_statements',
    );
    writeFileSync(
      file,
      JSON.stringify(
        {
          applications,
          // Connections opened during the batch: each costs the server a fork and cold caches.
          connectionsOpened: (await sessionsOpened(client)) - sessionsBefore,
          statementsPerApplication: Number(sum[0]!.calls) / applications,
          execMsPerApplication: sum[0]!.total / applications,
          top: rows.map((r) => ({
            callsPerApplication: round(Number(r.calls) / applications, 2),
            msPerApplication: round(r.total / applications, 3),
            query: r.query.replace(/\s+/g, ' ').slice(0, 300),
          })),
        },
        null,
        2,
      ),
    );
  } finally {
    await client.end();
  }
}

/** Sessions the server has opened on the app's database since it was made. */
async function sessionsOpened(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ sessions: string }>(
    `select coalesce(sum(sessions), 0) as sessions from pg_stat_database where datname like 't\\_%'`,
  );
  return Number(rows[0]!.sessions);
}

async function resetStatements(adminUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query('create extension if not exists pg_stat_statements');
    await client.query('select pg_stat_statements_reset()');
    return await sessionsOpened(client);
  } finally {
    await client.end();
  }
}

/**
 * A fresh database on the cluster: over loopback TCP, or with BENCH_PG_SOCKET=1 over the
 * server's Unix-domain socket, as a PostgreSQL on the same machine is usually reached.
 */
async function databaseUrl(cluster: PostgresCluster): Promise<string> {
  const url = new URL(await freshPostgresUrl(cluster.url));
  if (process.env.BENCH_PG_SOCKET !== '1') return url.toString();
  url.searchParams.set('host', cluster.socketDir);
  return url.toString();
}

interface DialectRun {
  batch: BatchResult;
  databaseCpuSeconds: number;
  /** The machine's 1-minute load average when the round ended (others' work included). */
  loadAtEnd: number;
}

type Dialect = 'sqlite' | 'postgres';

/** CPU seconds of the whole batch: worker, API, Temporal, the driver and the database server. */
function allCpu(r: DialectRun): number {
  const c = r.batch.cpuSeconds;
  return (
    (c.worker ?? 0) +
    (c.api ?? 0) +
    (c.temporal ?? 0) +
    (c['bench driver'] ?? 0) +
    r.databaseCpuSeconds
  );
}

const WORKER_THREADS = [
  'worker: main JS thread',
  'worker: OCR and other threads',
  'worker: Temporal core SDK threads',
] as const;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/**
 * Pairs of rounds, SQLite then PostgreSQL, one pair after the other (ABAB…), each round the same
 * number of applications on a fresh stack and a fresh database: on a shared machine a neighbour's
 * burst lands on one or two rounds, so each pair's ratio and their median are reported rather than
 * one long run a side (BENCH_DB_PAIRS, default 2).
 */
export async function runDatabaseBench(options: DatabaseBenchOptions): Promise<BenchRow[]> {
  const log = options.log ?? console.log;
  const pairs = Math.max(1, Number(process.env.BENCH_DB_PAIRS ?? 2));
  const cluster = await startPostgresCluster(serverSettings());
  const statementsFile = process.env.BENCH_PG_STATEMENTS;
  const rounds: { sqlite: DialectRun; postgres: DialectRun }[] = [];
  try {
    for (let pair = 1; pair <= pairs; pair++) {
      const done: Partial<Record<Dialect, DialectRun>> = {};
      for (const dialect of ['sqlite', 'postgres'] as const) {
        const env: Record<string, string> =
          dialect === 'postgres' ? { DATABASE_URL: await databaseUrl(cluster) } : {};
        log(`database: pair ${pair}/${pairs}, ${options.apps} applications on ${dialect}`);
        const stack = await startBenchStack({ ocrWorkers: options.ocrWorkers, env });
        try {
          const batch = await prepareBatch(stack, options.apps);
          const sessions =
            dialect === 'postgres' && statementsFile ? await resetStatements(cluster.url) : 0;
          const before = dialect === 'postgres' ? serverCpuSeconds(cluster.pid()) : 0;
          const result = await runBatch(stack, batch, options.concurrency, 250, log);
          const after = dialect === 'postgres' ? serverCpuSeconds(cluster.pid()) : 0;
          if (dialect === 'postgres' && statementsFile)
            await writeStatements(cluster.url, statementsFile, result.completed, sessions);
          done[dialect] = {
            batch: result,
            databaseCpuSeconds: after - before,
            loadAtEnd: loadavg()[0]!,
          };
        } finally {
          await stack.close();
        }
      }
      rounds.push({ sqlite: done.sqlite!, postgres: done.postgres! });
    }
  } finally {
    cluster.stop();
  }

  const rows: BenchRow[] = [];
  const rate = (r: DialectRun) => r.batch.completed / r.batch.seconds;
  const cpuPerApp = (r: DialectRun) => allCpu(r) / r.batch.completed;
  const ratios: number[] = [];
  const cpuRatios: number[] = [];
  rounds.forEach(({ sqlite, postgres }, i) => {
    const pair = `pair ${i + 1}`;
    const ratio = rate(postgres) / rate(sqlite);
    // What the two cores allow when the CPU is the limit: moves less with what else the
    // machine runs than the throughput does.
    const cpuRatio = cpuPerApp(sqlite) / cpuPerApp(postgres);
    ratios.push(ratio);
    cpuRatios.push(cpuRatio);
    rows.push(
      row(`${pair}: sqlite applications to ACTIVE per second`, round(rate(sqlite), 2), 'apps/s'),
      row(
        `${pair}: postgres applications to ACTIVE per second`,
        round(rate(postgres), 2),
        'apps/s',
      ),
      row(`${pair}: PostgreSQL / SQLite throughput`, round(ratio, 2), '×'),
      row(
        `${pair}: PostgreSQL / SQLite, CPU per application (SQLite ÷ PostgreSQL)`,
        round(cpuRatio, 2),
        '×',
      ),
      row(`${pair}: load average at the end of the sqlite round`, round(sqlite.loadAtEnd, 1), ''),
      row(
        `${pair}: load average at the end of the postgres round`,
        round(postgres.loadAtEnd, 1),
        '',
      ),
    );
  });

  // Each process's CPU per application over all rounds of a dialect.
  for (const dialect of ['sqlite', 'postgres'] as const) {
    const runs = rounds.map((r) => r[dialect]);
    const completed = runs.reduce((n, r) => n + r.batch.completed, 0);
    const failures = runs.reduce((n, r) => n + r.batch.failures.length, 0);
    const per = (pick: (r: DialectRun) => number) =>
      round((runs.reduce((t, r) => t + pick(r), 0) / completed) * 1000, 1);
    const times = runs.flatMap((r) => r.batch.perAppMs);
    rows.push(
      row(`${dialect}: time to ACTIVE, p50`, round(percentile(times, 50), 0), 'ms'),
      row(`${dialect}: failures`, failures, 'apps', '0', failures === 0),
      row(
        `${dialect}: worker CPU per application`,
        per((r) => r.batch.cpuSeconds.worker ?? 0),
        'ms',
      ),
      row(
        `${dialect}: API CPU per application`,
        per((r) => r.batch.cpuSeconds.api ?? 0),
        'ms',
      ),
      // Where in the worker: its JS thread (activities, the database client), the OCR pool and
      // libuv threads, and the Temporal core SDK's threads.
      ...WORKER_THREADS.map((thread) =>
        row(
          `${dialect}: ${thread} CPU per application`,
          per((r) => r.batch.cpuSeconds[thread] ?? 0),
          'ms',
        ),
      ),
      row(
        `${dialect}: Temporal CPU per application`,
        per((r) => r.batch.cpuSeconds.temporal ?? 0),
        'ms',
      ),
      row(
        `${dialect}: bench driver CPU per application`,
        per((r) => r.batch.cpuSeconds['bench driver'] ?? 0),
        'ms',
      ),
    );
    if (dialect === 'postgres')
      rows.push(
        row(
          'postgres: server CPU per application',
          per((r) => r.databaseCpuSeconds),
          'ms',
        ),
      );
    rows.push(
      row(`${dialect}: all CPU per application (with Temporal, driver)`, per(allCpu), 'ms'),
    );
  }

  const ratio = median(ratios);
  rows.push(
    row(
      'PostgreSQL / SQLite throughput, median of the pairs',
      round(ratio, 2),
      '×',
      '≥ 0.9',
      ratio >= 0.9,
    ),
    row(
      'PostgreSQL / SQLite, CPU per application, median of the pairs',
      round(median(cpuRatios), 2),
      '×',
    ),
  );
  const pgRuns = rounds.map((r) => r.postgres);
  const pgCompleted = pgRuns.reduce((n, r) => n + r.batch.completed, 0);
  const ownCpu =
    pgRuns.reduce(
      (t, r) =>
        t + (r.batch.cpuSeconds.worker ?? 0) + (r.batch.cpuSeconds.api ?? 0) + r.databaseCpuSeconds,
      0,
    ) / pgCompleted;
  rows.push(
    row('PostgreSQL: worker + API + server CPU per application', round(ownCpu * 1000, 0), 'ms'),
    // A day's applications spread evenly: the floor before peaks and headroom.
    row(
      'cores for 1,000,000 applications a day (even load)',
      round((ownCpu * 1e6) / 86_400, 1),
      'cores',
    ),
  );
  return rows;
}
