// The one way this project builds a Temporal client: the connection options of TEMPORAL_* (local,
// mTLS or API key), the namespace, and the payload codec that encrypts personal data (SPEC §6).
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import type { Config } from '../config/config';
import type { Store } from '../db/store';
import { temporalConnectionOptions } from './connection';
import { createDataConverter, type SubjectKeys } from './payload-codec';

export interface TemporalClientOptions {
  config: Pick<Config, 'temporal' | 'piiKey'>;
  /** Where the persons' keys are, for the per-person payload encryption. */
  store: Store;
  /** Extra connection settings (the API's quick retries and reconnects). */
  connection?: Partial<ConnectionOptions>;
}

/** A client on a lazy connection: it connects on first use, so Temporal may start later. */
export function createTemporalClient({ config, store, connection }: TemporalClientOptions): Client {
  return new Client({
    connection: Connection.lazy({ ...temporalConnectionOptions(config.temporal), ...connection }),
    namespace: config.temporal.namespace,
    dataConverter: createDataConverter(config.piiKey, storeSubjectKeys(store, config.piiKey)),
  });
}

/** The persons' keys as the codec asks for them, read through the Store on every call. */
export function storeSubjectKeys(
  store: Pick<Store, 'temporalSubjectKeys'>,
  piiKey: Buffer,
): SubjectKeys {
  return {
    keyFor: async (workflowId) => (await store.temporalSubjectKeys(piiKey)).keyFor(workflowId),
  };
}
