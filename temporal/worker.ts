import { NativeConnection, Worker, type WorkflowBundle } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import { createActivities, type ActivityDeps } from '../activities';
import type { Config } from '../config/config';
import { createDataConverter } from './payload-codec';
import { temporalConnectionOptions } from './connection';
import { storeSubjectKeys } from './client';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/** Waits for Temporal the way a deployed worker must: it may start before the cluster does. */
export async function connectWorker(
  config: Config,
  { attempts = 60, log = console.warn }: { attempts?: number; log?: (m: string) => void } = {},
): Promise<NativeConnection> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await NativeConnection.connect(temporalConnectionOptions(config.temporal));
    } catch (error) {
      if (attempt >= attempts) throw error;
      log(`Temporal at ${config.temporal.address} not reachable yet (${String(error)}); retrying`);
      await new Promise((r) => setTimeout(r, Math.min(5000, 250 * attempt)));
    }
  }
}

export interface AppWorkerOptions {
  connection: NativeConnection;
  config: Config;
  deps: ActivityDeps;
  /** Tests and benchmarks bundle once per run and pass the bundle; otherwise bundled here once. */
  workflowBundle?: WorkflowBundle;
}

export function createAppWorker({ connection, config, deps, workflowBundle }: AppWorkerOptions) {
  return Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    activities: createActivities(deps),
    // Every payload is encrypted before it reaches Temporal (SPEC §6).
    dataConverter: createDataConverter(config.piiKey, storeSubjectKeys(deps.store, config.piiKey)),
    ...(workflowBundle ? { workflowBundle } : { workflowsPath }),
  });
}
