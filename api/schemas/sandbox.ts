import { Type, type Static } from '@fastify/type-provider-typebox';
import { BANK_ACCOUNT_STATUSES } from '../../db/store';
import { BankCardField, IdNumberField, NameField, PhoneField } from './fields';

export const CreateBankAccountBody = Type.Object(
  {
    holderName: NameField,
    idNumber: IdNumberField,
    cardNumber: BankCardField,
    phone: Type.Optional(PhoneField),
    status: Type.Enum(BANK_ACCOUNT_STATUSES),
    realNameVerified: Type.Boolean(),
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
  createdAt: Type.String({ format: 'date-time' }),
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
