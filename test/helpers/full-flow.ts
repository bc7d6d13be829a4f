// A person's whole life here through the HTTP API: onboarding to an ACTIVE wallet, an ops freeze
// and unfreeze, and deregistration to CLOSED (the erasure).
import { expect } from 'vitest';
import { bearer, decide, driveToPendingReview, type Applicant } from './onboarding';
import type { Stack } from './stack';

export const PAYMENT_PIN = '580314';

/** PENDING_REVIEW, approved by `reviewer`, payment password set: the wallet is ACTIVE. */
export async function openWallet(stack: Stack, a: Applicant, reviewer = 'rita') {
  const { id, token } = await driveToPendingReview(stack, a);
  const approved = await decide(stack, id, reviewer);
  expect(approved.statusCode, approved.body).toBe(200);
  const res = await stack.api.inject({
    method: 'POST',
    url: `/v1/applications/${id}/payment-password`,
    headers: bearer(token),
    payload: { paymentPassword: PAYMENT_PIN },
  });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.json()).toMatchObject({ status: 'ACTIVE' });
  return { applicationId: id, token, walletId: res.json().walletId as string };
}

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
    payload: { paymentPassword: PAYMENT_PIN },
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
