// A real stack for one test file: an in-process worker on its own task queue and the API app,
// both against the run's Temporal dev server and a fresh SQLite file, or a fresh PostgreSQL
// database when the file runs in a PostgreSQL project (TEST_DATABASE=postgres) or is given one.
import { NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { buildApi } from '../../api/build';
import { openDatabase, type DatabaseHandle } from '../../db/sqlite/client';
import { openStore } from '../../db/open-store';
import type { Store } from '../../db/store';
import { freshPostgresUrl } from './postgres';
import { sqliteStoreOf } from '../../db/sqlite/store';
import { loadConfig } from '../../config/config';
import { createAppWorker } from '../../temporal/worker';
import { createTemporalClient } from '../../temporal/client';
import { startPhotoPipeline } from '../../activities/photo/pipeline';
import { staffNotificationQueue, startWebhookDispatcher } from '../../webhooks/dispatcher';
import { startNoticeRelay } from '../../notifications/notice-relay';
import type { ActivityDeps } from '../../activities';
import { signStaffToken } from '../../api/tokens';

let runtimeInstalled = false;

export interface StackOptions {
  /** Start the OCR pool (seconds and ~300 MB); only tests that upload photos need it. */
  photo?: boolean;
  deps?: Partial<ActivityDeps>;
}

export async function startStack(env: Record<string, string> = {}, options: StackOptions = {}) {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
    runtimeInstalled = true;
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'wallet-test-'));
  const onPostgres = process.env.TEST_DATABASE === 'postgres' && env.DATABASE_URL === undefined;
  const config = loadConfig({
    DATA_DIR: dataDir,
    ...(onPostgres ? { DATABASE_URL: await freshPostgresUrl() } : {}),
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_TASK_QUEUE: `test-${randomUUID()}`,
    LOG_LEVEL: 'silent',
    ...env,
  });
  // The stack's own connection: the Store for the worker; on SQLite also the handle, for tests
  // that look underneath (those run on SQLite only).
  let sqlite: DatabaseHandle | undefined;
  let store: Store;
  if (config.databaseUrl) store = await openStore(config);
  else store = sqliteStoreOf((sqlite = openDatabase(config.databaseFile)));
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const photo = options.photo ? await startPhotoPipeline(config, store) : null;
  const temporalClient = createTemporalClient({ config, store });
  const worker = await createAppWorker({
    connection,
    config,
    deps: {
      store,
      config,
      temporalClient,
      ...(photo ? { photoStore: photo.photoStore, idCardReader: photo.idCardReader } : {}),
      ...options.deps,
    },
    workflowBundle: { code: readFileSync(inject('workflowBundlePath'), 'utf8') },
  });
  const running = worker.run();
  const notices = startNoticeRelay({
    store,
    client: temporalClient,
    taskQueue: config.temporal.taskQueue,
    pollMs: 100,
  });
  // With WEBHOOK_URL given, the worker's webhook dispatcher runs too (polling faster than deployed).
  const webhooks =
    config.webhookUrl && config.webhookSecret
      ? startWebhookDispatcher({
          store,
          url: config.webhookUrl,
          secret: config.webhookSecret,
          pollMs: 100,
        })
      : undefined;
  // Staff notifications (SPEC §7) to STAFF_WEBHOOK_URL, signed and retried like the events.
  const staffWebhooks =
    config.staffWebhookUrl && config.webhookSecret
      ? startWebhookDispatcher({
          store,
          queue: staffNotificationQueue(store),
          url: config.staffWebhookUrl,
          secret: config.webhookSecret,
          pollMs: 100,
        })
      : undefined;
  const api = await buildApi(config, { logger: false });
  await api.ready();

  return {
    config,
    api,
    get database(): DatabaseHandle {
      if (!sqlite)
        throw new Error('stack.database is the SQLite handle: this test runs on SQLite only');
      return sqlite;
    },
    store,
    photoStore: photo?.photoStore,
    temporalClient,
    staffToken: (role: 'reviewer' | 'ops', name = `${role}-1`) =>
      signStaffToken(config.authSecret, role, name),
    async close() {
      await api.close();
      await notices.stop();
      await temporalClient.connection.close();
      worker.shutdown();
      await running;
      await webhooks?.stop();
      await staffWebhooks?.stop();
      await photo?.close();
      await connection.close();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export type Stack = Awaited<ReturnType<typeof startStack>>;
