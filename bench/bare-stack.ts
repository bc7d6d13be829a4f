// The bare side of the control-plane benchmark, as child processes shaped like the app's:
//   BARE_ROLE=worker  a worker running only bench/bare-workflows.ts
//   BARE_ROLE=api     a trivial Fastify app: GET /noop, and POST /bare/:id/update, which runs the
//                     bare update through a Temporal client and answers its result
// Both use the app's payload codec (PII_KEY), so the bytes on the wire are treated the same way;
// the worker also reads the persons' keys from the app's database (DATA_DIR), as the app's worker
// does, for the bare workflows that stand in for applications under their ids.
// Env: TEMPORAL_ADDRESS, BARE_TASK_QUEUE, PII_KEY, PORT, DATA_DIR (worker).
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import Fastify from 'fastify';
import { fileURLToPath } from 'node:url';
import { openStore } from '../db/open-store';
import { databaseFileIn } from '../config/config';
import { createDataConverter } from '../temporal/payload-codec';
import { storeSubjectKeys } from '../temporal/client';
import { bareUpdate } from './bare-workflows';

const address = process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
const taskQueue = process.env.BARE_TASK_QUEUE ?? 'bench-bare';
const piiKey = Buffer.from(process.env.PII_KEY ?? '', 'base64');

async function worker() {
  const dataDir = process.env.DATA_DIR;
  if (!dataDir) throw new Error('DATA_DIR?');
  const store = await openStore({ databaseFile: databaseFileIn(dataDir) });
  const connection = await NativeConnection.connect({ address });
  const w = await Worker.create({
    connection,
    taskQueue,
    workflowsPath: fileURLToPath(new URL('./bare-workflows.ts', import.meta.url)),
    dataConverter: createDataConverter(piiKey, storeSubjectKeys(store, piiKey)),
  });
  console.log('bare worker: polling');
  await w.run();
  await connection.close();
  await store.close();
}

async function api() {
  const client = new Client({
    connection: await Connection.connect({ address }),
    dataConverter: createDataConverter(piiKey),
  });
  const app = Fastify({ logger: false });
  app.get('/noop', async () => ({ ok: true }));
  app.post<{ Params: { id: string } }>('/bare/:id/update', async (request) =>
    client.workflow
      .getHandle(request.params.id)
      .executeUpdate(bareUpdate, { args: [{ version: 1 }] }),
  );
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => void app.close().then(() => process.exit(0)));
  await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) });
  console.log('bare api: listening');
}

const role = process.env.BARE_ROLE;
(role === 'worker'
  ? worker()
  : role === 'api'
    ? api()
    : Promise.reject(new Error('BARE_ROLE?'))
).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
