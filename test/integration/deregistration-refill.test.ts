// Issue 26 item 4: money arriving during a deregistration. A top-up while the owner is asked to
// confirm shows in GET …/deregistration at once, and a second withdraw-all in the same
// deregistration moves the new money (it used to replay the first under a fixed key and hang).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PEOPLE } from '../fixtures/id-card';
import { bearer, driveToActive, freshPerson, TEST_PAYMENT_PASSWORD } from '../helpers/onboarding';
import { eventually } from '../helpers/eventually';
import { startStack, type Stack } from '../helpers/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({}, { photo: true });
});
afterAll(async () => {
  await stack?.close();
});

let serial = 0;
async function call(walletId: string, token: string, path: string, payload?: object) {
  serial += 1;
  return stack.api.inject({
    method: payload ? 'POST' : 'GET',
    url: `/v1/wallets/${walletId}${path}`,
    headers: { ...bearer(token), 'idempotency-key': `refill-${process.pid}-${serial}` },
    ...(payload ? { payload } : {}),
  });
}

async function inConfirmation(walletId: string, token: string) {
  expect((await call(walletId, token, '/top-ups', { amount: 12_300 })).statusCode).toBe(201);
  const started = await call(walletId, token, '/deregistration', {
    paymentPassword: TEST_PAYMENT_PASSWORD,
  });
  expect(started.json()).toMatchObject({ status: 'AWAITING_BALANCE_CLEARANCE', balance: 12_300 });
  const emptied = await call(walletId, token, '/deregistration/withdraw-all', {
    paymentPassword: TEST_PAYMENT_PASSWORD,
  });
  expect(emptied.statusCode, emptied.body).toBe(200);
  expect(emptied.json()).toMatchObject({ status: 'AWAITING_CONFIRMATION', balance: 0 });
}

describe('money arriving during a deregistration', () => {
  it('shows a top-up made while awaiting confirmation, and clears it again', async () => {
    const { walletId, token } = await driveToActive(stack, freshPerson(PEOPLE[0]!));
    await inConfirmation(walletId, token);
    expect((await call(walletId, token, '/top-ups', { amount: 500 })).statusCode).toBe(201);
    const seen = await eventually(
      async () => (await call(walletId, token, '/deregistration')).json(),
      (view) => view.balance === 500,
      5_000,
    );
    expect(seen).toMatchObject({
      status: 'AWAITING_BALANCE_CLEARANCE',
      balance: 500,
      reasons: [{ code: 'BALANCE_NOT_ZERO' }],
    });
  });

  it('withdraws the new money with a second withdraw-all, then closes', async () => {
    const { walletId, token } = await driveToActive(stack, freshPerson(PEOPLE[1]!));
    await inConfirmation(walletId, token);
    expect((await call(walletId, token, '/top-ups', { amount: 700 })).statusCode).toBe(201);
    // However the workflow learns of the money (the top-up's signal, or the closure refusing),
    // the deregistration goes back to clearing the balance.
    await call(walletId, token, '/deregistration/confirm', {});
    await eventually(
      async () => (await call(walletId, token, '/deregistration')).json(),
      (view) => view.status === 'AWAITING_BALANCE_CLEARANCE',
      5_000,
    );
    const started = Date.now();
    const again = await call(walletId, token, '/deregistration/withdraw-all', {
      paymentPassword: TEST_PAYMENT_PASSWORD,
    });
    expect(again.statusCode, again.body).toBe(200);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(again.json()).toMatchObject({ status: 'AWAITING_CONFIRMATION', balance: 0 });
    const txs = (await call(walletId, token, '/transactions')).json().items as {
      type: string;
      amount: number;
    }[];
    expect(txs.filter((t) => t.type === 'WITHDRAWAL').map((t) => t.amount)).toEqual([700, 12_300]);
    const closed = await call(walletId, token, '/deregistration/confirm', {});
    expect(closed.statusCode, closed.body).toBe(200);
    expect(closed.json().status).toBe('CLOSED');
  });
});
