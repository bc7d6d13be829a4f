// The whole HTTP API as one Fastify plugin: `server.ts` only listens, tests `inject` into it.
import type { FastifyInstance } from 'fastify';
import type { Config } from '../lib/config';
import auth from './plugins/auth';
import database from './plugins/database';
import errors from './plugins/errors';
import openapi from './plugins/swagger';
import temporal from './plugins/temporal';
import applications from './routes/applications';
import health from './routes/health';

export interface AppOptions {
  config: Config;
}

export default async function app(fastify: FastifyInstance, opts: AppOptions) {
  const { config } = opts;
  await fastify.register(errors);
  await fastify.register(openapi);
  await fastify.register(database, { config });
  await fastify.register(temporal, { config });
  await fastify.register(auth, { config });
  await fastify.register(health);
  await fastify.register(applications, { config });
}
