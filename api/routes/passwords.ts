// Changing passwords with the old one (SPEC §2.1 定期更换密码): the payment password of a wallet
// and the login password. A wrong old password counts where a wrong password always counts: the
// payment-password lock (§2: 5 wrong, 24 h) and the sign-in throttles. Each change is one Store
// call that also writes its audit row (ids only, never a password or a hash).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { randomUUID } from 'node:crypto';
import type { Config } from '../../config/config';
import { webhooksEnabled } from '../../db/store';
import { hashPassword, verifyAndRehash } from '../../crypto/password-hash';
import {
  chinaDate,
  isStrongPaymentPassword,
  isValidLoginPassword,
  parseIdNumber,
} from '../../domain/fields';
import { ledgerCall } from '../ledger-calls';
import { readApplication } from '../onboarding-calls';
import { rateLimited } from '../plugins/rate-limit';
import { notFound, Problem } from '../problem';
import { IdParams, problemResponses } from '../schemas/common';
import {
  ChangeLoginPasswordBody,
  ChangePaymentPasswordBody,
  LoginPasswordChangedResponse,
  PasswordChangedResponse,
} from '../schemas/passwords';
import { throttle, unthrottle } from '../throttles';
import { applicantClaims } from '../tokens';

/** §1.8: six digits, not one digit repeated, not a run, not the birth date. */
export function paymentPasswordWeak(
  password: string,
  idNumber: string,
  field = 'newPaymentPassword',
): Problem | null {
  const birth = parseIdNumber(idNumber, chinaDate(Date.now()))?.birthDate;
  if (birth && isStrongPaymentPassword(password, birth)) return null;
  return weakPayment(field);
}

function weakPayment(field = 'newPaymentPassword'): Problem {
  return new Problem('PAYMENT_PASSWORD_WEAK', undefined, {
    errors: [{ field, code: 'PAYMENT_PASSWORD_WEAK' }],
  });
}

/** §4: 8–64 characters, letters and digits. */
export function loginPasswordWeak(password: string, field = 'newPassword'): Problem | null {
  if (isValidLoginPassword(password)) return null;
  return new Problem('INVALID_LOGIN_PASSWORD', undefined, {
    errors: [{ field, code: 'INVALID_LOGIN_PASSWORD' }],
  });
}

const passwords: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, { config }) => {
  const { store } = app;
  const ledger = store.createLedger({ webhookEvents: webhooksEnabled(config) });

  app.put(
    '/v1/wallets/:id/payment-password',
    {
      onRequest: app.requireRole('applicant'),
      config: rateLimited('paymentPassword'),
      schema: {
        summary: 'Change the payment password with the old one',
        tags: ['wallets'],
        security: [{ bearer: [] }],
        params: IdParams,
        body: ChangePaymentPasswordBody,
        response: {
          200: PasswordChangedResponse,
          ...problemResponses(400, 401, 403, 404, 409, 422, 429),
        },
      },
    },
    async (request) => {
      const { id } = request.params;
      const { oldPaymentPassword, newPaymentPassword } = request.body;
      const wallet = await ledgerCall(() => ledger.summary(id));
      // Someone else's wallet is indistinguishable from one that does not exist.
      if (request.user.applicationId !== wallet.applicationId) throw notFound('wallet');
      if (wallet.status === 'CLOSED') throw new Problem('INVALID_STATE', 'The wallet is closed.');
      const owner = await readApplication(app, wallet.applicationId);
      // The old password again is no change: as weak as any other guessable one.
      const weak =
        newPaymentPassword === oldPaymentPassword
          ? weakPayment()
          : paymentPasswordWeak(newPaymentPassword, owner.applicant.idNumber);
      if (weak) throw weak;
      // Counts toward the lock like a payment's check; throws PAYMENT_PASSWORD_INVALID/LOCKED.
      await ledgerCall(() => ledger.verifyPaymentPassword(id, oldPaymentPassword));
      const at = new Date();
      const stored = await store.storePasswordChange({
        eventKey: `wallet:${id}:PAYMENT_PASSWORD_CHANGED:${randomUUID()}`,
        kind: 'PAYMENT',
        how: 'CHANGE',
        personId: wallet.personId,
        applicationId: wallet.applicationId,
        walletId: id,
        hash: await hashPassword(newPaymentPassword),
        actor: request.user.sub,
        at,
      });
      if (!stored) throw new Problem('INVALID_STATE', 'The wallet is closed.');
      return { changedAt: at.toISOString() };
    },
  );

  app.put(
    '/v1/sessions/password',
    {
      onRequest: app.requireRole('applicant'),
      config: rateLimited('login'),
      schema: {
        summary: 'Change the login password with the old one; other sessions are signed out',
        tags: ['applications'],
        security: [{ bearer: [] }],
        body: ChangeLoginPasswordBody,
        response: {
          200: LoginPasswordChangedResponse,
          ...problemResponses(400, 401, 403, 404, 422, 429),
        },
      },
    },
    async (request) => {
      const { oldPassword, newPassword } = request.body;
      const applicationId = request.user.applicationId!;
      const weak = loginPasswordWeak(newPassword);
      if (weak) throw weak;
      // A wrong old password is a guess like a wrong sign-in: the same per-client throttle.
      const hit = await throttle(app, 'loginPerClient', request.ip);
      const login = await store.loginOfApplication(applicationId);
      if (!login?.personId) throw notFound('login');
      const { ok } = await verifyAndRehash(oldPassword, login.passwordHash);
      if (!ok) throw new Problem('LOGIN_PASSWORD_INVALID');
      await unthrottle(app, hit);
      const at = new Date();
      await store.storePasswordChange({
        eventKey: `application:${applicationId}:LOGIN_PASSWORD_CHANGED:${randomUUID()}`,
        kind: 'LOGIN',
        how: 'CHANGE',
        personId: login.personId,
        applicationId,
        hash: await hashPassword(newPassword),
        actor: request.user.sub,
        at,
      });
      // Whoever else knew the old password is signed out; the caller gets a fresh token.
      await store.revokePersonSessions(login.personId, at);
      return {
        changedAt: at.toISOString(),
        token: app.signApplicantToken(applicantClaims(applicationId)),
      };
    },
  );
};

export default passwords;
