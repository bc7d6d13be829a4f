// Passwords after onboarding (SPEC §2.1): changes with the old password, resets with an SMS code.
import { Type, type Static } from '@fastify/type-provider-typebox';

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
