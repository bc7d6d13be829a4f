// SPEC §1 step 2, phone verification: wrong codes and the lock through HTTP against the real dev
// server. Code expiry, resend cooldown and cap, and the 24 h window: test/workflow/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PEOPLE } from '../fixtures/id-card';
import {
  apply,
  bearer,
  freshPerson,
  lastOtp,
  openBankAccount,
  outboxFor,
  staffView,
  wrongCode,
  type Applicant,
} from '../helpers/onboarding';
import { startStack, type Stack } from '../helpers/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

async function started(a: Applicant) {
  await openBankAccount(stack, a);
  const created = await apply(stack, a);
  expect(created.statusCode, created.body).toBe(201);
  return created.json<{ applicationId: string; applicantToken: string }>();
}

function verify(id: string, token: string, code: string) {
  return stack.api.inject({
    method: 'POST',
    url: `/v1/applications/${id}/otp/verify`,
    headers: bearer(token),
    payload: { code },
  });
}

describe('phone verification over HTTP', () => {
  it('counts wrong codes down 4,3,2,1, locks on the fifth (FAILED), then refuses with 409', async () => {
    const a = freshPerson(PEOPLE[0]!);
    const { applicationId: id, applicantToken: token } = await started(a);
    const code = await lastOtp(stack, a.phone);
    const wrong = wrongCode(code);

    for (const left of [4, 3, 2, 1]) {
      const res = await verify(id, token, wrong);
      expect(res.statusCode, res.body).toBe(422);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json()).toMatchObject({
        status: 422,
        code: 'OTP_INVALID',
        applicationStatus: 'AWAITING_PHONE_VERIFICATION',
        attemptsLeft: { otp: left },
      });
    }

    const locked = await verify(id, token, wrong);
    expect(locked.statusCode, locked.body).toBe(422);
    expect(locked.json()).toMatchObject({
      code: 'OTP_ATTEMPTS_EXCEEDED',
      applicationStatus: 'FAILED',
      attemptsLeft: { otp: 0 },
    });

    const view = await staffView(stack, id);
    expect(view).toMatchObject({ status: 'FAILED', nextAction: 'NONE' });
    expect(view.reasons.map((r: { code: string }) => r.code)).toEqual(['OTP_ATTEMPTS_EXCEEDED']);

    // Even the right code is refused now: the step is over.
    const again = await verify(id, token, code);
    expect(again.statusCode, again.body).toBe(409);
    expect(again.json().code).toBe('INVALID_STATE');

    // The applicant was told of the failure, once.
    const statusMessages = (await outboxFor(stack, a.phone)).filter(
      (m) => m.template === 'STATUS_CHANGED',
    );
    expect(statusMessages).toHaveLength(1);
    expect(statusMessages[0]!.text).toContain('closed without a wallet');
  });

  it('refuses a resend within 60 s: 429 OTP_RESEND_TOO_SOON with Retry-After, no new code', async () => {
    const a = freshPerson(PEOPLE[1]!);
    const { applicationId: id, applicantToken: token } = await started(a);
    const res = await stack.api.inject({
      method: 'POST',
      url: `/v1/applications/${id}/otp`,
      headers: bearer(token),
      payload: {},
    });
    expect(res.statusCode, res.body).toBe(429);
    expect(res.json()).toMatchObject({
      status: 429,
      code: 'OTP_RESEND_TOO_SOON',
      applicationStatus: 'AWAITING_PHONE_VERIFICATION',
    });
    const retryAfter = Number(res.headers['retry-after']);
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(55);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const otps = (await outboxFor(stack, a.phone)).filter((m) => m.template === 'OTP');
    expect(otps).toHaveLength(1);
  });

  it('answers 404 to another applicant verifying or resending', async () => {
    const a = freshPerson(PEOPLE[2]!);
    const b = freshPerson(PEOPLE[3]!);
    const { applicationId: id } = await started(a);
    const { applicantToken: otherToken } = await started(b);
    const code = await lastOtp(stack, a.phone);
    const res = await verify(id, otherToken, code);
    expect(res.statusCode, res.body).toBe(404);
    const resend = await stack.api.inject({
      method: 'POST',
      url: `/v1/applications/${id}/otp`,
      headers: bearer(otherToken),
      payload: {},
    });
    expect(resend.statusCode, resend.body).toBe(404);
  });
});
