// Using the wallet (SPEC §2, §5): balance, top-ups, withdrawals, payments, history, and the ops
// freeze. The ledger (the Store's ledger) decides; this file maps its answers onto HTTP.
// Top-ups and withdrawals move money at the bank through a workflow (api/money-movements.ts).
//
// A new movement answers 201 (202 while a top-up or withdrawal is still at the bank); a replay
// under the same Idempotency-Key answers 200 with the first result and `Idempotent-Replayed:
// true`. Refusals are 422 with the ledger's reason code, except a closed wallet (409
// INVALID_STATE) and someone else's or an unknown wallet (404).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config/config';
import { webhooksEnabled, type MovementResult } from '../../db/store';
import { rateLimited } from '../plugins/rate-limit';
import { ledgerCall } from '../ledger-calls';
import { moveMoney } from '../money-movements';
import { visibleWallet as visibleWalletOf } from '../wallet-access';
import { signalBalanceChanged } from './deregistration';
import { IdParams, problemResponses } from '../schemas/common';
import {
  FreezeBody,
  MoneyHeaders,
  MovementResponse,
  PaymentBody,
  TopUpBody,
  TransactionPageResponse,
  TransactionsQuery,
  WalletResponse,
  WithdrawalBody,
} from '../schemas/wallets';

const wallets: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, { config }) => {
  const ledger = app.store.createLedger({
    webhookEvents: webhooksEnabled(config),
  });

  /** The wallet if the caller may see it: ops any, an applicant only the one it opened. */
  const visibleWallet = (request: FastifyRequest, id: string) =>
    visibleWalletOf(ledger, request, id);

  async function sendMovement(reply: FastifyReply, walletId: string, result: MovementResult) {
    // A deregistration waiting for a zero balance hears about every movement at once.
    if (!result.replayed) await signalBalanceChanged(app, walletId);
    if (result.replayed) void reply.header('Idempotent-Replayed', 'true');
    return reply
      .code(result.replayed ? 200 : 201)
      .send({ transaction: result.transaction, balance: result.balance });
  }

  const moneyResponses = {
    200: MovementResponse,
    201: MovementResponse,
    ...problemResponses(400, 401, 403, 404, 409, 422),
  };
  const bankMoneyResponses = {
    ...moneyResponses,
    202: MovementResponse,
    ...problemResponses(400, 401, 403, 404, 409, 422, 503),
  };

  /**
   * A top-up or withdrawal: the movement's workflow, answered as it stands after a few seconds.
   * Its workflow signals a waiting deregistration itself once it settles (also when that is
   * after a 202): no second signal from here, which would cost the request a round trip.
   */
  function sendBankMovement(reply: FastifyReply, moved: { result: MovementResult }) {
    const { result } = moved;
    return reply.send({ transaction: result.transaction, balance: result.balance });
  }

  app.get(
    '/v1/wallets/:id',
    {
      onRequest: app.requireRole('applicant', 'ops'),
      schema: {
        summary: 'A wallet: status, tier, limits and balance (fen)',
        tags: ['wallets'],
        security: [{ bearer: [] }],
        params: IdParams,
        response: { 200: WalletResponse, ...problemResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const wallet = await visibleWallet(request, request.params.id);
      return {
        walletId: wallet.walletId,
        status: wallet.status,
        tier: wallet.tier,
        balance: wallet.balance,
        limits: wallet.limits,
        createdAt: wallet.createdAt,
        // Which risk rule fired is for ops; telling the owner would coach evasion.
        ...(request.user.role === 'ops' && wallet.frozenReason
          ? { frozenReason: wallet.frozenReason }
          : {}),
      };
    },
  );

  app.post(
    '/v1/wallets/:id/top-ups',
    {
      onRequest: app.requireRole('applicant'),
      schema: {
        summary: 'Top up from the bound bank card',
        tags: ['wallets'],
        security: [{ bearer: [] }],
        params: IdParams,
        headers: MoneyHeaders,
        body: TopUpBody,
        response: bankMoneyResponses,
      },
    },
    async (request, reply) => {
      const wallet = await visibleWallet(request, request.params.id);
      const moved = await moveMoney(app, config, ledger, reply, {
        wallet,
        kind: 'TOP_UP',
        amount: request.body.amount,
        idempotencyKey: request.headers['idempotency-key'],
      });
      return sendBankMovement(reply, moved);
    },
  );

  app.post(
    '/v1/wallets/:id/withdrawals',
    {
      onRequest: app.requireRole('applicant'),
      config: rateLimited('money'),
      schema: {
        summary: 'Withdraw to the bound bank card (payment password required)',
        tags: ['wallets'],
        security: [{ bearer: [] }],
        params: IdParams,
        headers: MoneyHeaders,
        body: WithdrawalBody,
        response: bankMoneyResponses,
      },
    },
    async (request, reply) => {
      const wallet = await visibleWallet(request, request.params.id);
      const { amount, paymentPassword } = request.body;
      const moved = await moveMoney(app, config, ledger, reply, {
        wallet,
        kind: 'WITHDRAWAL',
        amount,
        idempotencyKey: request.headers['idempotency-key'],
        paymentPassword,
      });
      return sendBankMovement(reply, moved);
    },
  );

  app.post(
    '/v1/wallets/:id/payments',
    {
      onRequest: app.requireRole('applicant'),
      config: rateLimited('money'),
      schema: {
        summary: 'Pay a merchant or a bill (payment password required; `reference` optional)',
        tags: ['wallets'],
        security: [{ bearer: [] }],
        params: IdParams,
        headers: MoneyHeaders,
        body: PaymentBody,
        response: moneyResponses,
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      await visibleWallet(request, id);
      const { amount, merchantId, paymentPassword, reference } = request.body;
      const key = request.headers['idempotency-key'];
      const result = await ledgerCall(() =>
        ledger.pay(id, amount, merchantId, key, paymentPassword, reference),
      );
      return sendMovement(reply, request.params.id, result);
    },
  );

  app.get(
    '/v1/wallets/:id/transactions',
    {
      onRequest: app.requireRole('applicant', 'ops'),
      schema: {
        summary: 'Transaction history, newest first',
        tags: ['wallets'],
        security: [{ bearer: [] }],
        params: IdParams,
        querystring: TransactionsQuery,
        response: { 200: TransactionPageResponse, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { id } = request.params;
      await visibleWallet(request, id);
      const { limit, cursor } = request.query;
      return ledgerCall(() =>
        ledger.transactions(id, {
          ...(limit !== undefined ? { limit: Number(limit) } : {}),
          ...(cursor !== undefined ? { cursor } : {}),
        }),
      );
    },
  );

  for (const action of ['freeze', 'unfreeze'] as const) {
    app.post(
      `/v1/wallets/:id/${action}`,
      {
        // The body may be left out altogether: a freeze needs no reason to take effect.
        preValidation: async (request) => {
          request.body ??= {};
        },
        onRequest: app.requireRole('ops'),
        schema: {
          summary:
            action === 'freeze'
              ? 'Freeze a wallet: no money moves until unfrozen (no change if already frozen)'
              : 'Unfreeze a wallet (no change if it is not frozen)',
          tags: ['wallets'],
          security: [{ bearer: [] }],
          params: IdParams,
          body: FreezeBody,
          response: { 200: WalletResponse, ...problemResponses(400, 401, 403, 404, 409) },
        },
      },
      async (request) => {
        const { id } = request.params;
        const reason = request.body.reason?.trim() || undefined;
        const wallet = await ledgerCall(() =>
          action === 'freeze'
            ? ledger.freeze(id, request.user.sub, reason ?? 'OPS')
            : ledger.unfreeze(id, request.user.sub, reason),
        );
        return {
          walletId: wallet.walletId,
          status: wallet.status,
          tier: wallet.tier,
          balance: wallet.balance,
          limits: wallet.limits,
          createdAt: wallet.createdAt,
          ...(wallet.frozenReason ? { frozenReason: wallet.frozenReason } : {}),
        };
      },
    );
  }
};

export default wallets;
