// SPEC §2.1 定期更换密码 through the API: the payment and the login password changed with the
// old one. The §1.8 and §4 rules hold for the new one, a wrong old one counts toward the locks,
// every change leaves an audit row without secrets, and a login change signs out other sessions.
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../../db/sqlite/schema';
import {
  DIRECT_LOGIN_PASSWORD,
  DIRECT_PAYMENT_PASSWORD,
  directPerson,
} from '../helpers/direct-person';
import { bearer } from '../helpers/onboarding';
import { startStack, type Stack } from '../helpers/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

const changePayment = (walletId: string, token: string, oldPw: string, newPw: string) =>
  stack.api.inject({
    method: 'PUT',
    url: `/v1/wallets/${walletId}/payment-password`,
    headers: bearer(token),
    payload: { oldPaymentPassword: oldPw, newPaymentPassword: newPw },
  });
const changeLogin = (token: string, oldPassword: string, newPassword: string) =>
  stack.api.inject({
    method: 'PUT',
    url: '/v1/sessions/password',
    headers: bearer(token),
    payload: { oldPassword, newPassword },
  });
const signIn = (phone: string, password: string) =>
  stack.api.inject({ method: 'POST', url: '/v1/sessions', payload: { phone, password } });

function auditRows(subjectId: string, action: string) {
  return stack.database.db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.subjectId, subjectId), eq(auditLog.action, action)))
    .all();
}

describe('PUT /v1/wallets/:id/payment-password', () => {
  it('changes it with the old one, refusing weak new ones, and audits the change', async () => {
    const p = await directPerson(stack);
    // All one digit, runs, the birth date (1990-03-07) as YYMMDD and MMDD-ish.
    const weak = ['111111', '123456', '654321', '900307'];
    for (const pin of weak) {
      const res = await changePayment(p.walletId, p.token, DIRECT_PAYMENT_PASSWORD, pin);
      expect(res.statusCode, pin).toBe(422);
      expect(res.json().code).toBe('PAYMENT_PASSWORD_WEAK');
    }
    const same = await changePayment(
      p.walletId,
      p.token,
      DIRECT_PAYMENT_PASSWORD,
      DIRECT_PAYMENT_PASSWORD,
    );
    expect(same.json().code).toBe('PAYMENT_PASSWORD_WEAK');

    const ok = await changePayment(p.walletId, p.token, DIRECT_PAYMENT_PASSWORD, '731592');
    expect(ok.statusCode).toBe(200);
    expect(ok.json().changedAt).toEqual(expect.any(String));
    // The old one no longer works, the new one does.
    const old = await changePayment(p.walletId, p.token, DIRECT_PAYMENT_PASSWORD, '802461');
    expect(old.json().code).toBe('PAYMENT_PASSWORD_INVALID');
    expect((await changePayment(p.walletId, p.token, '731592', '802461')).statusCode).toBe(200);

    const rows = auditRows(p.walletId, 'PAYMENT_PASSWORD_CHANGED');
    expect(rows).toHaveLength(2);
    expect(rows[0]!.actor).toBe(`application:${p.applicationId}`);
    expect(JSON.stringify(rows)).not.toMatch(/731592|802461|\$argon|\$scrypt/);
  });

  it('counts a wrong old password toward the 24 h lock', async () => {
    const p = await directPerson(stack);
    for (let left = 4; left >= 1; left--) {
      const res = await changePayment(p.walletId, p.token, '000000', '731592');
      expect(res.statusCode).toBe(422);
      expect(res.json()).toMatchObject({ code: 'PAYMENT_PASSWORD_INVALID', attemptsLeft: left });
    }
    const fifth = await changePayment(p.walletId, p.token, '000000', '731592');
    expect(fifth.json().code).toBe('PAYMENT_PASSWORD_LOCKED');
    const right = await changePayment(p.walletId, p.token, DIRECT_PAYMENT_PASSWORD, '731592');
    expect(right.json().code).toBe('PAYMENT_PASSWORD_LOCKED');
  });

  it("answers 404 for someone else's wallet", async () => {
    const p = await directPerson(stack);
    const other = await directPerson(stack);
    const res = await changePayment(p.walletId, other.token, DIRECT_PAYMENT_PASSWORD, '731592');
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('NOT_FOUND');
  });
});

describe('PUT /v1/sessions/password', () => {
  it('changes it with the old one, signs out the other sessions and audits', async () => {
    const p = await directPerson(stack);
    const other = (await signIn(p.phone, DIRECT_LOGIN_PASSWORD)).json().token as string;

    const weak = await changeLogin(p.token, DIRECT_LOGIN_PASSWORD, 'onlyletters');
    expect(weak.statusCode).toBe(422);
    expect(weak.json()).toMatchObject({
      code: 'INVALID_LOGIN_PASSWORD',
      errors: [{ field: 'newPassword', code: 'INVALID_LOGIN_PASSWORD' }],
    });
    const wrong = await changeLogin(p.token, 'wrong1234', 'fresh2468');
    expect(wrong.statusCode).toBe(422);
    expect(wrong.json().code).toBe('LOGIN_PASSWORD_INVALID');

    const ok = await changeLogin(p.token, DIRECT_LOGIN_PASSWORD, 'fresh2468');
    expect(ok.statusCode).toBe(200);
    const fresh = ok.json().token as string;
    // Both earlier sessions are signed out; the fresh token works.
    for (const token of [p.token, other]) {
      const res = await stack.api.inject({
        url: `/v1/wallets/${p.walletId}`,
        headers: bearer(token),
      });
      expect(res.statusCode).toBe(401);
    }
    const mine = await stack.api.inject({
      url: `/v1/wallets/${p.walletId}`,
      headers: bearer(fresh),
    });
    expect(mine.statusCode).toBe(200);

    expect((await signIn(p.phone, DIRECT_LOGIN_PASSWORD)).statusCode).toBe(401);
    expect((await signIn(p.phone, 'fresh2468')).statusCode).toBe(200);
    const rows = auditRows(p.applicationId, 'LOGIN_PASSWORD_CHANGED');
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toMatch(/fresh2468|secret123/);
  });

  it('counts a wrong old password toward the sign-in throttle', async () => {
    const p = await directPerson(stack);
    const codes = new Set<number>();
    for (let i = 0; i < 40; i++)
      codes.add((await changeLogin(p.token, `wrong${i}abc`, 'fresh2468')).statusCode);
    expect(codes.has(429)).toBe(true);
  });
});
