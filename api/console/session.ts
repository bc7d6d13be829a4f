// Console sign-in and sessions (SPEC §7): Argon2id passwords, a lock after repeated failures,
// a random session token in an HttpOnly SameSite=Strict cookie whose SHA-256 is kept in the
// database (so every API process shares the sessions), ended after 8 h without use.
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hashPassword, verifyPassword } from '../../crypto/password-hash';
import type { StaffRole } from '../tokens';

export interface ConsoleUser {
  username: string;
  role: StaffRole;
}

export const SESSION_COOKIE = 'console_session';
export const SESSION_IDLE_MS = 8 * 60 * 60_000;
/** Wrong passwords in a row before the account is locked, and for how long. */
export const SIGN_IN_FAILURE_LIMIT = 5;
export const SIGN_IN_LOCK_MS = 15 * 60_000;

const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

// Compared against when the username is unknown, so that the answer takes as long either way.
const decoy = hashPassword(randomBytes(16).toString('hex'));

export type SignInOutcome =
  | { ok: true; token: string; role: StaffRole }
  | {
      ok: false;
      /** Why, for the audit log; the page says only "wrong username or password" or "locked". */
      reason: 'WRONG_CREDENTIALS' | 'UNKNOWN_ACCOUNT' | 'ACCOUNT_DISABLED' | 'ACCOUNT_LOCKED';
      /** This failure is the one that locked the account. */
      lockedNow: boolean;
    };

export async function signIn(
  app: FastifyInstance,
  username: string,
  password: string,
): Promise<SignInOutcome> {
  const account = await app.store.findStaffAccount(username);
  if (!account || account.disabledAt !== null) {
    await verifyPassword(password, await decoy);
    return {
      ok: false,
      reason: account ? 'ACCOUNT_DISABLED' : 'UNKNOWN_ACCOUNT',
      lockedNow: false,
    };
  }
  if (account.lockedUntil && account.lockedUntil.getTime() > Date.now())
    return { ok: false, reason: 'ACCOUNT_LOCKED', lockedNow: false };
  if (!(await verifyPassword(password, account.passwordHash))) {
    const locked = await app.store.recordStaffSignInFailure(username, {
      limit: SIGN_IN_FAILURE_LIMIT,
      lockMs: SIGN_IN_LOCK_MS,
    });
    return { ok: false, reason: 'WRONG_CREDENTIALS', lockedNow: locked };
  }
  await app.store.recordStaffSignInSuccess(username);
  await app.store.deleteIdleStaffSessions(SESSION_IDLE_MS);
  const token = randomBytes(32).toString('base64url');
  await app.store.createStaffSession(tokenHash(token), username);
  return { ok: true, token, role: account.role };
}

export type SignInAuditAction =
  | 'CONSOLE_SIGNED_IN'
  | 'CONSOLE_SIGN_IN_FAILED'
  | 'CONSOLE_ACCOUNT_LOCKED'
  | 'CONSOLE_SIGN_IN_LIMITED';

/**
 * One audit row per console sign-in attempt, through the one audit path (the Store's
 * appendAudit). The subject is the account, or `?` for a username no account has (it may be a
 * password typed into the wrong field); the client address only as a keyed hash, so that ops can
 * tell attempts from one address apart without the log holding the address.
 */
export async function auditSignIn(
  app: FastifyInstance,
  entry: {
    action: SignInAuditAction;
    username: string;
    known: boolean;
    role?: StaffRole;
    clientAddress: string;
    reason?: string;
  },
) {
  await app.store.appendAudit({
    eventKey: `console-sign-in:${randomUUID()}`,
    at: new Date(),
    actor: entry.role ? `${entry.role}:${entry.username}` : 'unauthenticated',
    action: entry.action,
    subjectType: 'staff',
    subjectId: entry.known ? entry.username : '?',
    detail: {
      client: createHmac('sha256', app.piiKey)
        .update(`console-client:${entry.clientAddress}`)
        .digest('hex')
        .slice(0, 16),
      ...(entry.reason ? { reason: entry.reason } : {}),
    },
  });
}

export function setSessionCookie(reply: FastifyReply, token: string) {
  void reply.setCookie(SESSION_COOKIE, token, {
    path: '/console',
    httpOnly: true,
    sameSite: 'strict',
    secure: 'auto',
  });
}

export async function sessionUser(
  app: FastifyInstance,
  request: FastifyRequest,
): Promise<ConsoleUser | null> {
  const token = request.cookies[SESSION_COOKIE];
  if (!token || token.length > 100) return null;
  return app.store.touchStaffSession(tokenHash(token), SESSION_IDLE_MS);
}

export async function signOut(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
  const token = request.cookies[SESSION_COOKIE];
  if (token) await app.store.deleteStaffSession(tokenHash(token));
  void reply.clearCookie(SESSION_COOKIE, { path: '/console' });
}
