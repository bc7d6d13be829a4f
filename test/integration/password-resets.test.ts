// SPEC §2.1 through the API: a forgotten password reset with an SMS code to the verified phone
// plus the ID number. A reset signs out every session of the person (in every API process: the
// check reads the database), a PAYMENT reset lifts the payment-password lock, every reset is
// audited, and the answers are the same whether or not the phone belongs to anyone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../api/build';
import { passwordResetWorkflowId } from '../../api/challenge-ids';
import { DIRECT_LOGIN_PASSWORD, directPerson } from '../helpers/direct-person';
import { eventually } from '../helpers/eventually';
import { bearer, outboxFor } from '../helpers/onboarding';
import { applicant } from '../helpers/people';
import { startStack, type Stack } from '../helpers/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

const requestReset = (phone: string, kind: 'LOGIN' | 'PAYMENT') =>
  stack.api.inject({ method: 'POST', url: '/v1/password-resets', payload: { phone, kind } });
const verifyReset = (payload: {
  phone: string;
  code: string;
  idNumber: string;
  newPassword: string;
}) => stack.api.inject({ method: 'POST', url: '/v1/password-resets/verify', payload });
const signIn = (phone: string, password: string) =>
  stack.api.inject({ method: 'POST', url: '/v1/sessions', payload: { phone, password } });

async function codeSentTo(phone: string, count = 1): Promise<string> {
  const codes = await eventually(
    async () => (await outboxFor(stack, phone)).filter((m) => m.template === 'OTP'),
    (messages) => messages.length >= count,
  );
  expect(codes.length).toBeGreaterThanOrEqual(count);
  return /\d{6}/.exec(codes[0]!.text)![0];
}

const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

describe('POST /v1/password-resets', () => {
  it('resets the login password with the code and the ID number, signing out every session', async () => {
    const p = await directPerson(stack);
    const second = (await signIn(p.phone, DIRECT_LOGIN_PASSWORD)).json().token as string;
    const asked = await requestReset(p.phone, 'LOGIN');
    expect(asked.statusCode, asked.body).toBe(202);
    expect(asked.json()).toEqual({
      status: 'CODE_SENT_IF_REGISTERED',
      expiresInSeconds: 300,
      resendAfterSeconds: 60,
    });
    const code = await codeSentTo(p.phone);
    const other = applicant();

    const weak = await verifyReset({
      phone: p.phone,
      code,
      idNumber: p.idNumber,
      newPassword: 'short1',
    });
    expect(weak.statusCode).toBe(422);
    expect(weak.json().code).toBe('INVALID_LOGIN_PASSWORD');
    const wrongId = await verifyReset({
      phone: p.phone,
      code,
      idNumber: other.idNumber,
      newPassword: 'renewed2468',
    });
    expect(wrongId.statusCode).toBe(422);
    expect(wrongId.json()).toMatchObject({ code: 'RESET_CODE_INVALID', attemptsLeft: 4 });

    const done = await verifyReset({
      phone: p.phone,
      code,
      idNumber: p.idNumber,
      newPassword: 'renewed2468',
    });
    expect(done.statusCode, done.body).toBe(200);
    expect(done.json()).toMatchObject({ kind: 'LOGIN', sessionsSignedOut: true });

    // Every earlier token is refused, here and by another API process on the same database.
    const elsewhere = await buildApi(stack.config, { logger: false });
    try {
      for (const api of [stack.api, elsewhere])
        for (const token of [p.token, second]) {
          const res = await api.inject({
            url: `/v1/wallets/${p.walletId}`,
            headers: bearer(token),
          });
          expect(res.statusCode).toBe(401);
        }
    } finally {
      await elsewhere.close();
    }
    expect((await signIn(p.phone, DIRECT_LOGIN_PASSWORD)).statusCode).toBe(401);
    const fresh = await signIn(p.phone, 'renewed2468');
    expect(fresh.statusCode).toBe(200);
    const mine = await stack.api.inject({
      url: `/v1/wallets/${p.walletId}`,
      headers: bearer(fresh.json().token),
    });
    expect(mine.statusCode).toBe(200);

    // The code is spent.
    const again = await verifyReset({
      phone: p.phone,
      code,
      idNumber: p.idNumber,
      newPassword: 'renewed1357',
    });
    expect(again.json().code).toBe('RESET_CODE_INVALID');
    const rows = await stack.store.auditPage({
      subjectId: p.applicationId,
      action: 'LOGIN_PASSWORD_RESET',
      limit: 10,
    });
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toMatch(/renewed2468|\$argon|\$scrypt/);
    expect(JSON.stringify(rows)).not.toContain(code);
    expect(JSON.stringify(rows)).not.toContain(
      passwordResetWorkflowId(stack.config.piiKey, p.phone),
    );
  });

  it('a PAYMENT reset lifts the payment-password lock and checks §1.8', async () => {
    const p = await directPerson(stack);
    for (let i = 0; i < 5; i++)
      await stack.api.inject({
        method: 'PUT',
        url: `/v1/wallets/${p.walletId}/payment-password`,
        headers: bearer(p.token),
        payload: { oldPaymentPassword: '000000', newPaymentPassword: '731592' },
      });
    expect((await requestReset(p.phone, 'PAYMENT')).statusCode).toBe(202);
    const code = await codeSentTo(p.phone);
    const weak = await verifyReset({
      phone: p.phone,
      code,
      idNumber: p.idNumber,
      newPassword: '900307',
    });
    expect(weak.json().code).toBe('PAYMENT_PASSWORD_WEAK');
    const done = await verifyReset({
      phone: p.phone,
      code,
      idNumber: p.idNumber,
      newPassword: '731592',
    });
    expect(done.statusCode, done.body).toBe(200);
    expect(done.json().kind).toBe('PAYMENT');

    const token = (await signIn(p.phone, DIRECT_LOGIN_PASSWORD)).json().token as string;
    const changed = await stack.api.inject({
      method: 'PUT',
      url: `/v1/wallets/${p.walletId}/payment-password`,
      headers: bearer(token),
      payload: { oldPaymentPassword: '731592', newPaymentPassword: '802461' },
    });
    expect(changed.statusCode, changed.body).toBe(200);
  });

  it('answers a phone nobody owns exactly as one somebody owns', async () => {
    const p = await directPerson(stack);
    const nobody = applicant();
    const [known, unknown] = [
      await requestReset(p.phone, 'LOGIN'),
      await requestReset(nobody.phone, 'LOGIN'),
    ];
    expect(unknown.statusCode).toBe(known.statusCode);
    expect(unknown.json()).toEqual(known.json());
    const code = await codeSentTo(p.phone);
    const tries = [p.phone, nobody.phone].map((phone) =>
      verifyReset({ phone, code: wrong(code), idNumber: p.idNumber, newPassword: 'renewed2468' }),
    );
    const [a, b] = await Promise.all(tries);
    expect(b!.statusCode).toBe(a!.statusCode);
    expect(b!.json()).toEqual(a!.json());
    // Cooldowns too.
    const [c, d] = [
      await requestReset(p.phone, 'LOGIN'),
      await requestReset(nobody.phone, 'LOGIN'),
    ];
    expect(d.statusCode).toBe(429);
    expect(d.json()).toEqual(c.json());
    expect(await outboxFor(stack, nobody.phone)).toEqual([]);
  });

  it('refuses a code for a phone that asked for none', async () => {
    const nobody = applicant();
    const res = await verifyReset({
      phone: nobody.phone,
      code: '123456',
      idNumber: nobody.idNumber,
      newPassword: 'renewed2468',
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().code).toBe('RESET_CODE_INVALID');
  });
});
