import { Type, type Static } from '@fastify/type-provider-typebox';

export const CreateSessionBody = Type.Object(
  {
    // Deliberately not the strict formats: a malformed phone or password must answer the same
    // 401 as a wrong one, not tell the caller which of the two was off.
    phone: Type.String({ minLength: 1, maxLength: 20, examples: ['13800138000'] }),
    password: Type.String({ minLength: 1, maxLength: 256 }),
  },
  { additionalProperties: false },
);
export type CreateSessionBody = Static<typeof CreateSessionBody>;

export const SessionResponse = Type.Object({
  token: Type.String(),
  applicationId: Type.String(),
});
