// Builds the Fastify instance the same way for the server, the tests and the benchmarks.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Ajv } from 'ajv';
import Fastify, { type FastifyServerOptions } from 'fastify';
import type { Config } from '../config/config';
import app from './app';
import { clientErrorHandler } from './client-errors';
import { logSerializers } from './log-serializers';
import { frameworkErrors } from './plugins/errors';
import { fieldFormats } from './schemas/fields';

export function serverOptions(
  config: Config,
  overrides: FastifyServerOptions = {},
): FastifyServerOptions {
  return {
    logger: {
      level: config.logLevel,
      serializers: logSerializers,
      // Belt and braces: the serializer logs no headers or bodies at all.
      redact: ['req.headers', 'req.body', 'res.body'],
    },
    // Refusals of Node's HTTP parser (431 headers too large, …) as problem+json too.
    clientErrorHandler,
    // The ceiling; each route has its own, smaller limit (api/plugins/body-limit.ts).
    bodyLimit: 64 * 1024,
    // Routing failures (bad percent-encoding, over-long path parameters) as problems too.
    frameworkErrors,
    // Wrong types are the client's mistake to hear about, not ours to guess: no coercion.
    ajv: {
      customOptions: { coerceTypes: false, removeAdditional: true, allErrors: true },
      plugins: [
        (ajv: Ajv) => {
          for (const [name, validate] of Object.entries(fieldFormats))
            ajv.addFormat(name, { type: 'string', validate });
          return ajv;
        },
      ],
    },
    ...overrides,
  };
}

export async function buildApi(config: Config, overrides: FastifyServerOptions = {}) {
  const fastify = Fastify(serverOptions(config, overrides)).withTypeProvider<TypeBoxTypeProvider>();
  await fastify.register(app, { config });
  return fastify;
}
