import { Type, type Static } from '@fastify/type-provider-typebox';
import {
  LEDGER_TRANSACTION_STATUSES,
  LEDGER_TRANSACTION_TYPES,
  WALLET_STATUSES,
} from '../../db/store';
import { TIERS } from '../../domain/tiers';

// Fen. Whole, positive and exact in a JSON number: 0, negatives, fractions and anything past
// 2^53 - 1 are refused by the schema, before the ledger sees them.
export const Amount = Type.Integer({
  minimum: 1,
  maximum: Number.MAX_SAFE_INTEGER,
  description: 'fen (0.01 CNY), a positive whole number',
  examples: [10_000],
});

// Any string: a mistyped password is a wrong password (it counts towards the lock), not a
// malformed request.
export const PaymentPassword = Type.String({ minLength: 1, maxLength: 64, examples: ['580314'] });

/** What a payment is for (a bill or account number, 水电煤), up to 64 printable characters. */
export const Reference = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[^\\u0000-\\u001f\\u007f]+$',
  description: 'what the payment is for, e.g. a utility bill number',
  examples: ['电费-2026-03-0100234'],
});

export const MerchantId = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[A-Za-z0-9._:-]+$',
  examples: ['m_coffee_001'],
});

/** Required on every money-moving request: a retry under the same key never moves money twice. */
export const MoneyHeaders = Type.Object({
  'idempotency-key': Type.String({
    minLength: 1,
    maxLength: 128,
    pattern: '^[A-Za-z0-9._:-]+$',
    description: 'Required. The same key with the same body answers the first result again.',
  }),
});

export const TopUpBody = Type.Object({ amount: Amount }, { additionalProperties: false });
export type TopUpBody = Static<typeof TopUpBody>;

export const WithdrawalBody = Type.Object(
  { amount: Amount, paymentPassword: PaymentPassword },
  { additionalProperties: false },
);
export type WithdrawalBody = Static<typeof WithdrawalBody>;

export const PaymentBody = Type.Object(
  {
    amount: Amount,
    merchantId: MerchantId,
    paymentPassword: PaymentPassword,
    reference: Type.Optional(Reference),
  },
  { additionalProperties: false },
);
export type PaymentBody = Static<typeof PaymentBody>;

export const FreezeBody = Type.Object(
  { reason: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })) },
  { additionalProperties: false },
);
export type FreezeBody = Static<typeof FreezeBody>;

export const TransactionSchema = Type.Object({
  transactionId: Type.String(),
  type: Type.Enum(LEDGER_TRANSACTION_TYPES),
  status: Type.Enum(LEDGER_TRANSACTION_STATUSES),
  amount: Type.Integer({ description: 'fen, always positive; `type` gives the direction' }),
  balanceAfter: Type.Integer(),
  merchantId: Type.Optional(Type.String()),
  reference: Type.Optional(Type.String()),
  failureCode: Type.Optional(
    Type.String({ description: 'Why a FAILED top-up or withdrawal failed (a reason code)' }),
  ),
  createdAt: Type.String({ format: 'date-time' }),
});

export const MovementResponse = Type.Object({
  transaction: TransactionSchema,
  balance: Type.Integer({ description: 'fen, after this movement' }),
});

export const WalletResponse = Type.Object({
  walletId: Type.String(),
  status: Type.Enum(WALLET_STATUSES),
  tier: Type.Enum(TIERS),
  balance: Type.Integer({ description: 'fen' }),
  limits: Type.Object({
    balanceCap: Type.Integer(),
    singlePayment: Type.Integer(),
    dailyPayments: Type.Integer({ description: 'per calendar day in Asia/Shanghai' }),
  }),
  createdAt: Type.String({ format: 'date-time' }),
  frozenReason: Type.Optional(Type.String({ description: 'ops only' })),
});

export const TransactionsQuery = Type.Object(
  {
    // Strings: the API does not coerce types, and a query string has no numbers.
    limit: Type.Optional(
      Type.String({ pattern: '^(?:[1-9]|[1-9][0-9]|100)$', description: '1–100, default 50' }),
    ),
    cursor: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,15}$' })),
  },
  { additionalProperties: false },
);

export const TransactionPageResponse = Type.Object({
  items: Type.Array(TransactionSchema),
  nextCursor: Type.Optional(Type.String()),
});
