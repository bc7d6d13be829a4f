// The owner's whole transaction history as a CSV download (SPEC §2.1 数据备份): the last chance
// to keep it before closing the wallet erases it. Streamed page by page from the ledger, so a
// long history is never held in memory; each download is audited (ids only).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@fastify/type-provider-typebox';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Config } from '../../config/config';
import type { TransactionPage } from '../../db/store';
import { ledgerCall } from '../ledger-calls';
import { notFound } from '../problem';
import { IdParams, problemResponses } from '../schemas/common';
import { csvRow, STATEMENT_COLUMNS, statementRow } from '../statement-csv';

const StatementQuery = Type.Object(
  { format: Type.Optional(Type.Literal('csv', { default: 'csv' })) },
  { additionalProperties: false },
);

const PAGE = 100;

const statement: FastifyPluginAsyncTypebox<{ config: Config }> = async (app) => {
  const ledger = app.store.createLedger();

  app.get(
    '/v1/wallets/:id/statement',
    {
      onRequest: app.requireRole('applicant'),
      schema: {
        summary: "The wallet's whole transaction history as CSV, newest first (owner only)",
        tags: ['wallets'],
        security: [{ bearer: [] }],
        params: IdParams,
        querystring: StatementQuery,
        produces: ['text/csv'],
        response: {
          200: Type.Unsafe<Readable>({
            type: 'string',
            description: `CSV with a header row: ${STATEMENT_COLUMNS.join(', ')}`,
          }),
          ...problemResponses(400, 401, 403, 404, 503),
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const wallet = await ledgerCall(() => ledger.summary(id));
      // Someone else's wallet is indistinguishable from one that does not exist.
      if (request.user.applicationId !== wallet.applicationId) throw notFound('wallet');
      // The first page before any byte is sent: a fault here is still a problem+json answer.
      const first = await ledgerCall(() => ledger.transactions(id, { limit: PAGE }));
      await app.store.appendAudit({
        eventKey: `wallet:${id}:STATEMENT_DOWNLOADED:${randomUUID()}`,
        at: new Date(),
        actor: request.user.sub,
        action: 'STATEMENT_DOWNLOADED',
        subjectType: 'wallet',
        subjectId: id,
        detail: { format: 'csv' },
      });
      async function* rows(): AsyncGenerator<string> {
        yield csvRow(STATEMENT_COLUMNS);
        let page: TransactionPage = first;
        for (;;) {
          yield page.items.map(statementRow).join('');
          if (!page.nextCursor) return;
          const cursor = page.nextCursor;
          page = await ledger.transactions(id, { limit: PAGE, cursor });
        }
      }
      return reply
        .header('cache-control', 'no-store')
        .header('content-disposition', `attachment; filename="statement-${id}.csv"`)
        .type('text/csv; charset=utf-8')
        .send(Readable.from(rows()));
    },
  );
};

export default statement;
