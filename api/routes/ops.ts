// Ops endpoints outside the workflows: watch-list import (SPEC §1 step 5, §5), the audit log
// (SPEC §6) and the reconciliation of money movements with the bank (SPEC §2).
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { defaultCoreBanking, type CoreBanking } from '../../adapters/core-banking';
import { reconcile } from '../../adapters/reconciliation';
import type { Config } from '../../config/config';
import type { WatchlistRow } from '../../db/store';
import {
  normalizeAliases,
  normalizeListedName,
  WATCHLIST_RESCREEN_WORKFLOW,
  watchlistRescreenWorkflowId,
} from '../../domain/watchlist';
import { WATCHLIST_BODY_LIMIT } from '../plugins/body-limit';
import { watchlistCsvToBody } from '../watchlist-csv';
import { bankUnavailable, notFound, Problem } from '../problem';
import { problemResponses } from '../schemas/common';
import {
  AddWatchlistBody,
  AddWatchlistResponse,
  AlertPage,
  PageQuery,
  ReconciliationResponse,
  RemoveWatchlistResponse,
  WatchlistIdParams,
  WatchlistPage,
  type WatchlistEntryBody,
} from '../schemas/ops';

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

/** A real calendar date, or a year. */
function isListedBirthDate(value: string): boolean {
  if (value.length === 4) return true;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
}

/**
 * Starts the re-screen of active wallets for one change of the list. The change is already
 * committed: if Temporal is down this answers 503, and sending the same request again (a no-op
 * on the list) starts it under a new change.
 */
async function startRescreen(app: FastifyInstance, changeId: string): Promise<string> {
  const workflowId = watchlistRescreenWorkflowId(changeId);
  await app.temporal.call(() =>
    app.temporal.client.workflow.start(WATCHLIST_RESCREEN_WORKFLOW, {
      workflowId,
      taskQueue: app.temporal.taskQueue,
      args: [{ changeId }],
    }),
  );
  return workflowId;
}

const entryView = (row: WatchlistRow) => ({
  id: String(row.id),
  name: row.name,
  aliases: row.aliases,
  birthDate: row.birthDate,
  source: row.source,
  createdAt: row.createdAt.toISOString(),
});

const ops: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, { config }) => {
  const { store } = app;
  // The bank as the reconciliation reads it: when it does not answer, a 503, not a 500.
  const core = defaultCoreBanking(store, config);
  const reachable = <T>(call: () => Promise<T>) =>
    call().catch((error: unknown) => {
      throw Object.assign(bankUnavailable(), { cause: error });
    });
  const bank: CoreBanking = {
    findAccountByCard: (card) => reachable(() => core.findAccountByCard(card)),
    transfer: (request) => reachable(() => core.transfer(request)),
    getTransfer: (id) => reachable(() => core.getTransfer(id)),
    ...(core.listTransfers ? { listTransfers: () => reachable(() => core.listTransfers!()) } : {}),
  };

  // The CSV import becomes the batch form of the JSON body before validation.
  app.addContentTypeParser(
    'text/csv',
    { parseAs: 'string', bodyLimit: WATCHLIST_BODY_LIMIT },
    (_request, body, done) => {
      try {
        done(null, watchlistCsvToBody(String(body)));
      } catch (error) {
        done(error as Error, undefined);
      }
    },
  );

  app.post(
    '/v1/ops/watchlist',
    {
      preHandler: app.requireRole('ops'),
      // Up to 1000 entries in one request.
      bodyLimit: WATCHLIST_BODY_LIMIT,
      schema: {
        summary: 'Add watch-list entries (sanctions, politically exposed persons)',
        description:
          'Body: one entry `{name, birthDate?, source, aliases?}` or `{entries: [...]}`, or ' +
          '`text/csv` with the header `name,birthDate,source,aliases` (aliases separated by `|` ' +
          'or `;`). Re-adding ' +
          'an entry already on the list (same normalised name, birth date and source) adds only ' +
          'the aliases it lacked. Every change re-screens the active wallets: a new hit is an ops ' +
          'alert (`GET /v1/ops/alerts`), never a freeze.',
        tags: ['ops'],
        security: [{ bearer: [] }],
        body: AddWatchlistBody,
        response: { 201: AddWatchlistResponse, ...problemResponses(400, 401, 403, 503) },
      },
    },
    async (request, reply) => {
      const { entries, ...single } = request.body;
      const hasSingle = Object.keys(single).length > 0;
      let list: WatchlistEntryBody[];
      if (entries && !hasSingle) list = entries;
      else if (!entries && single.name !== undefined && single.source !== undefined)
        list = [
          {
            name: single.name,
            source: single.source,
            birthDate: single.birthDate,
            aliases: single.aliases,
          },
        ];
      else
        throw new Problem(
          'VALIDATION_FAILED',
          'Send either one entry {name, birthDate?, source, aliases?} or {entries: [...]}.',
          {
            errors: entries
              ? [{ field: '(body)', code: 'UNKNOWN_FIELD' }]
              : [
                  ...(single.name === undefined ? [{ field: 'name', code: 'REQUIRED' }] : []),
                  ...(single.source === undefined ? [{ field: 'source', code: 'REQUIRED' }] : []),
                ],
          },
        );

      const errors: { field: string; code: string }[] = [];
      const rows = list.map((entry, i) => {
        const field = (f: string) => (entries ? `entries/${i}/${f}` : f);
        const name = normalizeListedName(entry.name);
        const source = entry.source.trim();
        if (name === '') errors.push({ field: field('name'), code: 'INVALID_NAME' });
        if (source === '') errors.push({ field: field('source'), code: 'REQUIRED' });
        if (entry.birthDate !== undefined && !isListedBirthDate(entry.birthDate))
          errors.push({ field: field('birthDate'), code: 'INVALID_DATE' });
        return {
          name,
          aliases: normalizeAliases(entry.name, entry.aliases ?? []),
          birthDate: entry.birthDate ?? null,
          source,
        };
      });
      if (errors.length > 0)
        throw new Problem('VALIDATION_FAILED', 'Some watch-list entries are not valid.', {
          errors,
        });
      const changeId = `ops:watchlist:${randomUUID()}`;
      const { added, duplicates } = await store.addWatchlistEntries(rows, {
        changeId,
        actor: request.user.sub,
      });
      const rescreenWorkflowId = await startRescreen(app, changeId);
      return reply.code(201).send({ count: rows.length, added, duplicates, rescreenWorkflowId });
    },
  );
  app.get(
    '/v1/ops/watchlist',
    {
      onRequest: app.requireRole('ops'),
      schema: {
        summary: 'The watch list, oldest entry first',
        description: 'Page with `cursor` = the `nextCursor` of the previous page.',
        tags: ['ops'],
        security: [{ bearer: [] }],
        querystring: PageQuery,
        response: { 200: WatchlistPage, ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { cursor } = request.query;
      const page = await store.listWatchlist({
        limit: Number(request.query.limit ?? 50),
        ...(cursor !== undefined ? { cursor: Number(cursor) } : {}),
      });
      return {
        items: page.items.map(entryView),
        ...(page.nextCursor !== undefined ? { nextCursor: String(page.nextCursor) } : {}),
      };
    },
  );

  app.delete(
    '/v1/ops/watchlist/:id',
    {
      onRequest: app.requireRole('ops'),
      schema: {
        summary: 'Remove a watch-list entry',
        description:
          'Audited (`WATCHLIST_ENTRY_REMOVED`); re-screens the active wallets like any change.',
        tags: ['ops'],
        security: [{ bearer: [] }],
        params: WatchlistIdParams,
        response: { 200: RemoveWatchlistResponse, ...problemResponses(400, 401, 403, 404, 503) },
      },
    },
    async (request) => {
      const id = Number(request.params.id);
      const changeId = `ops:watchlist-remove:${randomUUID()}`;
      if (!(await store.removeWatchlistEntry(id, { changeId, actor: request.user.sub })))
        throw notFound('watch-list entry');
      return { removed: String(id), rescreenWorkflowId: await startRescreen(app, changeId) };
    },
  );

  app.get(
    '/v1/ops/alerts',
    {
      onRequest: app.requireRole('ops'),
      schema: {
        summary: 'Ops alerts, newest first',
        description:
          '`WATCHLIST_ALERT`: an active wallet matches a watch-list entry listed after it was ' +
          'screened. The wallet is not frozen; ops decide. Ids and scores only, no personal data.',
        tags: ['ops'],
        security: [{ bearer: [] }],
        querystring: PageQuery,
        response: { 200: AlertPage, ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { cursor } = request.query;
      const page = await store.listWatchlistAlerts({
        limit: Number(request.query.limit ?? 50),
        ...(cursor !== undefined ? { cursor: Number(cursor) } : {}),
      });
      return {
        items: page.items.map((row) => ({
          id: String(row.id),
          at: row.at.toISOString(),
          kind: 'WATCHLIST_ALERT' as const,
          walletId: row.walletId,
          entryId: Number(row.detail?.entryId),
          score: Number(row.detail?.score),
        })),
        ...(page.nextCursor !== undefined ? { nextCursor: String(page.nextCursor) } : {}),
      };
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
      const rows = await store.auditPage({
        ...(subjectType !== undefined ? { subjectType } : {}),
        ...(subjectId !== undefined ? { subjectId } : {}),
        ...(actor !== undefined ? { actor } : {}),
        ...(cursor !== undefined ? { beforeId: Number(cursor) } : {}),
        limit: limit + 1,
      });
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

  app.get(
    '/v1/ops/reconciliation',
    {
      onRequest: app.requireRole('ops'),
      schema: {
        summary: 'Reconcile top-ups and withdrawals with the bank’s record of transfers',
        description:
          'Every top-up and withdrawal of the wallet ledger against the bank’s transfer of the ' +
          'same id: COMPLETED must be APPLIED there with the same direction and amount, FAILED ' +
          'refused or unknown there; PENDING ones are under way and only listed. When the bank ' +
          'lists its transfers, an applied one the ledger does not know is a mismatch too. Same ' +
          'check as `npm run reconcile`; each run is audited (`RECONCILED`). Ids and amounts ' +
          'only, no personal data. It asks the bank once per movement: run it off-peak.',
        tags: ['ops'],
        security: [{ bearer: [] }],
        response: { 200: ReconciliationResponse, ...problemResponses(401, 403, 503) },
      },
    },
    async (request) => {
      const result = await reconcile(store, bank);
      await store.appendAuditRows([
        {
          eventKey: `ops:reconciliation:${randomUUID()}`,
          at: new Date(),
          actor: request.user.sub,
          action: 'RECONCILED',
          subjectType: 'bank',
          subjectId: config.sandbox ? 'sandbox' : 'core-banking',
          detail: {
            ok: result.ok,
            checked: result.checked,
            pending: result.pending.length,
            mismatches: result.mismatches.length,
          },
        },
      ]);
      return result;
    },
  );
};

export default ops;
