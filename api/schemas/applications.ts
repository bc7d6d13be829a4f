import { Type, type Static } from '@fastify/type-provider-typebox';
import { APPLICATION_STATUSES, NEXT_ACTIONS } from '../../domain/codes';
import {
  AppVersionField,
  BankCardField,
  IdNumberField,
  LoginPasswordField,
  NameField,
  PhoneField,
} from './fields';

export const CreateApplicationBody = Type.Object(
  {
    name: NameField,
    idNumber: IdNumberField,
    phone: PhoneField,
    bankCardNumber: BankCardField,
    appVersion: AppVersionField,
    loginPassword: LoginPasswordField,
  },
  { additionalProperties: false },
);
export type CreateApplicationBody = Static<typeof CreateApplicationBody>;

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:-]+$' }),
  ),
});

export const ApplicationCreated = Type.Object({
  applicationId: Type.String(),
  status: Type.Enum(APPLICATION_STATUSES),
  nextAction: Type.Enum(NEXT_ACTIONS),
  applicantToken: Type.String(),
});

const Applicant = Type.Object({
  name: Type.String(),
  idNumber: Type.String(),
  phone: Type.String(),
  bankCardNumber: Type.Optional(Type.String()),
});

export const ApplicationResponse = Type.Object({
  applicationId: Type.String(),
  status: Type.Enum(APPLICATION_STATUSES),
  nextAction: Type.Enum(NEXT_ACTIONS),
  reasons: Type.Array(
    Type.Object({
      code: Type.String(),
      message: Type.String(),
      field: Type.Optional(Type.String()),
    }),
  ),
  attemptsLeft: Type.Object({
    otp: Type.Integer(),
    photo: Type.Integer(),
    resubmission: Type.Integer(),
  }),
  reviewDueAt: Type.Optional(Type.String({ format: 'date-time' })),
  applicant: Applicant,
  walletId: Type.Optional(Type.String()),
  tier: Type.Optional(Type.String()),
  stepDeadline: Type.Optional(Type.String({ format: 'date-time' })),
  review: Type.Optional(
    Type.Object({}, { additionalProperties: true, description: 'Staff only: the review file' }),
  ),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
