// Signing in again as an applicant (SPEC §5): phone and login password → applicant token.
import rateLimit from '@fastify/rate-limit';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { randomBytes } from 'node:crypto';
import { desc, eq } from 'drizzle-orm';
import { applicantLogins } from '../../db/schema';
import { isValidPhone } from '../../domain/fields';
import type { Config } from '../../lib/config';
import { hashPassword, verifyPassword } from '../../lib/password-hash';
import { blindIndex } from '../../lib/pii';
import { Problem, unauthorized } from '../problem';
import { problemResponses } from '../schemas/common';
import { CreateSessionBody, SessionResponse } from '../schemas/sessions';
import { applicantClaims } from '../tokens';

const WRONG_CREDENTIALS = 'The phone number or password is wrong.';
// Guessing a 8+ character password online must be slow: a few tries per phone and client.
const ATTEMPTS = 10;
const WINDOW_MS = 10 * 60_000;

const sessions: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, { config }) => {
  const { db } = app.database;
  // Scoped to this plugin (global: false): only routes that ask for it are limited. Counters
  // live in this process; with several API instances each one counts its own.
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) =>
      new Problem(
        429,
        'TOO_MANY_REQUESTS',
        `Too many sign-in attempts; try again in ${context.after}.`,
        {},
        { 'Retry-After': String(Math.max(1, Math.ceil(context.ttl / 1000))) },
      ),
  });
  // Verified against when the phone is unknown, so that a wrong phone costs the same slow hash
  // as a wrong password and timing does not reveal who has applied.
  let decoy: Promise<string> | undefined;
  const decoyHash = () => (decoy ??= hashPassword(randomBytes(16).toString('hex')));

  app.post(
    '/v1/sessions',
    {
      config: {
        rateLimit: {
          max: ATTEMPTS,
          timeWindow: WINDOW_MS,
          // After body parsing, so the phone can be part of the key.
          hook: 'preHandler',
          keyGenerator: (request) => {
            const phone = (request.body as { phone?: unknown } | undefined)?.phone;
            return `${request.ip}|${typeof phone === 'string' ? phone.trim() : ''}`;
          },
        },
      },
      schema: {
        summary: "Sign in as an applicant: the token for the phone's most recent application",
        tags: ['applications'],
        body: CreateSessionBody,
        response: { 200: SessionResponse, ...problemResponses(400, 401, 429) },
      },
    },
    async (request) => {
      const phone = request.body.phone.trim();
      const login = isValidPhone(phone)
        ? db
            .select()
            .from(applicantLogins)
            .where(eq(applicantLogins.phoneIndex, blindIndex(config.piiKey, 'phone', phone)))
            .orderBy(desc(applicantLogins.createdAt))
            .get()
        : undefined;
      const ok = await verifyPassword(
        request.body.password,
        login?.passwordHash ?? (await decoyHash()),
      );
      if (!login || !ok) throw unauthorized(WRONG_CREDENTIALS);
      return {
        token: app.signApplicantToken(applicantClaims(login.applicationId)),
        applicationId: login.applicationId,
      };
    },
  );
};

export default sessions;
