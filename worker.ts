// The worker process: runs the workflows and activities against TEMPORAL_ADDRESS. Temporal's
// runtime turns SIGINT/SIGTERM into a graceful shutdown; resources close after `run()` returns.
import { Client, Connection } from '@temporalio/client';
import { openDatabase } from './db/client';
import { loadConfig } from './config/config';
import { connectWorker, createAppWorker } from './temporal/worker';
import { createDataConverter } from './temporal/payload-codec';
import { startPhotoPipeline } from './activities/photo/pipeline';
import { temporalConnectionOptions } from './temporal/connection';
import { temporalSubjectKeys } from './db/repositories/temporal-subjects';
import { startWebhookDispatcher } from './webhooks/dispatcher';
import { setWorkerHeapGrowth } from './config/worker-heap';

async function main() {
  setWorkerHeapGrowth();
  const config = loadConfig();
  const database = openDatabase(config.databaseFile);
  const connection = await connectWorker(config);
  // A client for the activities that act on Temporal itself (erasing a closed wallet's histories).
  const clientConnection = Connection.lazy(temporalConnectionOptions(config.temporal));
  const temporalClient = new Client({
    connection: clientConnection,
    namespace: config.temporal.namespace,
    dataConverter: createDataConverter(
      config.piiKey,
      temporalSubjectKeys(database.db, config.piiKey),
    ),
  });
  const photo = await startPhotoPipeline(config);
  // Event webhooks (SPEC §6): delivered from the outbox table until acknowledged.
  const webhooks =
    config.webhookUrl && config.webhookSecret
      ? startWebhookDispatcher({
          db: database.db,
          url: config.webhookUrl,
          secret: config.webhookSecret,
        })
      : undefined;
  try {
    const worker = await createAppWorker({
      connection,
      config,
      deps: {
        db: database.db,
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
    await webhooks?.stop();
    await photo.close();
    await clientConnection.close();
    await connection.close();
    database.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
