// Builds the Fastify instance the same way for the server, the tests and the benchmarks.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Ajv } from 'ajv';
import Fastify, { type FastifyServerOptions } from 'fastify';
import type { Config } from '../lib/config';
import app from './app';
import { fieldFormats } from './schemas/fields';

export function serverOptions(
  config: Config,
  overrides: FastifyServerOptions = {},
): FastifyServerOptions {
  return {
    logger: {
      level: config.logLevel,
      redact: ['req.headers.authorization', 'req.body', 'res.body'],
    },
    bodyLimit: 64 * 1024,
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
