// Merchants charge payment codes (付款码, SPEC §2.1). A merchant token (`npm run token --
// merchant <id>`) charges in its own merchant id only; the answer is the payment, never the
// customer's wallet or balance.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Config } from '../../config/config';
import { PAYMENT_CODE_PATTERN, paymentCodeDigest } from '../../crypto/payment-code';
import { codeInvalid, webhooksEnabled } from '../../db/store';
import { ledgerCall, ledgerProblem } from '../ledger-calls';
import { rateLimited } from '../plugins/rate-limit';
import { Problem } from '../problem';
import { merchantIdOf } from '../tokens';
import { signalBalanceChanged } from './deregistration';
import { problemResponses } from '../schemas/common';
import { ChargeBody, ChargeResponse } from '../schemas/transfers';
import { MoneyHeaders } from '../schemas/wallets';

const merchant: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, { config }) => {
  const ledger = app.store.createLedger({ webhookEvents: webhooksEnabled(config) });

  app.post(
    '/v1/merchant/charges',
    {
      onRequest: app.requireRole('merchant'),
      config: rateLimited('merchantCharges'),
      schema: {
        summary: "Charge a customer's payment code (once; the rules of payments apply)",
        description:
          '422 PAYMENT_CODE_INVALID for a code unknown, already charged or replaced by a newer ' +
          'one; 422 PAYMENT_CODE_EXPIRED past its 60 s. A retry under the same Idempotency-Key ' +
          'answers the first charge (200, Idempotent-Replayed).',
        tags: ['merchants'],
        security: [{ bearer: [] }],
        headers: MoneyHeaders,
        body: ChargeBody,
        response: {
          200: ChargeResponse,
          201: ChargeResponse,
          ...problemResponses(400, 401, 403, 422, 429),
        },
      },
    },
    async (request, reply) => {
      const { paymentCode, amount, merchantId, reference } = request.body;
      if (merchantIdOf(request.user) !== merchantId)
        throw new Problem('FORBIDDEN', 'This token charges for another merchant id.');
      const code = paymentCode.trim();
      if (!PAYMENT_CODE_PATTERN.test(code)) throw ledgerProblem(codeInvalid());
      const key = request.headers['idempotency-key'];
      const result = await ledgerCall(() =>
        ledger.chargePaymentCode(
          paymentCodeDigest(config.piiKey, code),
          amount,
          merchantId,
          key,
          reference,
        ),
      );
      if (result.replayed) void reply.header('Idempotent-Replayed', 'true');
      else await signalBalanceChanged(app, result.walletId);
      return reply.code(result.replayed ? 200 : 201).send({ transaction: result.transaction });
    },
  );
};

export default merchant;
