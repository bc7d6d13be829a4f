// Request rate limits (SPEC §5: 429 with Retry-After), in one place. The plugin is registered
// once for the whole app with `global: false`: only routes that ask for a limit get one, through
// `config: rateLimited('…')`. Counters live in this process; with several API instances each
// one counts its own. What must hold across processes (codes per phone, applications per card and
// client, sign-ins per client) is counted in the database instead: api/throttles.ts.
//
// The limits sit above what a person does by hand and below what a script guessing codes or
// passwords needs. The workflows and the ledger have their own, stricter, per-application rules
// (OTP attempts, photo attempts, the payment-password lock); these limits only slow a caller down.
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../../config/config';
import { Problem } from '../problem';

interface Limit {
  max: number;
  windowMs: number;
  /** `preHandler` to key on the parsed body; `onRequest` (after authentication) otherwise. */
  hook?: 'onRequest' | 'preHandler';
  key?: (request: FastifyRequest) => string;
}

const MINUTE = 60_000;

/** Counts the route, the resource it acts on and the client, never the client alone. */
function routeResourceClient(request: FastifyRequest): string {
  const id = (request.params as { id?: unknown } | undefined)?.id;
  return `${request.routeOptions.url ?? request.url}|${typeof id === 'string' ? id : ''}|${request.ip}`;
}

export const RATE_LIMITS = {
  /** POST /v1/sessions, per client and phone: guessing an 8+ character password must be slow. */
  login: {
    max: 10,
    windowMs: 10 * MINUTE,
    // After body parsing, so the phone can be part of the key.
    hook: 'preHandler',
    key: (request) => {
      const phone = (request.body as { phone?: unknown } | undefined)?.phone;
      return `${request.routeOptions.url}|${request.ip}|${typeof phone === 'string' ? phone.trim() : ''}`;
    },
  },
  /** POST /v1/applications/:id/otp/verify (the workflow itself allows a few wrong codes). */
  otpVerify: { max: 20, windowMs: 10 * MINUTE },
  /** POST /v1/applications/:id/otp (the workflow also keeps 60 s between codes). */
  otpResend: { max: 10, windowMs: 10 * MINUTE },
  /** PUT /v1/applications/:id/id-photo: each upload is an OCR job. */
  idPhoto: { max: 20, windowMs: 10 * MINUTE },
  /** POST /v1/applications/:id/payment-password. */
  paymentPassword: { max: 20, windowMs: 10 * MINUTE },
  /** Withdrawals and payments on one wallet: each checks the payment password. */
  money: { max: 60, windowMs: MINUTE },
  /** Payment codes issued for one wallet (a code lives 60 s; an app refreshes it). */
  paymentCodes: { max: 30, windowMs: MINUTE },
  /** POST /v1/merchant/charges from one client: a till charges many customers. */
  merchantCharges: { max: 600, windowMs: MINUTE },
  /** Deregistration and withdraw-all on one wallet: each checks the payment password. */
  deregistration: { max: 20, windowMs: 10 * MINUTE },
} satisfies Record<string, Limit>;

export type RateLimitName = keyof typeof RATE_LIMITS;

/** Route `config` asking for one of the limits above. */
export function rateLimited(name: RateLimitName) {
  const limit: Limit = RATE_LIMITS[name];
  return {
    rateLimit: {
      max: (request: FastifyRequest) => scaledMax(request, limit.max),
      timeWindow: limit.windowMs,
      hook: limit.hook ?? 'onRequest',
      keyGenerator: limit.key ?? routeResourceClient,
    },
  };
}

function scaledMax(request: FastifyRequest, max: number): number {
  return Math.max(1, Math.round(max * request.server.rateLimitScale));
}

declare module 'fastify' {
  interface FastifyInstance {
    /** RATE_LIMIT_SCALE: multiplies every limit (tests and load runs raise it). */
    rateLimitScale: number;
  }
}

export default fp(
  async function rateLimits(app: FastifyInstance, opts: { config: Config }) {
    app.decorate('rateLimitScale', opts.config.rateLimitScale);
    await app.register(rateLimit, {
      global: false,
      errorResponseBuilder: (_request, context) => {
        const seconds = String(Math.max(1, Math.ceil(context.ttl / 1000)));
        return new Problem(
          'TOO_MANY_REQUESTS',
          `Too many attempts; try again in ${context.after}.`,
          {},
          { 'Retry-After': seconds },
        );
      },
    });
  },
  { name: 'rate-limits' },
);
