// SPEC §1 step 4 and 8: a guardian consents for an applicant under 16 within 7 days; 16 and 17 need
// none; the wallet's tier follows the age.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Applicant } from '../../domain/contract';
import {
  getApplicationQuery,
  guardianConsentUpdate,
  setPaymentPasswordUpdate,
  submitApplicationUpdate,
} from '../../workflows/messages';
import { startWorkflowTier, type WorkflowTier } from '../helpers/time-skipping';
import { adult, applicantAged } from './applicants';
import { consent, decide, guardianFor, toPendingReview, uploadPhoto, verifyPhone } from './drive';

let tier: WorkflowTier;
beforeAll(async () => {
  tier = await startWorkflowTier();
});
afterAll(async () => {
  await tier?.close();
});
beforeEach(() => tier.use({}));

/** An application of `a` up to the step after the accepted photo. */
async function afterPhoto(a: Applicant) {
  const started = await tier.startOnboarding(a);
  await started.handle.executeUpdate(submitApplicationUpdate, { args: [{ version: 1 }] });
  await verifyPhone(tier, started.handle, a.phone);
  const photo = await uploadPhoto(started.handle);
  return { ...started, view: photo.view };
}

describe('guardian consent', () => {
  it('waits 7 days for a guardian of an applicant under 16, then fails', async () => {
    const a = applicantAged(15);
    const { applicationId, handle, view } = await afterPhoto(a);
    expect(view).toMatchObject({
      status: 'AWAITING_GUARDIAN_CONSENT',
      nextAction: 'GUARDIAN_CONSENT',
    });
    const window = Date.parse(view.stepDeadline!) - Date.parse(view.updatedAt);
    expect(Math.abs(window - 7 * 24 * 3600_000)).toBeLessThan(1000);

    await tier.sleep('6 days');
    expect(await handle.query(getApplicationQuery)).toMatchObject({
      status: 'AWAITING_GUARDIAN_CONSENT',
    });
    await tier.sleep('2 days');
    const result = await handle.result();
    expect(result).toMatchObject({ status: 'FAILED', nextAction: 'NONE' });
    expect(result.reasons.map((r) => r.code)).toEqual(['GUARDIAN_CONSENT_EXPIRED']);
    expect(tier.inputs('releaseApplicant', (i) => i.applicationId === applicationId)).toHaveLength(
      1,
    );
    expect(tier.inputs('screenApplicant', (i) => i.applicationId === applicationId)).toHaveLength(
      0,
    );
  });

  it('goes on to review when a guardian consents on the sixth day', async () => {
    const { handle } = await afterPhoto(applicantAged(10));
    await tier.sleep('6 days');
    const consented = await consent(handle);
    expect(consented.view).toMatchObject({ status: 'PENDING_REVIEW' });
  });

  it('refuses a guardian who is a minor or the applicant, and keeps waiting', async () => {
    const a = applicantAged(14);
    const { handle } = await afterPhoto(a);
    const young = applicantAged(17, '王小红');
    for (const guardian of [
      { ...guardianFor(), idNumber: young.idNumber },
      { ...guardianFor(), idNumber: a.idNumber },
    ]) {
      const refused = await handle.executeUpdate(guardianConsentUpdate, {
        args: [{ version: 1, guardian }],
      });
      expect(refused).toMatchObject({
        ok: false,
        code: 'GUARDIAN_INVALID',
        view: { status: 'AWAITING_GUARDIAN_CONSENT' },
      });
    }
    expect((await consent(handle)).view.status).toBe('PENDING_REVIEW');
  });

  it('asks no guardian at 16 or 17, nor of an adult', async () => {
    for (const age of [16, 17, 18]) {
      const { view } = await afterPhoto(applicantAged(age));
      expect(view.status, `age ${age}`).toBe('PENDING_REVIEW');
    }
  });
});

describe('activation', () => {
  it.each([
    [30, 'STANDARD'],
    [17, 'RESTRICTED'],
    [12, 'GUARDIAN'],
  ] as const)('opens a wallet at age %i in the %s tier', async (age, tier_) => {
    const a = age === 30 ? adult() : applicantAged(age);
    const { applicationId, handle } = await toPendingReview(tier, a);
    await decide(handle, 'rita');
    if (age < 16) await decide(handle, 'sam');
    const active = await handle.executeUpdate(setPaymentPasswordUpdate, {
      args: [{ version: 1, paymentPasswordHash: '$argon2id$stub' }],
    });
    expect(active).toMatchObject({ ok: true, view: { status: 'ACTIVE', tier: tier_ } });
    expect(active.view.walletId).toBeTruthy();
    expect(tier.inputs('createWallet', (i) => i.applicationId === applicationId)).toMatchObject([
      { tier: tier_, ownerPhone: a.phone, idNumber: a.idNumber },
    ]);
    await handle.result();
  });
});
