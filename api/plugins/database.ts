// The app database as the Store (db/store.ts), on whichever database the config names.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { openStore } from '../../db/open-store';
import type { Store } from '../../db/store';
import type { Config } from '../../config/config';

declare module 'fastify' {
  interface FastifyInstance {
    store: Store;
    /** What the database's personal data is sealed under (crypto/pii.ts). */
    piiKey: Buffer;
  }
}

export default fp(
  async function database(app: FastifyInstance, opts: { config: Config }) {
    const store = await openStore(opts.config);
    app.decorate('store', store);
    app.decorate('piiKey', opts.config.piiKey);
    app.addHook('onClose', async () => store.close());
  },
  { name: 'database' },
);
