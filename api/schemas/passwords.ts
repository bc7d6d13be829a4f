// Passwords after onboarding (SPEC §2.1): changes with the old password, resets with an SMS code.
import { Type, type Static } from '@fastify/type-provider-typebox';
import { IdNumberField, PhoneField } from './fields';

// The new password's rules (§1.8, §4) are checked by the route, which knows whose it is: a
// schema failure would not say which rule.
const Secret = Type.String({ minLength: 1, maxLength: 256 });

export const ChangePaymentPasswordBody = Type.Object(
  {
    oldPaymentPassword: Type.String({ minLength: 1, maxLength: 64, examples: ['580314'] }),
    newPaymentPassword: Type.String({ minLength: 1, maxLength: 64, examples: ['731592'] }),
  },
  { additionalProperties: false },
);
export type ChangePaymentPasswordBody = Static<typeof ChangePaymentPasswordBody>;

export const ChangeLoginPasswordBody = Type.Object(
  { oldPassword: Secret, newPassword: Secret },
  { additionalProperties: false },
);

export const PasswordChangedResponse = Type.Object({
  changedAt: Type.String({ format: 'date-time' }),
});

export const LoginPasswordChangedResponse = Type.Object({
  changedAt: Type.String({ format: 'date-time' }),
  /** Every other session was signed out; this token replaces the caller's. */
  token: Type.String(),
});

export const PasswordResetBody = Type.Object(
  {
    phone: PhoneField,
    kind: Type.Union([Type.Literal('LOGIN'), Type.Literal('PAYMENT')]),
  },
  { additionalProperties: false },
);

export const PasswordResetAccepted = Type.Object({
  /** The same for every phone: a code went out if the phone is someone's verified one. */
  status: Type.Literal('CODE_SENT_IF_REGISTERED'),
  expiresInSeconds: Type.Integer(),
  resendAfterSeconds: Type.Integer(),
});

export const PasswordResetVerifyBody = Type.Object(
  {
    phone: PhoneField,
    code: Type.String({ minLength: 1, maxLength: 12, examples: ['123456'] }),
    idNumber: IdNumberField,
    newPassword: Secret,
  },
  { additionalProperties: false },
);

export const PasswordResetDone = Type.Object({
  kind: Type.Union([Type.Literal('LOGIN'), Type.Literal('PAYMENT')]),
  resetAt: Type.String({ format: 'date-time' }),
  /** Every session of the person was signed out. */
  sessionsSignedOut: Type.Literal(true),
});
