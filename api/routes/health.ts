import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@fastify/type-provider-typebox';

const Health = Type.Object({
  status: Type.String(),
  checks: Type.Optional(Type.Object({ temporal: Type.Boolean(), database: Type.Boolean() })),
});

const health: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/healthz',
    { schema: { summary: 'Liveness', tags: ['ops'], response: { 200: Health } } },
    async () => ({ status: 'ok' }),
  );
  app.get(
    '/readyz',
    {
      schema: {
        summary: 'Readiness: Temporal and the database answer',
        tags: ['ops'],
        response: { 200: Health, 503: Health },
      },
    },
    async (_request, reply) => {
      const checks = {
        temporal: await app.temporal.isHealthy(),
        database: await app.store.ready(),
      };
      const ready = checks.temporal && checks.database;
      if (!ready) void reply.header('Retry-After', '5');
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
    },
  );
};

export default health;
