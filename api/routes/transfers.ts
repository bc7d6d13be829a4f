// Transfers between wallets, the recipient look-up before them, and payment codes (SPEC §2.1).
// The ledger decides; this file maps its answers onto HTTP, as api/routes/wallets.ts does.
//
// The look-up, like a transfer refused RECIPIENT_NOT_FOUND, tells whether a phone has a wallet:
// both are counted per caller across API processes (api/throttles.ts), and only the owner of a
// wallet may ask.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import type { Config } from '../../config/config';
import { blindIndex } from '../../crypto/pii';
import { newPaymentCode, paymentCodeDigest } from '../../crypto/payment-code';
import { LedgerError, recipientNotFound, webhooksEnabled } from '../../db/store';
import { maskName } from '../../domain/mask';
import { ledgerCall, ledgerProblem } from '../ledger-calls';
import { rateLimited } from '../plugins/rate-limit';
import { Problem } from '../problem';
import { throttle } from '../throttles';
import { visibleWallet } from '../wallet-access';
import { signalBalanceChanged } from './deregistration';
import { IdParams, problemResponses } from '../schemas/common';
import {
  PaymentCodeResponse,
  RecipientQuery,
  RecipientResponse,
  TransferBody,
} from '../schemas/transfers';
import { MoneyHeaders, MovementResponse } from '../schemas/wallets';

const transfers: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, { config }) => {
  const ledger = app.store.createLedger({ webhookEvents: webhooksEnabled(config) });
  const phoneIndex = (phone: string) => blindIndex(config.piiKey, 'phone', phone.trim());
  /** One hit of the caller's look-up allowance (429 past it). */
  const countLookup = (request: FastifyRequest) =>
    throttle(app, 'recipientLookupsPerCaller', request.user.sub);

  app.post(
    '/v1/wallets/:id/transfers',
    {
      onRequest: app.requireRole('applicant'),
      config: rateLimited('money'),
      schema: {
        summary: 'Transfer to the wallet of a verified phone, at once (payment password required)',
        description:
          "Debits this wallet and credits the payee's in one step; both histories show it " +
          '(TRANSFER_OUT / TRANSFER_IN). The payer’s payment limits and risk rules apply, ' +
          'shared with payments; the payee’s balance cap applies. 422 RECIPIENT_NOT_FOUND when ' +
          'no active wallet has the phone, or it is the payer’s own.',
        tags: ['wallets'],
        security: [{ bearer: [] }],
        params: IdParams,
        headers: MoneyHeaders,
        body: TransferBody,
        response: {
          200: MovementResponse,
          201: MovementResponse,
          ...problemResponses(400, 401, 403, 404, 409, 422, 429),
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      await visibleWallet(ledger, request, id);
      const { toPhone, amount, paymentPassword } = request.body;
      let result;
      try {
        result = await ledger.transfer(
          id,
          phoneIndex(toPhone),
          amount,
          request.headers['idempotency-key'],
          paymentPassword,
        );
      } catch (error) {
        if (error instanceof LedgerError && error.code === 'RECIPIENT_NOT_FOUND')
          await countLookup(request);
        throw ledgerProblem(error);
      }
      if (result.replayed) void reply.header('Idempotent-Replayed', 'true');
      // A deregistration waiting on either balance hears of it at once.
      else
        await Promise.all([
          signalBalanceChanged(app, id),
          signalBalanceChanged(app, result.toWalletId),
        ]);
      return reply
        .code(result.replayed ? 200 : 201)
        .send({ transaction: result.transaction, balance: result.balance });
    },
  );

  app.get(
    '/v1/wallets/recipients',
    {
      onRequest: app.requireRole('applicant'),
      schema: {
        summary: 'Whom a transfer to this phone would pay: the owner’s masked name',
        description:
          'For the owner of an active wallet. Counted per caller (30 a day, with the transfers ' +
          'refused RECIPIENT_NOT_FOUND): it tells whether a phone has a wallet.',
        tags: ['wallets'],
        security: [{ bearer: [] }],
        querystring: RecipientQuery,
        response: { 200: RecipientResponse, ...problemResponses(400, 401, 403, 409, 422, 429) },
      },
    },
    async (request) => {
      const own = request.user.applicationId
        ? await app.store.loadApplicationView(app.piiKey, request.user.applicationId)
        : null;
      if (!own || own === 'ERASED' || !own.walletId)
        throw new Problem('INVALID_STATE', 'Only the owner of a wallet may look up recipients.');
      await countLookup(request);
      const payee = await ledgerCall(() => ledger.recipientOf(phoneIndex(request.query.phone)));
      if (payee?.walletId === own.walletId) throw ledgerProblem(recipientNotFound(true));
      const view = payee
        ? await app.store.loadApplicationView(app.piiKey, payee.applicationId)
        : null;
      if (!view || view === 'ERASED') throw ledgerProblem(recipientNotFound(false));
      return { maskedName: maskName(view.applicant.name) };
    },
  );

  app.post(
    '/v1/wallets/:id/payment-codes',
    {
      onRequest: app.requireRole('applicant'),
      config: rateLimited('paymentCodes'),
      schema: {
        summary: 'A one-time payment code for a merchant to scan (18 digits, 60 s, once)',
        description:
          'Any earlier unused code of the wallet stops working. The code is a bearer ' +
          'instrument: show it, never store it.',
        tags: ['wallets'],
        security: [{ bearer: [] }],
        params: IdParams,
        response: { 201: PaymentCodeResponse, ...problemResponses(401, 403, 404, 409, 422, 429) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      await visibleWallet(ledger, request, id);
      const code = newPaymentCode();
      const { expiresAt } = await ledgerCall(() =>
        ledger.issuePaymentCode(id, paymentCodeDigest(config.piiKey, code)),
      );
      const qrSvg = await QRCode.toString(code, { type: 'svg', errorCorrectionLevel: 'M' });
      return reply.code(201).header('Cache-Control', 'no-store').send({ code, qrSvg, expiresAt });
    },
  );
};

export default transfers;
