// SPEC §1 step 2, phone verification: wrong codes and the lock through HTTP against the real dev
// server; code expiry, resend cooldown and cap, and the 24 h window on the time-skipping server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancelUpdate, resendOtpUpdate, submitApplicationUpdate, verifyOtpUpdate } from '../../workflows/messages';
import type { Applicant as WorkflowApplicant } from '../../domain/contract';
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
import { startTimeSkipping, type TimeSkipping } from '../helpers/time-skipping';

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

describe('phone verification over time (time-skipping server)', () => {
  let ts: TimeSkipping;
  beforeAll(async () => {
    ts = await startTimeSkipping();
  });
  afterAll(async () => {
    await ts?.close();
  });

  function person(base = PEOPLE[0]!): WorkflowApplicant {
    const a = freshPerson(base);
    const applicant = {
      name: a.person.name,
      idNumber: a.person.idNumber,
      phone: a.phone,
      bankCardNumber: a.card,
    };
    ts.openBankAccount(applicant);
    return applicant;
  }

  it('expires a code after 5 minutes, resends after each 60 s cooldown, at most 5 sends', async () => {
    const a = person();
    const { handle } = await ts.startOnboarding(a);
    const first = await handle.executeUpdate(submitApplicationUpdate, { args: [{ version: 1 }] });
    expect(first.status).toBe('AWAITING_PHONE_VERIFICATION');
    expect(ts.sent(a.phone, 'OTP')).toHaveLength(1);
    const code1 = ts.lastOtp(a.phone);

    // Cooldown: no second code straight away.
    const tooSoon = await handle.executeUpdate(resendOtpUpdate, { args: [{ version: 1 }] });
    expect(tooSoon).toMatchObject({ ok: false, code: 'OTP_RESEND_TOO_SOON' });
    expect(tooSoon.retryAfterSeconds).toBeGreaterThanOrEqual(55);
    expect(tooSoon.retryAfterSeconds).toBeLessThanOrEqual(60);

    // Six minutes on, the first code has expired; the failed try costs no attempt.
    await ts.env.sleep('6 minutes');
    const expired = await handle.executeUpdate(verifyOtpUpdate, {
      args: [{ version: 1, code: code1 }],
    });
    expect(expired).toMatchObject({ ok: false, code: 'OTP_EXPIRED' });
    expect(expired.view.status).toBe('AWAITING_PHONE_VERIFICATION');
    expect(expired.view.attemptsLeft.otp).toBe(5);

    // Sends 2..5, each after the cooldown.
    for (let send = 2; send <= 5; send++) {
      if (send > 2) await ts.env.sleep('61 seconds');
      const resent = await handle.executeUpdate(resendOtpUpdate, { args: [{ version: 1 }] });
      expect(resent.ok, `send ${send}`).toBe(true);
      expect(ts.sent(a.phone, 'OTP')).toHaveLength(send);
    }
    const codes = ts.sent(a.phone, 'OTP').map((m) => /\d{6}/.exec(m.text)![0]);

    // A sixth send is refused for good, not for a cooldown.
    await ts.env.sleep('61 seconds');
    const capped = await handle.executeUpdate(resendOtpUpdate, { args: [{ version: 1 }] });
    expect(capped).toMatchObject({
      ok: false,
      code: 'OTP_RESEND_TOO_SOON',
      message: 'No more codes can be sent for this application.',
    });
    expect(capped.retryAfterSeconds).toBeUndefined();
    expect(ts.sent(a.phone, 'OTP')).toHaveLength(5);

    // Only the newest code counts: an earlier one is a wrong try.
    if (codes[3] !== codes[4]) {
      const superseded = await handle.executeUpdate(verifyOtpUpdate, {
        args: [{ version: 1, code: codes[3]! }],
      });
      expect(superseded).toMatchObject({ ok: false, code: 'OTP_INVALID' });
      expect(superseded.view.attemptsLeft.otp).toBe(4);
    }
    const verified = await handle.executeUpdate(verifyOtpUpdate, {
      args: [{ version: 1, code: codes[4]! }],
    });
    expect(verified.ok).toBe(true);
    expect(verified.view).toMatchObject({
      status: 'AWAITING_ID_PHOTO',
      nextAction: 'UPLOAD_ID_PHOTO',
    });
    // Ended the way an applicant would, waiting for the workflow to finish: one terminated with
    // an activity in flight (the SMS about the step, sent after the answer) would leave the test
    // server's clock locked for the next test.
    const cancelled = await handle.executeUpdate(cancelUpdate, { args: [{ version: 1 }] });
    expect(cancelled.view.status).toBe('CANCELLED');
    await handle.result();
    expect(ts.sent(a.phone, 'STATUS_CHANGED')).toHaveLength(2); // ID photo, cancelled
  }, 30_000);

  it('fails the application with OTP_EXPIRED when the phone is not verified within 24 h', async () => {
    const a = person(PEOPLE[1]);
    const { handle } = await ts.startOnboarding(a);
    const first = await handle.executeUpdate(submitApplicationUpdate, { args: [{ version: 1 }] });
    expect(first.status).toBe('AWAITING_PHONE_VERIFICATION');
    expect(Date.parse(first.stepDeadline ?? '') - Date.parse(first.createdAt)).toBeGreaterThan(
      24 * 3600_000 - 60_000,
    );

    await ts.env.sleep('23 hours');
    const still = await handle.query('getApplication');
    expect(still).toMatchObject({ status: 'AWAITING_PHONE_VERIFICATION' });

    await ts.env.sleep('2 hours');
    const result = await handle.result();
    expect(result).toMatchObject({ status: 'FAILED', nextAction: 'NONE' });
    expect(result.reasons.map((r) => r.code)).toEqual(['OTP_EXPIRED']);
    // Told by SMS, once.
    const told = ts.sent(a.phone, 'STATUS_CHANGED');
    expect(told).toHaveLength(1);
    expect(told[0]!.text).toContain('closed without a wallet');
  }, 30_000);
});
