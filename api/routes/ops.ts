// Ops endpoints outside the workflows: watch-list import (SPEC §1 step 5, §5).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { randomUUID } from 'node:crypto';
import { auditLog, watchlist } from '../../db/schema';
import { normalizeName } from '../../domain/fields';
import { Problem } from '../problem';
import { problemResponses } from '../schemas/common';
import { AddWatchlistBody, AddWatchlistResponse, type WatchlistEntryBody } from '../schemas/ops';

const ops: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.database;

  app.post(
    '/v1/ops/watchlist',
    {
      preHandler: app.requireRole('ops'),
      schema: {
        summary: 'Add watch-list entries (sanctions, politically exposed persons)',
        description:
          'Body: one entry `{name, birthDate?, source}` or `{entries: [...]}`. Re-adding an entry ' +
          'already on the list (same normalised name, birth date and source) changes nothing.',
        tags: ['ops'],
        security: [{ bearer: [] }],
        body: AddWatchlistBody,
        response: { 201: AddWatchlistResponse, ...problemResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const { entries, ...single } = request.body;
      const hasSingle = Object.keys(single).length > 0;
      let list: WatchlistEntryBody[];
      if (entries && !hasSingle) list = entries;
      else if (!entries && single.name !== undefined && single.source !== undefined)
        list = [{ name: single.name, source: single.source, birthDate: single.birthDate }];
      else
        throw new Problem(
          400,
          'VALIDATION_FAILED',
          'Send either one entry {name, birthDate?, source} or {entries: [...]}.',
          {
            errors: entries
              ? [{ field: '(body)', code: 'UNKNOWN_FIELD' }]
              : [
                  ...(single.name === undefined ? [{ field: 'name', code: 'REQUIRED' }] : []),
                  ...(single.source === undefined ? [{ field: 'source', code: 'REQUIRED' }] : []),
                ],
          },
        );

      const rows = list.map((entry) => {
        const name = normalizeName(entry.name);
        const source = entry.source.trim();
        const birthDate = entry.birthDate ?? null;
        return {
          entryKey: JSON.stringify([name, birthDate, source]),
          name,
          birthDate,
          source,
          createdAt: new Date(),
        };
      });
      const added = db.transaction((tx) => {
        let count = 0;
        for (const row of rows)
          count += tx.insert(watchlist).values(row).onConflictDoNothing().run().changes;
        tx.insert(auditLog)
          .values({
            eventKey: `ops:watchlist:${randomUUID()}`,
            at: new Date(),
            actor: request.user.sub,
            action: 'WATCHLIST_ENTRIES_ADDED',
            subjectType: 'watchlist',
            subjectId: 'watchlist',
            detail: { received: rows.length, added: count },
          })
          .run();
        return count;
      });
      return reply.code(201).send({ count: rows.length, added, duplicates: rows.length - added });
    },
  );
};

export default ops;
