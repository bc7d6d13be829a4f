// The throttles that must hold across API processes (SPEC §8), counted in the app database
// (the Store's takeThrottleHit). The request rate limits of plugins/rate-limit.ts slow one
// process's callers; these cap what costs money or leaks something, wherever the request lands.
// The numbers and why: docs/security.md, "Floods and oracles".
import type { FastifyInstance } from 'fastify';
import type { ThrottleRule } from '../db/store';
import { Problem } from './problem';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export const THROTTLES = {
  /**
   * SMS codes to one phone number, across all applications: one application may use 6 (the
   * first code and 5 resends), so applying and cancelling again and again meets this quickly.
   */
  otpPerPhone: { bucket: 'otp-per-phone', max: 10, windowMs: HOUR },
  /** POST /v1/applications from one client address. */
  applicationsPerClient: { bucket: 'applications-per-client', max: 20, windowMs: 10 * MINUTE },
  /** POST /v1/applications naming one bank card, from anywhere. */
  applicationsPerCard: { bucket: 'applications-per-card', max: 5, windowMs: 24 * HOUR },
  /** POST /v1/sessions from one client address, whatever the phone (password spraying). */
  loginPerClient: { bucket: 'login-per-client', max: 30, windowMs: 10 * MINUTE },
  /**
   * Recipient look-ups (GET /v1/wallets/recipients) per caller, with the transfers refused
   * RECIPIENT_NOT_FOUND: both tell whether a phone has a wallet, so a wallet may ask about a
   * few dozen numbers a day, not sweep the numbering plan.
   */
  recipientLookupsPerCaller: {
    bucket: 'recipient-lookups-per-caller',
    max: 30,
    windowMs: 24 * HOUR,
  },
  /** Console sign-ins (POST /console/login) from one client address, whatever the username. */
  consoleSignInPerClient: { bucket: 'console-sign-in-per-client', max: 20, windowMs: 10 * MINUTE },
} satisfies Record<string, ThrottleRule>;

export type ThrottleName = keyof typeof THROTTLES;

/**
 * Takes one hit of the throttle for `value` and answers its id (to give it back if the thing
 * counted did not happen), or throws 429 TOO_MANY_REQUESTS with Retry-After.
 */
export async function throttle(
  app: FastifyInstance,
  name: ThrottleName,
  value: string,
): Promise<number> {
  const rule = THROTTLES[name];
  const scaled = { ...rule, max: Math.max(1, Math.round(rule.max * app.rateLimitScale)) };
  const outcome = await app.store.takeThrottleHit(app.piiKey, scaled, value);
  if (outcome.ok) return outcome.hitId;
  throw new Problem(
    'TOO_MANY_REQUESTS',
    'Too many requests of this kind; try again later.',
    {},
    { 'Retry-After': String(outcome.retryAfterSeconds) },
  );
}

/** Gives back hits whose event did not happen (e.g. no code was sent after all). */
export async function unthrottle(
  app: FastifyInstance,
  ...hitIds: (number | undefined)[]
): Promise<void> {
  for (const id of hitIds) if (id !== undefined) await app.store.returnThrottleHit(id);
}
