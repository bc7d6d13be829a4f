// Transfers between wallets, the recipient look-up and payment codes (SPEC §2.1).
import { Type, type Static } from '@fastify/type-provider-typebox';
import { PAYMENT_CODE_PATTERN } from '../../crypto/payment-code';
import { PhoneField } from './fields';
import { Amount, MerchantId, PaymentPassword, Reference, TransactionSchema } from './wallets';

export const TransferBody = Type.Object(
  { toPhone: PhoneField, amount: Amount, paymentPassword: PaymentPassword },
  { additionalProperties: false },
);
export type TransferBody = Static<typeof TransferBody>;

export const RecipientQuery = Type.Object({ phone: PhoneField }, { additionalProperties: false });

export const RecipientResponse = Type.Object({
  maskedName: Type.String({
    description: 'the name of the wallet’s owner with all but its last character masked',
    examples: ['*三'],
  }),
});

export const PaymentCodeResponse = Type.Object({
  code: Type.String({
    pattern: PAYMENT_CODE_PATTERN.source,
    description: '18 digits; good for one payment until expiresAt',
    examples: ['284019375561029384'],
  }),
  qrSvg: Type.String({ description: 'the code as a QR code, an SVG document' }),
  expiresAt: Type.String({ format: 'date-time' }),
});

export const ChargeBody = Type.Object(
  {
    paymentCode: Type.String({ minLength: 1, maxLength: 64, examples: ['284019375561029384'] }),
    amount: Amount,
    merchantId: MerchantId,
    reference: Type.Optional(Reference),
  },
  { additionalProperties: false },
);
export type ChargeBody = Static<typeof ChargeBody>;

/** The merchant learns the payment, not the customer's wallet or balance. */
export const ChargeResponse = Type.Object({ transaction: TransactionSchema });
