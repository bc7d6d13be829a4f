// The whole HTTP API as one Fastify plugin: `server.ts` only listens, tests `inject` into it.
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/config';
import auth from './plugins/auth';
import bodyLimits from './plugins/body-limit';
import database from './plugins/database';
import errors from './plugins/errors';
import rateLimits from './plugins/rate-limit';
import openapi from './plugins/swagger';
import temporal from './plugins/temporal';
import applications from './routes/applications';
import applicationSteps from './routes/application-steps';
import codec from './routes/codec';
import consolePages from './console/index';
import idPhoto from './routes/id-photo';
import reviews from './routes/reviews';
import claims from './routes/claims';
import deregistration from './routes/deregistration';
import health from './routes/health';
import ops from './routes/ops';
import sandbox from './routes/sandbox';
import deviceChecks from './routes/device-checks';
import passwordResets from './routes/password-resets';
import passwords from './routes/passwords';
import sessions from './routes/sessions';
import statement from './routes/statement';
import wallets from './routes/wallets';
import transfers from './routes/transfers';
import merchant from './routes/merchant';

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
  // Before any route: both act through onRoute hooks.
  await fastify.register(rateLimits, { config });
  await fastify.register(bodyLimits);
  await fastify.register(health);
  await fastify.register(applications, { config });
  await fastify.register(applicationSteps);
  await fastify.register(idPhoto, { config });
  await fastify.register(reviews, { config });
  await fastify.register(claims);
  await fastify.register(sessions, { config });
  await fastify.register(passwords, { config });
  await fastify.register(passwordResets, { config });
  await fastify.register(deviceChecks);
  await fastify.register(ops, { config });
  await fastify.register(sandbox, { config });
  await fastify.register(wallets, { config });
  await fastify.register(transfers, { config });
  await fastify.register(merchant, { config });
  await fastify.register(statement, { config });
  await fastify.register(deregistration, { config });
  await fastify.register(codec, { config, prefix: '/codec' });
  await fastify.register(consolePages, { config });
}
