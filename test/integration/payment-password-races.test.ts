// Issue 26 item 5: the right payment password is never reported as a lock, however many requests
// carry it at once, and concurrent replays of one Idempotency-Key all answer the one stored result.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PEOPLE } from '../fixtures/id-card';
import { bearer, driveToActive, freshPerson, TEST_PAYMENT_PASSWORD } from '../helpers/onboarding';
import { startStack, type Stack } from '../helpers/stack';

let stack: Stack;
let walletId: string;
let token: string;
beforeAll(async () => {
  stack = await startStack({}, { photo: true });
  ({ walletId, token } = await driveToActive(stack, freshPerson(PEOPLE[0]!)));
  const topUp = await stack.api.inject({
    method: 'POST',
    url: `/v1/wallets/${walletId}/top-ups`,
    headers: { ...bearer(token), 'idempotency-key': 'races-top-up' },
    payload: { amount: 1_000_000 },
  });
  expect(topUp.statusCode, topUp.body).toBe(201);
});
afterAll(async () => {
  await stack?.close();
});

const withdraw = (key: string, paymentPassword = TEST_PAYMENT_PASSWORD) =>
  stack.api.inject({
    method: 'POST',
    url: `/v1/wallets/${walletId}/withdrawals`,
    headers: { ...bearer(token), 'idempotency-key': key },
    payload: { amount: 100, paymentPassword },
  });

const balance = async () =>
  (await stack.api.inject({ url: `/v1/wallets/${walletId}`, headers: bearer(token) })).json()
    .balance as number;

describe('the right payment password, many times at once', () => {
  it('moves the money every time and never answers PAYMENT_PASSWORD_LOCKED', async () => {
    const before = await balance();
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => withdraw(`races-${process.pid}-${i}`)),
    );
    for (const res of answers) {
      expect(res.json().code, res.body).not.toBe('PAYMENT_PASSWORD_LOCKED');
      // Queued, or told to come back: never a lock, never a 5xx.
      if (res.statusCode === 429) expect(res.headers['retry-after']).toBeDefined();
      else expect(res.statusCode, res.body).toBe(201);
    }
    const moved = answers.filter((r) => r.statusCode === 201).length;
    expect(moved).toBeGreaterThan(0);
    expect(await balance()).toBe(before - moved * 100);
  });

  it('answers every concurrent replay of one key with the one stored result', async () => {
    const before = await balance();
    const key = `races-replay-${process.pid}`;
    const answers = await Promise.all(Array.from({ length: 10 }, () => withdraw(key)));
    for (const res of answers) expect([200, 201], res.body).toContain(res.statusCode);
    expect(answers.filter((r) => r.statusCode === 201)).toHaveLength(1);
    const ids = new Set(answers.map((r) => r.json().transaction.transactionId as string));
    expect(ids.size).toBe(1);
    expect(await balance()).toBe(before - 100);
  });

  it('still locks after five wrong passwords', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await withdraw(`races-wrong-${process.pid}-${i}`, '111111');
      expect(res.json().code).toBe(i < 4 ? 'PAYMENT_PASSWORD_INVALID' : 'PAYMENT_PASSWORD_LOCKED');
    }
    const right = await withdraw(`races-after-lock-${process.pid}`);
    expect(right.json().code).toBe('PAYMENT_PASSWORD_LOCKED');
  });
});
