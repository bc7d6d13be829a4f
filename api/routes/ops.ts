// Ops endpoints outside the workflows: watch-list import (SPEC §1 step 5, §5) and the audit log
// (SPEC §6).
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { and, desc, eq, lt, type SQL } from 'drizzle-orm';
import { randomUUID } from 'node:crypto';
import { auditLog, watchlist } from '../../db/schema';
import { normalizeName } from '../../domain/fields';
import { appendAudit } from '../../db/repositories/audit-log';
import { WATCHLIST_BODY_LIMIT } from '../plugins/body-limit';
import { Problem } from '../problem';
import { problemResponses } from '../schemas/common';
import { AddWatchlistBody, AddWatchlistResponse, type WatchlistEntryBody } from '../schemas/ops';

const AuditQuery = Type.Object(
  {
    subjectType: Type.Optional(
      Type.String({ maxLength: 40, pattern: '^[a-z-]+$', examples: ['application', 'wallet'] }),
    ),
    subjectId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    actor: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, examples: ['reviewer:rita', 'system'] }),
    ),
    limit: Type.Optional(Type.String({ pattern: '^([1-9]|[1-9][0-9]|100)$' })),
    cursor: Type.Optional(Type.String({ maxLength: 20, pattern: '^[1-9][0-9]*$' })),
  },
  { additionalProperties: false },
);

const AuditEntry = Type.Object({
  id: Type.String(),
  at: Type.String({ format: 'date-time', description: 'When it happened' }),
  recordedAt: Type.String({ format: 'date-time', description: 'When it was written here' }),
  actor: Type.String({
    description: '`system`, `owner`, `risk-monitor` or the staff token subject',
  }),
  action: Type.String(),
  subjectType: Type.String(),
  subjectId: Type.String(),
  detail: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
});

const AuditPage = Type.Object({
  items: Type.Array(AuditEntry),
  nextCursor: Type.Optional(Type.String()),
});

const ops: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.database;

  app.post(
    '/v1/ops/watchlist',
    {
      preHandler: app.requireRole('ops'),
      // Up to 1000 entries in one request.
      bodyLimit: WATCHLIST_BODY_LIMIT,
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
        appendAudit(tx, {
          eventKey: `ops:watchlist:${randomUUID()}`,
          at: new Date(),
          actor: request.user.sub,
          action: 'WATCHLIST_ENTRIES_ADDED',
          subjectType: 'watchlist',
          subjectId: 'watchlist',
          detail: { received: rows.length, added: count },
        });
        return count;
      });
      return reply.code(201).send({ count: rows.length, added, duplicates: rows.length - added });
    },
  );
  app.get(
    '/v1/ops/audit',
    {
      onRequest: app.requireRole('ops'),
      schema: {
        summary: 'The audit log, newest first: status changes and staff actions',
        description:
          'Append-only. Filter by subject (`subjectType` + `subjectId`) or by `actor`; page with ' +
          '`cursor` = the `nextCursor` of the previous page. Rows carry ids, actions, statuses ' +
          'and codes, no personal data, and outlive the erasure of a closed wallet.',
        tags: ['ops'],
        security: [{ bearer: [] }],
        querystring: AuditQuery,
        response: { 200: AuditPage, ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { subjectType, subjectId, actor, cursor } = request.query;
      const limit = Number(request.query.limit ?? 50);
      const filters: SQL[] = [];
      if (subjectType !== undefined) filters.push(eq(auditLog.subjectType, subjectType));
      if (subjectId !== undefined) filters.push(eq(auditLog.subjectId, subjectId));
      if (actor !== undefined) filters.push(eq(auditLog.actor, actor));
      if (cursor !== undefined) filters.push(lt(auditLog.id, Number(cursor)));
      const rows = db
        .select()
        .from(auditLog)
        .where(filters.length ? and(...filters) : undefined)
        .orderBy(desc(auditLog.id))
        .limit(limit + 1)
        .all();
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return {
        items: page.map((row) => ({
          id: String(row.id),
          at: row.at.toISOString(),
          recordedAt: row.recordedAt.toISOString(),
          actor: row.actor,
          action: row.action,
          subjectType: row.subjectType,
          subjectId: row.subjectId,
          detail: row.detail ?? null,
        })),
        ...(rows.length > limit && last ? { nextCursor: String(last.id) } : {}),
      };
    },
  );
};

export default ops;
