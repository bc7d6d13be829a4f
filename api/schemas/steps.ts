import { Type, type Static } from '@fastify/type-provider-typebox';
import { REVIEW_REASON_CODES } from '../../domain/codes';
import { IdNumberField, NameField, PhoneField, BankCardField } from './fields';

export const OtpVerifyBody = Type.Object(
  { code: Type.String({ pattern: '^\\d{6}$', description: 'The 6-digit code sent by SMS' }) },
  { additionalProperties: false },
);

export const GuardianBody = Type.Object(
  {
    name: Type.String({ maxLength: 200 }),
    idNumber: Type.String({ maxLength: 40 }),
    phone: Type.String({ maxLength: 20 }),
    relationship: Type.Enum(['PARENT', 'LEGAL_GUARDIAN']),
  },
  { additionalProperties: false },
);

export const ResubmissionBody = Type.Object(
  {
    name: Type.Optional(NameField),
    idNumber: Type.Optional(IdNumberField),
    phone: Type.Optional(PhoneField),
    bankCardNumber: Type.Optional(BankCardField),
  },
  { additionalProperties: false },
);

export const PaymentPasswordBody = Type.Object(
  { paymentPassword: Type.String({ maxLength: 64 }) },
  { additionalProperties: false },
);

export const DecisionBody = Type.Object(
  {
    decision: Type.Enum(['APPROVE', 'REJECT']),
    reasonCode: Type.Optional(Type.Enum(REVIEW_REASON_CODES)),
    rejectType: Type.Optional(Type.Enum(['RETRY', 'FINAL'])),
    messageToApplicant: Type.Optional(Type.String({ maxLength: 500 })),
    internalNote: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);
export type DecisionBody = Static<typeof DecisionBody>;

export const EmptyBody = Type.Optional(Type.Object({}, { additionalProperties: false }));
