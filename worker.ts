// The worker process: runs the workflows and activities against TEMPORAL_ADDRESS. Temporal's
// runtime turns SIGINT/SIGTERM into a graceful shutdown; resources close after `run()` returns.
import { openStore } from './db/open-store';
import { loadConfig } from './config/config';
import { connectWorker, createAppWorker } from './temporal/worker';
import { createTemporalClient } from './temporal/client';
import { ensureSchedules } from './temporal/schedules';
import { startPhotoPipeline } from './activities/photo/pipeline';
import { staffNotificationQueue, startWebhookDispatcher } from './webhooks/dispatcher';
import { startNoticeRelay } from './notifications/notice-relay';
import { setWorkerHeapGrowth } from './config/worker-heap';

async function main() {
  setWorkerHeapGrowth();
  const config = loadConfig();
  const store = await openStore(config);
  const connection = await connectWorker(config);
  // A client for the activities that act on Temporal itself (erasing a closed wallet's histories).
  const temporalClient = createTemporalClient({ config, store });
  // The retention sweep's schedule (SPEC §9): every worker makes sure it is there, with its settings.
  await ensureSchedules(temporalClient, config);
  const photo = await startPhotoPipeline(config, store);
  // Event webhooks (SPEC §6): delivered from the outbox table until acknowledged.
  const webhooks =
    config.webhookUrl && config.webhookSecret
      ? startWebhookDispatcher({
          store,
          url: config.webhookUrl,
          secret: config.webhookSecret,
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
        })
      : undefined;
  // Owner notices the ledger queued (freezes, unfreezes): handed to Temporal one workflow each.
  const notices = startNoticeRelay({
    store,
    client: temporalClient,
    taskQueue: config.temporal.taskQueue,
  });
  try {
    const worker = await createAppWorker({
      connection,
      config,
      deps: {
        store,
        config,
        photoStore: photo.photoStore,
        idCardReader: photo.idCardReader,
        temporalClient,
      },
    });
    console.log(
      `worker: polling task queue "${config.temporal.taskQueue}" on ${config.temporal.address}`,
    );
    await worker.run();
    console.log('worker: stopped');
  } finally {
    await notices.stop();
    await webhooks?.stop();
    await staffWebhooks?.stop();
    await photo.close();
    await temporalClient.connection.close();
    await connection.close();
    await store.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
