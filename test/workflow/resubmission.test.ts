// SPEC §1 step 7: after a RETRY rejection the applicant may correct fields within 7 days, at most
// 3 times; what was changed decides which steps run again.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { NotifyInput } from '../../notifications/notify';
import { type Applicant, type ApplicationView } from '../../domain/contract';
import { getApplicationQuery } from '../../workflows/messages';
import { bankCard } from '../helpers/people';
import { startWorkflowTier, type WorkflowTier } from '../helpers/time-skipping';
import { adult, applicantAged } from './applicants';
import {
  consent,
  decide,
  resubmit,
  toPendingReview,
  uploadPhoto,
  verifyPhone,
  type Onboarding,
} from './drive';

let tier: WorkflowTier;
beforeAll(async () => {
  tier = await startWorkflowTier();
});
afterAll(async () => {
  await tier?.close();
});
beforeEach(() => tier.use({}));

const DAY = 24 * 3600_000;

function rejectForRetry(handle: Onboarding, reviewer = 'rita') {
  return decide(handle, reviewer, { decision: 'REJECT', reasonCode: 'INFORMATION_INCONSISTENT' });
}

const status = (handle: Onboarding): Promise<ApplicationView> => handle.query(getApplicationQuery);

/** How often each step ran for the application: eligibility, codes sent, photos, guardians. */
function steps(applicationId: string, phones: string[]) {
  const of = (i: Record<string, unknown>) => i.applicationId === applicationId;
  return {
    eligibility: tier.inputs('checkEligibility', of).length,
    codes: tier.inputs<NotifyInput>(
      'notify',
      (i) => i.template === 'OTP' && phones.includes(i.recipient as string),
    ).length,
    photos: tier.inputs('checkIdPhoto', of).length,
    reviews: tier.inputs('saveReviewSnapshot', of).length,
  };
}

describe('the resubmission window', () => {
  it('waits 7 days for corrections after a RETRY rejection, then fails', async () => {
    const { handle } = await toPendingReview(tier, adult());
    const rejected = await decide(handle, 'rita', {
      decision: 'REJECT',
      reasonCode: 'DOCUMENT_SUSPICIOUS',
      messageToApplicant: 'Please photograph the card again.',
    });
    expect(rejected.view).toMatchObject({
      status: 'REJECTED',
      nextAction: 'RESUBMIT',
      reasons: [{ code: 'DOCUMENT_SUSPICIOUS', message: 'Please photograph the card again.' }],
      attemptsLeft: { resubmission: 3 },
    });
    const window = Date.parse(rejected.view.stepDeadline!) - Date.parse(rejected.view.updatedAt);
    expect(Math.abs(window - 7 * DAY)).toBeLessThan(1000);

    await tier.sleep('6 days');
    expect(await status(handle)).toMatchObject({ status: 'REJECTED' });
    await tier.sleep('2 days');
    const result = await handle.result();
    expect(result.status).toBe('FAILED');
    expect(result.reasons.map((r) => r.code)).toEqual([
      'DOCUMENT_SUSPICIOUS',
      'RESUBMISSION_EXPIRED',
    ]);
  });

  it('allows 3 resubmissions; the fourth RETRY rejection ends the application', async () => {
    const { handle } = await toPendingReview(tier, adult());
    for (const left of [2, 1, 0]) {
      await rejectForRetry(handle);
      const resubmitted = await resubmit(handle, {});
      expect(resubmitted).toMatchObject({
        ok: true,
        view: { status: 'AWAITING_ID_PHOTO', attemptsLeft: { resubmission: left } },
      });
      await uploadPhoto(handle);
    }
    const last = await rejectForRetry(handle);
    expect(last.view.status).toBe('FAILED');
    expect(last.view.reasons.map((r) => r.code)).toEqual([
      'INFORMATION_INCONSISTENT',
      'RESUBMISSION_LIMIT_REACHED',
    ]);
    await handle.result();
  });

  it('ends the application for good on a FINAL rejection', async () => {
    const { handle } = await toPendingReview(tier, adult());
    const final = await decide(handle, 'rita', {
      decision: 'REJECT',
      reasonCode: 'OTHER',
      rejectType: 'FINAL',
    });
    expect(final.view).toMatchObject({ status: 'FAILED', nextAction: 'NONE' });
    await handle.result();
  });
});

describe('what a resubmission runs again', () => {
  async function rejected(a: Applicant) {
    const started = await toPendingReview(tier, a);
    await rejectForRetry(started.handle);
    return started;
  }

  it('with no field changed: the photo and the review only', async () => {
    const a = adult();
    const { applicationId, handle } = await rejected(a);
    const before = steps(applicationId, [a.phone]);
    expect(before).toEqual({ eligibility: 1, codes: 1, photos: 1, reviews: 1 });
    expect((await resubmit(handle, {})).view.status).toBe('AWAITING_ID_PHOTO');
    await uploadPhoto(handle);
    expect(await status(handle)).toMatchObject({ status: 'PENDING_REVIEW' });
    expect(steps(applicationId, [a.phone])).toEqual({
      eligibility: 1,
      codes: 1,
      photos: 2,
      reviews: 2,
    });
    // The review starts afresh: the reviewer who rejected may approve now.
    expect((await decide(handle, 'rita')).view.status).toBe('AWAITING_PAYMENT_PASSWORD');
  });

  it.each([
    ['name', { name: '王晓明' }],
    ['bank card', { bankCardNumber: bankCard('621700009876543210') }],
  ] as const)('with a new %s: eligibility, then the photo and the review', async (_, change) => {
    const a = adult();
    const { applicationId, handle } = await rejected(a);
    expect((await resubmit(handle, change)).view.status).toBe('AWAITING_ID_PHOTO');
    expect(steps(applicationId, [a.phone])).toMatchObject({ eligibility: 2, codes: 1 });
    expect(
      tier.inputs('checkEligibility', (i) => i.applicationId === applicationId)[1],
    ).toMatchObject({ applicant: change });
    await uploadPhoto(handle);
    expect(steps(applicationId, [a.phone])).toEqual({
      eligibility: 2,
      codes: 1,
      photos: 2,
      reviews: 2,
    });
  });

  it('with a new phone: its verification, then the photo and the review', async () => {
    const a = adult();
    const phone = adult().phone;
    const { applicationId, handle } = await rejected(a);
    const answer = await resubmit(handle, { phone });
    expect(answer.view).toMatchObject({
      status: 'AWAITING_PHONE_VERIFICATION',
      nextAction: 'VERIFY_PHONE',
      attemptsLeft: { otp: 5 },
    });
    expect(steps(applicationId, [a.phone, phone])).toMatchObject({ eligibility: 1, codes: 2 });
    await verifyPhone(tier, handle, phone);
    await uploadPhoto(handle);
    expect(steps(applicationId, [a.phone, phone])).toEqual({
      eligibility: 1,
      codes: 2,
      photos: 2,
      reviews: 2,
    });
  });

  it('with a new ID number: the old claim released, eligibility, and the guardian again', async () => {
    const a = applicantAged(13);
    const other = applicantAged(14);
    const { applicationId, handle } = await rejected(a);
    const answer = await resubmit(handle, { idNumber: other.idNumber });
    expect(answer.view.status).toBe('AWAITING_ID_PHOTO');
    expect(tier.inputs('releaseApplicant', (i) => i.applicationId === applicationId)).toMatchObject(
      [{ idNumber: a.idNumber }],
    );
    expect(steps(applicationId, [a.phone])).toMatchObject({ eligibility: 2, codes: 1 });
    const photo = await uploadPhoto(handle);
    expect(photo.view.status).toBe('AWAITING_GUARDIAN_CONSENT');
    expect((await consent(handle)).view.status).toBe('PENDING_REVIEW');
  });

  it('keeps the guardian who consented when the ID number stays', async () => {
    const a = applicantAged(13);
    const { handle } = await rejected(a);
    await resubmit(handle, { name: '王晓明' });
    const photo = await uploadPhoto(handle);
    expect(photo.view.status).toBe('PENDING_REVIEW');
  });

  it('fails the application when the corrected fields are no longer eligible', async () => {
    const { handle } = await rejected(adult());
    tier.use({ checkEligibility: () => ({ ok: false, code: 'BANK_ACCOUNT_HOLDER_MISMATCH' }) });
    const answer = await resubmit(handle, { name: '王晓明' });
    expect(answer).toMatchObject({
      ok: false,
      code: 'BANK_ACCOUNT_HOLDER_MISMATCH',
      view: { status: 'FAILED' },
    });
    await handle.result();
  });

  it('refuses invalid corrections and stays REJECTED', async () => {
    const { handle } = await rejected(adult());
    const refused = await resubmit(handle, { phone: '12345' });
    expect(refused).toMatchObject({ ok: false, code: 'INVALID_PHONE' });
    expect(await status(handle)).toMatchObject({ status: 'REJECTED' });
  });
});
