import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { openDatabase, type DatabaseHandle } from '../../db/sqlite/client';
import { sqliteStoreOf } from '../../db/sqlite/store';
import type { Store } from '../../db/store';
import type { Config } from '../../config/config';

declare module 'fastify' {
  interface FastifyInstance {
    database: DatabaseHandle;
    store: Store;
    /** What the database's personal data is sealed under (crypto/pii.ts). */
    piiKey: Buffer;
  }
}

export default fp(
  async function database(app: FastifyInstance, opts: { config: Config }) {
    const handle = openDatabase(opts.config.databaseFile);
    app.decorate('database', handle);
    app.decorate('store', sqliteStoreOf(handle));
    app.decorate('piiKey', opts.config.piiKey);
    app.addHook('onClose', async () => handle.close());
  },
  { name: 'database' },
);
