// A person's life here after onboarding (driveToActive), through the HTTP API: an ops freeze and
// unfreeze, and deregistration to CLOSED (the erasure).
import { expect } from 'vitest';
import { bearer, TEST_PAYMENT_PASSWORD } from './onboarding';
import type { Stack } from './stack';

/** An ops freeze then unfreeze, by `ops:<name>`. */
export async function freezeAndUnfreeze(stack: Stack, walletId: string, name = 'olga') {
  for (const action of ['freeze', 'unfreeze']) {
    const res = await stack.api.inject({
      method: 'POST',
      url: `/v1/wallets/${walletId}/${action}`,
      headers: bearer(stack.staffToken('ops', name)),
      payload: { reason: `ops check ${action}` },
    });
    expect(res.statusCode, res.body).toBe(200);
  }
}

/** Deregistration started and confirmed by the owner: the wallet is CLOSED, the person erased. */
export async function closeWallet(stack: Stack, walletId: string, token: string) {
  const started = await stack.api.inject({
    method: 'POST',
    url: `/v1/wallets/${walletId}/deregistration`,
    headers: bearer(token),
    payload: { paymentPassword: TEST_PAYMENT_PASSWORD },
  });
  expect(started.statusCode, started.body).toBe(202);
  const closed = await stack.api.inject({
    method: 'POST',
    url: `/v1/wallets/${walletId}/deregistration/confirm`,
    headers: bearer(token),
    payload: {},
  });
  expect(closed.statusCode, closed.body).toBe(200);
  expect(closed.json().status).toBe('CLOSED');
}
