// The worker process: runs the workflows and activities against TEMPORAL_ADDRESS. Temporal's
// runtime turns SIGINT/SIGTERM into a graceful shutdown; resources close after `run()` returns.
import { openDatabase } from './db/client';
import { loadConfig } from './lib/config';
import { connectWorker, createAppWorker } from './lib/create-worker';
import { startPhotoPipeline } from './lib/photo-pipeline';

async function main() {
  const config = loadConfig();
  const database = openDatabase(config.databaseFile);
  const connection = await connectWorker(config);
  const photo = await startPhotoPipeline(config);
  try {
    const worker = await createAppWorker({
      connection,
      config,
      deps: { db: database.db, config, photoStore: photo.photoStore, idCardReader: photo.idCardReader },
    });
    console.log(
      `worker: polling task queue "${config.temporal.taskQueue}" on ${config.temporal.address}`,
    );
    await worker.run();
    console.log('worker: stopped');
  } finally {
    await photo.close();
    await connection.close();
    database.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
