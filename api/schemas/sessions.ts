import { Type, type Static } from '@fastify/type-provider-typebox';

const DeviceId = Type.String({ minLength: 1, maxLength: 200, examples: ['a1b2c3d4-device'] });

export const CreateSessionBody = Type.Object(
  {
    // Deliberately not the strict formats: a malformed phone or password must answer the same
    // 401 as a wrong one, not tell the caller which of the two was off.
    phone: Type.String({ minLength: 1, maxLength: 20, examples: ['13800138000'] }),
    password: Type.String({ minLength: 1, maxLength: 256 }),
    /** The app's stable id of this device (SPEC §2.1): an unseen one is asked for an SMS code. */
    deviceId: Type.Optional(DeviceId),
  },
  { additionalProperties: false },
);
export type CreateSessionBody = Static<typeof CreateSessionBody>;

export const SessionResponse = Type.Object({
  token: Type.String(),
  applicationId: Type.String(),
});

export const DeviceChallengeResponse = Type.Object({
  challenge: Type.Literal('SMS_CODE'),
  code: Type.Literal('DEVICE_VERIFICATION_REQUIRED'),
  expiresInSeconds: Type.Integer(),
  retryAfterSeconds: Type.Optional(Type.Integer()),
});

export const VerifySessionBody = Type.Object(
  {
    phone: Type.String({ minLength: 1, maxLength: 20, examples: ['13800138000'] }),
    deviceId: Type.Optional(DeviceId),
    code: Type.String({ minLength: 1, maxLength: 12, examples: ['123456'] }),
  },
  { additionalProperties: false },
);
