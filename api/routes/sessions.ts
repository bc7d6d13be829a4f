// Signing in again as an applicant (SPEC §5): phone and login password → applicant token.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { randomBytes } from 'node:crypto';
import { isValidPhone } from '../../domain/fields';
import type { Config } from '../../config/config';
import { hashPassword, verifyAndRehash } from '../../crypto/password-hash';
import { blindIndex } from '../../crypto/pii';
import { rateLimited } from '../plugins/rate-limit';
import { unauthorized } from '../problem';
import { throttle, unthrottle } from '../throttles';
import { problemResponses } from '../schemas/common';
import { deviceChallenge } from '../device-checks';
import { CreateSessionBody, DeviceChallengeResponse, SessionResponse } from '../schemas/sessions';
import { applicantClaims } from '../tokens';

const WRONG_CREDENTIALS = 'The phone number or password is wrong.';

const sessions: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, { config }) => {
  const { store } = app;
  // Verified against when the phone is unknown, so that a wrong phone costs the same slow hash
  // as a wrong password and timing does not reveal who has applied.
  let decoy: Promise<string> | undefined;
  const decoyHash = () => (decoy ??= hashPassword(randomBytes(16).toString('hex')));

  app.post(
    '/v1/sessions',
    {
      // Guessing a password online must be slow: a few tries per phone and client.
      config: rateLimited('login'),
      schema: {
        summary: "Sign in as an applicant: the token for the phone's most recent application",
        tags: ['applications'],
        body: CreateSessionBody,
        response: {
          200: SessionResponse,
          202: DeviceChallengeResponse,
          ...problemResponses(400, 401, 422, 429),
        },
      },
    },
    async (request, reply) => {
      // Per client whatever the phone, shared by every API process: spraying one password over
      // many phones meets a 429. A sign-in that succeeds gives its hit back.
      const hit = await throttle(app, 'loginPerClient', request.ip);
      const phone = request.body.phone.trim();
      const login = isValidPhone(phone)
        ? await store.findVerifiedLogin(blindIndex(config.piiKey, 'phone', phone))
        : undefined;
      const { ok, rehashed } = await verifyAndRehash(
        request.body.password,
        login?.passwordHash ?? (await decoyHash()),
      );
      if (!login || !ok) throw unauthorized(WRONG_CREDENTIALS);
      await unthrottle(app, hit);
      if (rehashed) await store.replaceLoginHash(login.applicationId, login.passwordHash, rehashed);
      const challenge = await deviceChallenge(app, {
        phone,
        deviceId: request.body.deviceId,
        login,
      });
      if (challenge) return reply.code(202).send(challenge);
      return {
        token: app.signApplicantToken(applicantClaims(login.applicationId)),
        applicationId: login.applicationId,
      };
    },
  );
};

export default sessions;
