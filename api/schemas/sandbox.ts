import { Type, type Static } from '@fastify/type-provider-typebox';
import {
  BANK_ACCOUNT_STATUSES,
  BANK_TRANSFER_DIRECTIONS,
  BANK_TRANSFER_REFUSALS,
} from '../../db/store';
import { BankCardField, IdNumberField, NameField, PhoneField } from './fields';

export const CreateBankAccountBody = Type.Object(
  {
    holderName: NameField,
    idNumber: IdNumberField,
    cardNumber: BankCardField,
    phone: Type.Optional(PhoneField),
    status: Type.Enum(BANK_ACCOUNT_STATUSES),
    realNameVerified: Type.Boolean(),
    balance: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: Number.MAX_SAFE_INTEGER,
        description: 'fen; 100,000,000 (1,000,000 CNY) when left out',
      }),
    ),
  },
  { additionalProperties: false },
);
export type CreateBankAccountBody = Static<typeof CreateBankAccountBody>;

export const BankAccountResponse = Type.Object({
  accountId: Type.String(),
  holderName: Type.String(),
  idNumber: Type.String(),
  cardNumber: Type.String({ description: 'Masked: only the last four digits are shown' }),
  phone: Type.Optional(Type.String()),
  status: Type.Enum(BANK_ACCOUNT_STATUSES),
  realNameVerified: Type.Boolean(),
  balance: Type.Integer({ description: 'fen' }),
  createdAt: Type.String({ format: 'date-time' }),
});

export const BankAccountParams = Type.Object({
  accountId: Type.String({ minLength: 1, maxLength: 64 }),
});

export const BankTransferRecord = Type.Object({
  transferId: Type.String(),
  direction: Type.Enum(BANK_TRANSFER_DIRECTIONS),
  amount: Type.Integer(),
  status: Type.Enum(['APPLIED', 'REFUSED'] as const),
  refusal: Type.Optional(Type.Enum(BANK_TRANSFER_REFUSALS)),
});

export const BankAccountStateResponse = Type.Object({
  accountId: Type.String(),
  status: Type.Enum(BANK_ACCOUNT_STATUSES),
  realNameVerified: Type.Boolean(),
  balance: Type.Integer({ description: 'fen' }),
  createdAt: Type.String({ format: 'date-time' }),
  transfers: Type.Array(BankTransferRecord, {
    description: 'Transfers the bank recorded, oldest first',
  }),
});

export const OutboxQuery = Type.Object(
  {
    recipient: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    // Strings: the API does not coerce types, and a query string has no numbers.
    limit: Type.Optional(
      Type.String({ pattern: '^(?:[1-9]|[1-9][0-9]|100)$', description: '1–100, default 50' }),
    ),
    cursor: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,15}$' })),
  },
  { additionalProperties: false },
);

export const OutboxMessage = Type.Object({
  recipient: Type.String(),
  channel: Type.String(),
  template: Type.String(),
  text: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
});

export const OutboxPage = Type.Object({
  items: Type.Array(OutboxMessage),
  nextCursor: Type.Optional(Type.String()),
});
