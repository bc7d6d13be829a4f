// PostgreSQL against SQLite (issue #23): the full flow on each, one after the other in one run,
// and the CPU one application costs on PostgreSQL, from which docs/performance.md projects the
// cores a day's volume needs.
import { childPidsByParent, STAT, statFields } from './proc-stat';
import { prepareBatch, runBatch, type BatchResult } from './flow';
import { CLOCK_TICKS, percentile, round, row, startBenchStack, type BenchRow } from './stack';
import { freshPostgresUrl, startPostgresCluster } from '../test/helpers/postgres';

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

interface DialectRun {
  batch: BatchResult;
  databaseCpuSeconds: number;
}

export async function runDatabaseBench(options: DatabaseBenchOptions): Promise<BenchRow[]> {
  const log = options.log ?? console.log;
  const cluster = await startPostgresCluster();
  const runs: Record<'sqlite' | 'postgres', DialectRun | null> = { sqlite: null, postgres: null };
  try {
    for (const dialect of ['sqlite', 'postgres'] as const) {
      const env: Record<string, string> =
        dialect === 'postgres' ? { DATABASE_URL: await freshPostgresUrl(cluster.url) } : {};
      log(`database: ${options.apps} applications on ${dialect}`);
      const stack = await startBenchStack({ ocrWorkers: options.ocrWorkers, env });
      try {
        const batch = await prepareBatch(stack, options.apps);
        const before = dialect === 'postgres' ? serverCpuSeconds(cluster.pid()) : 0;
        const result = await runBatch(stack, batch, options.concurrency, 250, log);
        const after = dialect === 'postgres' ? serverCpuSeconds(cluster.pid()) : 0;
        runs[dialect] = { batch: result, databaseCpuSeconds: after - before };
      } finally {
        await stack.close();
      }
    }
  } finally {
    cluster.stop();
  }
  const rows: BenchRow[] = [];
  const rate = (r: DialectRun) => r.batch.completed / r.batch.seconds;
  for (const dialect of ['sqlite', 'postgres'] as const) {
    const r = runs[dialect]!;
    const per = (seconds: number) => round((seconds / r.batch.completed) * 1000, 1);
    rows.push(
      row(`${dialect}: applications to ACTIVE per second`, round(rate(r), 2), 'apps/s'),
      row(`${dialect}: time to ACTIVE, p50`, round(percentile(r.batch.perAppMs, 50), 0), 'ms'),
      row(
        `${dialect}: failures`,
        r.batch.failures.length,
        'apps',
        '0',
        r.batch.failures.length === 0,
      ),
      row(`${dialect}: worker CPU per application`, per(r.batch.cpuSeconds.worker ?? 0), 'ms'),
      row(`${dialect}: API CPU per application`, per(r.batch.cpuSeconds.api ?? 0), 'ms'),
    );
    if (dialect === 'postgres')
      rows.push(row('postgres: server CPU per application', per(r.databaseCpuSeconds), 'ms'));
  }
  const ratio = rate(runs.postgres!) / rate(runs.sqlite!);
  rows.push(row('PostgreSQL / SQLite throughput', round(ratio, 2), '×', '≥ 0.9', ratio >= 0.9));
  const pg = runs.postgres!;
  const cpuPerApp =
    ((pg.batch.cpuSeconds.worker ?? 0) + (pg.batch.cpuSeconds.api ?? 0) + pg.databaseCpuSeconds) /
    pg.batch.completed;
  rows.push(
    row('PostgreSQL: worker + API + server CPU per application', round(cpuPerApp * 1000, 0), 'ms'),
    // A day's applications spread evenly: the floor before peaks and headroom.
    row(
      'cores for 1,000,000 applications a day (even load)',
      round((cpuPerApp * 1e6) / 86_400, 1),
      'cores',
    ),
  );
  return rows;
}
