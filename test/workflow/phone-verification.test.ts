// SPEC §1 step 2 over time: a code is valid 5 minutes, resends wait 60 s and stop at 5, and the
// phone must be verified within 24 h.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  cancelUpdate,
  getApplicationQuery,
  resendOtpUpdate,
  submitApplicationUpdate,
  verifyOtpUpdate,
} from '../../workflows/messages';
import type { NotifyInput } from '../../notifications/notify';
import { startWorkflowTier, type WorkflowTier } from '../helpers/time-skipping';
import { adult } from './applicants';

let tier: WorkflowTier;
beforeAll(async () => {
  tier = await startWorkflowTier();
});
afterAll(async () => {
  await tier?.close();
});
beforeEach(() => tier.use({}));

const sent = (phone: string, template: string) =>
  tier.inputs<NotifyInput>('notify', (i) => i.recipient === phone && i.template === template);

describe('phone verification over time', () => {
  it('expires a code after 5 minutes, resends after each 60 s cooldown, at most 5 sends', async () => {
    const a = adult();
    const { handle } = await tier.startOnboarding(a);
    const first = await handle.executeUpdate(submitApplicationUpdate, { args: [{ version: 1 }] });
    expect(first.status).toBe('AWAITING_PHONE_VERIFICATION');
    expect(sent(a.phone, 'OTP')).toHaveLength(1);
    const code1 = sent(a.phone, 'OTP')[0]!.params.code!;

    // Cooldown: no second code straight away.
    const tooSoon = await handle.executeUpdate(resendOtpUpdate, { args: [{ version: 1 }] });
    expect(tooSoon).toMatchObject({ ok: false, code: 'OTP_RESEND_TOO_SOON' });
    expect(tooSoon.retryAfterSeconds).toBeGreaterThanOrEqual(55);
    expect(tooSoon.retryAfterSeconds).toBeLessThanOrEqual(60);

    // Six minutes on, the first code has expired; the failed try costs no attempt.
    await tier.sleep('6 minutes');
    const expired = await handle.executeUpdate(verifyOtpUpdate, {
      args: [{ version: 1, code: code1 }],
    });
    expect(expired).toMatchObject({ ok: false, code: 'OTP_EXPIRED' });
    expect(expired.view.status).toBe('AWAITING_PHONE_VERIFICATION');
    expect(expired.view.attemptsLeft.otp).toBe(5);

    // Sends 2..5, each after the cooldown.
    for (let send = 2; send <= 5; send++) {
      if (send > 2) await tier.sleep('61 seconds');
      const resent = await handle.executeUpdate(resendOtpUpdate, { args: [{ version: 1 }] });
      expect(resent.ok, `send ${send}`).toBe(true);
      expect(sent(a.phone, 'OTP')).toHaveLength(send);
    }
    const codes = sent(a.phone, 'OTP').map((m) => m.params.code!);

    // A sixth send is refused for good, not for a cooldown.
    await tier.sleep('61 seconds');
    const capped = await handle.executeUpdate(resendOtpUpdate, { args: [{ version: 1 }] });
    expect(capped).toMatchObject({
      ok: false,
      code: 'OTP_RESEND_TOO_SOON',
      message: 'No more codes can be sent for this application.',
    });
    expect(capped.retryAfterSeconds).toBeUndefined();
    expect(sent(a.phone, 'OTP')).toHaveLength(5);

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
    const cancelled = await handle.executeUpdate(cancelUpdate, { args: [{ version: 1 }] });
    expect(cancelled.view.status).toBe('CANCELLED');
    await handle.result();
    await tier.waitForCalls(
      'notify',
      2,
      (i) => i.recipient === a.phone && i.template === 'STATUS_CHANGED',
    );
    expect(sent(a.phone, 'STATUS_CHANGED').map((m) => m.params.status)).toEqual([
      'AWAITING_ID_PHOTO',
      'CANCELLED',
    ]);
  });

  it('accepts a code just before its 5 minutes are up', async () => {
    const a = adult();
    const { handle } = await tier.startOnboarding(a);
    await handle.executeUpdate(submitApplicationUpdate, { args: [{ version: 1 }] });
    await tier.sleep('290 seconds');
    const verified = await handle.executeUpdate(verifyOtpUpdate, {
      args: [{ version: 1, code: sent(a.phone, 'OTP')[0]!.params.code! }],
    });
    expect(verified).toMatchObject({ ok: true, view: { status: 'AWAITING_ID_PHOTO' } });
    await handle.executeUpdate(cancelUpdate, { args: [{ version: 1 }] });
    await handle.result();
  });

  it('fails the application with OTP_EXPIRED when the phone is not verified within 24 h', async () => {
    const a = adult();
    const { handle } = await tier.startOnboarding(a);
    const first = await handle.executeUpdate(submitApplicationUpdate, { args: [{ version: 1 }] });
    expect(first.status).toBe('AWAITING_PHONE_VERIFICATION');
    expect(Date.parse(first.stepDeadline ?? '') - Date.parse(first.createdAt)).toBeGreaterThan(
      24 * 3600_000 - 60_000,
    );

    await tier.sleep('23 hours');
    expect(await handle.query(getApplicationQuery)).toMatchObject({
      status: 'AWAITING_PHONE_VERIFICATION',
    });

    await tier.sleep('2 hours');
    const result = await handle.result();
    expect(result).toMatchObject({ status: 'FAILED', nextAction: 'NONE' });
    expect(result.reasons.map((r) => r.code)).toEqual(['OTP_EXPIRED']);
    // Told by SMS, once; the person's claim is given back.
    const told = sent(a.phone, 'STATUS_CHANGED');
    expect(told.map((m) => m.params.status)).toEqual(['FAILED']);
    expect(tier.inputs('releaseApplicant', (i) => i.idNumber === a.idNumber)).toHaveLength(1);
  });
});
