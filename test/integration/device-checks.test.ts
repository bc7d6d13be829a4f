// SPEC §2.1 双重验证 through the API: a sign-in from a device the person has not used answers
// 202 {challenge: "SMS_CODE"} and texts a code; /v1/sessions/verify gives the token and the
// device is known from then on. Without a deviceId a person with no known device signs in as
// before; once they have one, leaving the id out is an unknown device.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIRECT_LOGIN_PASSWORD, directPerson } from '../helpers/direct-person';
import { eventually } from '../helpers/eventually';
import { bearer, outboxFor } from '../helpers/onboarding';
import { startStack, type Stack } from '../helpers/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

const signIn = (phone: string, deviceId?: string, password = DIRECT_LOGIN_PASSWORD) =>
  stack.api.inject({
    method: 'POST',
    url: '/v1/sessions',
    payload: { phone, password, ...(deviceId ? { deviceId } : {}) },
  });
const verify = (phone: string, code: string, deviceId?: string) =>
  stack.api.inject({
    method: 'POST',
    url: '/v1/sessions/verify',
    payload: { phone, code, ...(deviceId ? { deviceId } : {}) },
  });

async function codes(phone: string, count: number): Promise<string[]> {
  const messages = await eventually(
    async () => (await outboxFor(stack, phone)).filter((m) => m.template === 'OTP'),
    (m) => m.length >= count,
  );
  expect(messages).toHaveLength(count);
  return messages.map((m) => /\d{6}/.exec(m.text)![0]);
}
const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

describe('the new-device check', () => {
  it('asks an unseen device for the SMS code, then knows it', async () => {
    const p = await directPerson(stack);
    // A wrong password from a new device sends nothing.
    expect((await signIn(p.phone, 'phone-A', 'wrong12345')).statusCode).toBe(401);

    const first = await signIn(p.phone, 'phone-A');
    expect(first.statusCode, first.body).toBe(202);
    expect(first.json()).toEqual({
      challenge: 'SMS_CODE',
      code: 'DEVICE_VERIFICATION_REQUIRED',
      expiresInSeconds: 300,
    });
    const [code] = await codes(p.phone, 1);
    // Signing in again at once sends no second code within the minute.
    const again = await signIn(p.phone, 'phone-A');
    expect(again.statusCode).toBe(202);
    expect(again.json().retryAfterSeconds).toBeGreaterThan(50);

    const bad = await verify(p.phone, wrong(code!), 'phone-A');
    expect(bad.statusCode).toBe(422);
    expect(bad.json()).toMatchObject({ code: 'OTP_INVALID', attemptsLeft: 4 });
    // The code is for this device only.
    expect((await verify(p.phone, code!, 'phone-B')).json().code).toBe('OTP_INVALID');
    const ok = await verify(p.phone, code!, 'phone-A');
    expect(ok.statusCode, ok.body).toBe(200);
    const wallet = await stack.api.inject({
      url: `/v1/wallets/${p.walletId}`,
      headers: bearer(ok.json().token),
    });
    expect(wallet.statusCode).toBe(200);
    expect((await verify(p.phone, code!, 'phone-A')).json().code).toBe('OTP_INVALID');

    // Known now: the token at once. Another device, or none, is asked again.
    const known = await signIn(p.phone, 'phone-A');
    expect(known.statusCode).toBe(200);
    expect(known.json().token).toEqual(expect.any(String));
    expect((await signIn(p.phone, 'phone-B')).statusCode).toBe(202);
    const bare = await signIn(p.phone);
    expect(bare.statusCode).toBe(202);
    const [codeBare] = await codes(p.phone, 3); // newest first
    const viaBare = await verify(p.phone, codeBare!);
    expect(viaBare.statusCode, viaBare.body).toBe(200);
  });

  it('signs in without a deviceId as before while the person has no known device', async () => {
    const p = await directPerson(stack);
    const res = await signIn(p.phone);
    expect(res.statusCode).toBe(200);
    expect(res.json().token).toEqual(expect.any(String));
    expect(await outboxFor(stack, p.phone)).toEqual([]);
  });
});
