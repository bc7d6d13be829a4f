// The console's review queue with 10,000 pending cases (issue #24 item 7): the page a reviewer
// opens, GET /console through `inject` with a signed-in session, first page, a deep page and each
// filter, on SQLite and on PostgreSQL. The cases are seeded straight through the Store (a sealed
// review snapshot under each person's own key, as the workflow saves it; a tenth claimed); the
// page itself goes through everything a real request does: the session, GET /v1/reviews in
// process, 50 snapshots opened, their views audited, claims and notification markers.
//
//   npx tsx bench/console-queue.ts      (or BENCH_ONLY=console npm run bench)
//   BENCH_QUEUE_CASES=10000  BENCH_QUEUE_SAMPLES=100
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildApi } from '../api/build';
import { loadConfig } from '../config/config';
import { openStore } from '../db/open-store';
import { freshPostgresUrl, startPostgresCluster } from '../test/helpers/postgres';
import { envNumber, percentile, round, row, type BenchRow } from './stack';

export interface ConsoleQueueBenchOptions {
  cases: number;
  samples: number;
  log?: (message: string) => void;
}

const TARGET_MS = 200;
const REVIEWER = 'bench-rita';

function snapshotOf(i: number) {
  const flagged = i % 7 === 0;
  return {
    flags: flagged ? [{ code: 'WATCHLIST_MATCH', detail: 'entry wl-1, score 0.93' }] : [],
    photo: {
      accepted: true,
      reasons: [],
      metrics: { width: 1600, height: 1000, sharpness: 412.5, glare: 0.01, brightness: 131 },
      ocr: { name: `测试人${i}`, idNumber: idNumberOf(i), matched: true },
      ref: `photo-${i}`,
    },
    submitted: {
      name: `测试人${i}`,
      idNumber: idNumberOf(i),
      phone: `139${String(i).padStart(8, '0')}`,
      bankCardNumber: `621700000${String(i).padStart(10, '0')}`,
    },
    guardian: null,
    approvalsRequired: flagged ? 2 : 1,
    resubmissions: 0,
  };
}

const idNumberOf = (i: number) => `110105199001${String(i).padStart(6, '0')}`;

async function measureDialect(
  dialect: 'sqlite' | 'postgres',
  databaseUrl: string | undefined,
  options: ConsoleQueueBenchOptions,
): Promise<BenchRow[]> {
  const log = options.log ?? console.log;
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-queue-'));
  const config = loadConfig({
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    // Never reached: the queue page needs no workflow.
    TEMPORAL_ADDRESS: '127.0.0.1:1',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  });
  const api = await buildApi(config, { logger: false });
  await api.ready();
  // The API's Store is its own (encapsulated); the seeding takes another on the same database.
  const store = await openStore(config);
  try {
    const seedStarted = Date.now();
    const due = new Date(Date.now() + 3 * 86_400_000);
    const risks = ['LOW', 'MEDIUM', 'HIGH'] as const;
    for (let i = 0; i < options.cases; i++) {
      const applicationId = `bench-${String(i).padStart(6, '0')}`;
      await store.saveReviewSnapshot(config.piiKey, {
        applicationId,
        riskLevel: i % 7 === 0 ? 'HIGH' : risks[i % 2]!,
        reviewDueAt: due,
        snapshot: snapshotOf(i),
        idNumber: idNumberOf(i),
      });
      if (i % 10 === 3) await store.claimCase(applicationId, `reviewer:${REVIEWER}`);
      if (i % 10 === 7) await store.claimCase(applicationId, 'reviewer:someone-else');
    }
    log(
      `console queue on ${dialect}: ${options.cases} cases seeded in ${Date.now() - seedStarted} ms`,
    );

    await store.createStaffAccount({ username: REVIEWER, role: 'reviewer', passwordHash: 'x' });
    const token = randomBytes(32).toString('base64url');
    await store.createStaffSession(createHash('sha256').update(token).digest('hex'), REVIEWER);
    const get = async (url: string) => {
      const started = process.hrtime.bigint();
      const res = await api.inject({
        method: 'GET',
        url,
        headers: { cookie: `console_session=${token}; console_lang=en` },
      });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (res.statusCode !== 200)
        throw new Error(`${url}: ${res.statusCode} ${res.body.slice(0, 300)}`);
      return { ms, body: res.body };
    };
    // A deep page: the cursor the page halfway through the queue links to.
    let deep = '/console';
    for (let page = 0; page < Math.floor(options.cases / 2 / 50); page++) {
      const next = /href="(\/console\?[^"]*cursor=[^"]+)" aria-label="Next page"/.exec(
        (await get(deep)).body,
      );
      if (!next) break;
      deep = next[1]!.replaceAll('&amp;', '&');
    }
    const series: [string, string][] = [
      ['first page', '/console'],
      ['page halfway through', deep],
      ['risk HIGH', '/console?risk=HIGH&claimed='],
      ['claimed by me', '/console?risk=&claimed=mine'],
      ['unclaimed', '/console?risk=&claimed=unclaimed'],
    ];
    const rows: BenchRow[] = [];
    for (const [name, url] of series) {
      for (let i = 0; i < 10; i++) await get(url);
      const times: number[] = [];
      let rowsShown = 0;
      for (let i = 0; i < options.samples; i++) {
        const { ms, body } = await get(url);
        times.push(ms);
        rowsShown = body.match(/<tr data-application-id=/g)?.length ?? 0;
      }
      const p95 = percentile(times, 95);
      rows.push(
        row(
          `${dialect}: queue page, ${options.cases} pending, ${name} (${rowsShown} rows), p50`,
          round(percentile(times, 50), 1),
          'ms',
        ),
        row(
          `${dialect}: queue page, ${options.cases} pending, ${name}, p95`,
          round(p95, 1),
          'ms',
          `≤ ${TARGET_MS} ms`,
          p95 <= TARGET_MS,
        ),
      );
    }
    return rows;
  } finally {
    await store.close();
    await api.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function runConsoleQueueBench(options: ConsoleQueueBenchOptions): Promise<BenchRow[]> {
  const rows = await measureDialect('sqlite', undefined, options);
  const cluster = await startPostgresCluster();
  try {
    rows.push(...(await measureDialect('postgres', await freshPostgresUrl(cluster.url), options)));
  } finally {
    cluster.stop();
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = await runConsoleQueueBench({
    cases: envNumber('BENCH_QUEUE_CASES', 10_000),
    samples: envNumber('BENCH_QUEUE_SAMPLES', 100),
  });
  console.table(rows);
}
