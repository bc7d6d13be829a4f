// The one way this project builds a Temporal client: the connection options of TEMPORAL_* (local,
// mTLS or API key), the namespace, and the payload codec that encrypts personal data (SPEC §6).
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import type { Config } from '../config/config';
import type { AppDatabase } from '../db/sqlite/client';
import { temporalSubjectKeys } from '../db/sqlite/repositories/temporal-subjects';
import { temporalConnectionOptions } from './connection';
import { createDataConverter } from './payload-codec';

export interface TemporalClientOptions {
  config: Pick<Config, 'temporal' | 'piiKey'>;
  /** Where the persons' keys are, for the per-person payload encryption. */
  db: AppDatabase;
  /** Extra connection settings (the API's quick retries and reconnects). */
  connection?: Partial<ConnectionOptions>;
}

/** A client on a lazy connection: it connects on first use, so Temporal may start later. */
export function createTemporalClient({ config, db, connection }: TemporalClientOptions): Client {
  return new Client({
    connection: Connection.lazy({ ...temporalConnectionOptions(config.temporal), ...connection }),
    namespace: config.temporal.namespace,
    dataConverter: createDataConverter(config.piiKey, temporalSubjectKeys(db, config.piiKey)),
  });
}
