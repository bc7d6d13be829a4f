// Bearer JWT authentication (HS256 only: `alg: none` and other algorithms are refused) and
// role checks. Routes declare who may call them with `onRequest: app.requireRole(...)`: as an
// onRequest hook it runs before the body is read or validated, so a caller without the right
// token hears 401/403 whatever it sent, and costs no body parsing.
import jwt from '@fastify/jwt';
import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../../config/config';
import { forbidden, unauthorized } from '../problem';
import {
  APPLICANT_TOKEN_TTL,
  ROLES,
  TOKEN_ALGORITHM,
  TOKEN_ISSUER,
  type Role,
  type TokenClaims,
} from '../tokens';

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: TokenClaims;
    user: TokenClaims;
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    requireRole(...roles: Role[]): onRequestAsyncHookHandler;
    signApplicantToken(claims: TokenClaims): string;
  }
}

export default fp(
  async function auth(app: FastifyInstance, opts: { config: Config }) {
    await app.register(jwt, {
      secret: opts.config.authSecret,
      sign: { algorithm: TOKEN_ALGORITHM, expiresIn: APPLICANT_TOKEN_TTL, iss: TOKEN_ISSUER },
      verify: { algorithms: [TOKEN_ALGORITHM], allowedIss: TOKEN_ISSUER },
    });

    async function authenticate(request: FastifyRequest): Promise<TokenClaims> {
      if (!request.headers.authorization) throw unauthorized();
      try {
        await request.jwtVerify();
      } catch {
        throw unauthorized('The bearer token is invalid or expired.');
      }
      if (!ROLES.includes(request.user.role)) throw unauthorized('The token has no known role.');
      if (request.user.role === 'applicant' && request.user.applicationId)
        await refuseSignedOut(request.user);
      return request.user;
    }

    /**
     * A token issued before its person's sessions were all signed out (a password reset) is
     * refused. Read from the app database on every request, so that the sign-out holds in every
     * API process at once (SPEC §8).
     */
    async function refuseSignedOut(claims: TokenClaims & { iat?: number }): Promise<void> {
      const revokedAt = await app.store.sessionsRevokedAt(claims.applicationId!);
      if (revokedAt === null) return;
      const issuedAt = claims.issuedAtMs ?? (claims.iat ?? 0) * 1000;
      if (issuedAt < revokedAt) throw unauthorized('This session was signed out; sign in again.');
    }

    app.decorate('requireRole', (...roles: Role[]) => async (request: FastifyRequest) => {
      const claims = await authenticate(request);
      if (!roles.includes(claims.role)) throw forbidden();
    });
    app.decorate('signApplicantToken', (claims: TokenClaims) =>
      app.jwt.sign({ ...claims, issuedAtMs: Date.now() }),
    );
  },
  { name: 'auth' },
);
