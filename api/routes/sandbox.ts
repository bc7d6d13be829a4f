// Developer tools standing in for the bank's systems (SPEC §6): only with SANDBOX=1. With
// SANDBOX=0 these routes are never registered, so they answer 404 like any unknown path.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DuplicateCardError } from '../../db/store';
import { maskBankCard } from '../../domain/mask';
import type { Config } from '../../config/config';
import { notFound, Problem } from '../problem';
import { problemResponses } from '../schemas/common';
import {
  BankAccountParams,
  BankAccountResponse,
  BankAccountStateResponse,
  CreateBankAccountBody,
  OutboxPage,
  OutboxQuery,
} from '../schemas/sandbox';

const sandbox: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, { config }) => {
  if (!config.sandbox) return;
  const { store } = app;

  app.post(
    '/v1/sandbox/bank-accounts',
    {
      onRequest: app.requireRole('ops'),
      schema: {
        summary: 'Create an account in the sandbox core-banking system',
        tags: ['sandbox'],
        security: [{ bearer: [] }],
        body: CreateBankAccountBody,
        response: { 201: BankAccountResponse, ...problemResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      let account;
      try {
        account = await store.insertSandboxAccount(config.piiKey, request.body);
      } catch (error) {
        if (error instanceof DuplicateCardError)
          throw new Problem('CONFLICT', 'An account with this card number already exists.');
        throw error;
      }
      await store.appendAudit({
        eventKey: `sandbox:bank-account:${account.id}`,
        at: account.createdAt,
        actor: request.user.sub,
        action: 'SANDBOX_BANK_ACCOUNT_CREATED',
        subjectType: 'bank-account',
        subjectId: account.id,
        detail: { status: account.status, realNameVerified: account.realNameVerified },
      });
      return reply.code(201).send({
        accountId: account.id,
        holderName: account.holderName,
        idNumber: account.idNumber,
        cardNumber: maskBankCard(account.cardNumber),
        ...(account.phone ? { phone: account.phone } : {}),
        status: account.status,
        realNameVerified: account.realNameVerified,
        balance: account.balance,
        createdAt: account.createdAt.toISOString(),
      });
    },
  );

  app.get(
    '/v1/sandbox/bank-accounts/:accountId',
    {
      onRequest: app.requireRole('ops'),
      schema: {
        summary: 'A sandbox core-banking account: status, balance (fen) and its transfers',
        tags: ['sandbox'],
        security: [{ bearer: [] }],
        params: BankAccountParams,
        response: { 200: BankAccountStateResponse, ...problemResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const account = await store.sandboxAccountById(request.params.accountId);
      if (!account) throw notFound('bank account');
      return { ...account, createdAt: account.createdAt.toISOString() };
    },
  );

  app.get(
    '/v1/sandbox/outbox',
    {
      onRequest: app.requireRole('ops'),
      schema: {
        summary: 'Messages the sandbox delivered (SMS codes included), newest first',
        tags: ['sandbox'],
        security: [{ bearer: [] }],
        querystring: OutboxQuery,
        response: { 200: OutboxPage, ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const { recipient, cursor } = request.query;
      const limit = Number(request.query.limit ?? 50);
      // Found by blind index, opened row by row: the table holds no recipient or text in clear.
      const rows = await store.readOutbox(config.piiKey, {
        ...(recipient !== undefined ? { recipient: recipient.trim() } : {}),
        ...(cursor !== undefined ? { before: Number(cursor) } : {}),
        limit: limit + 1,
      });
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return {
        items: page.map((m) => ({
          recipient: m.recipient,
          channel: m.channel,
          template: m.template,
          text: m.text,
          createdAt: m.createdAt.toISOString(),
        })),
        ...(rows.length > limit && last ? { nextCursor: String(last.id) } : {}),
      };
    },
  );
};

export default sandbox;
