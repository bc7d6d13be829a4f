// SPEC §1: an application waiting on its applicant (photo, guardian, resubmission, payment
// password) without any action for APPLICATION_IDLE_EXPIRE_AFTER ends FAILED APPLICATION_EXPIRED,
// and the person may apply again. Each attempt restarts the wait.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ApplicationView } from '../../domain/contract';
import {
  getApplicationQuery,
  submitApplicationUpdate,
  submitIdPhotoUpdate,
} from '../../workflows/messages';
import { ACCEPTED_PHOTO, startWorkflowTier, type WorkflowTier } from '../helpers/time-skipping';
import { adult } from './applicants';
import { decide, toPendingReview, uploadPhoto, verifyPhone, type Onboarding } from './drive';

let tier: WorkflowTier;
beforeAll(async () => {
  tier = await startWorkflowTier();
});
afterAll(async () => {
  await tier?.close();
});
beforeEach(() => tier.use({}));

const status = (handle: Onboarding): Promise<ApplicationView> => handle.query(getApplicationQuery);
const released = (applicationId: string) =>
  tier.inputs('releaseApplicant', (i) => i.applicationId === applicationId).length;

async function atPhotoStep() {
  const a = adult();
  const started = await tier.startOnboarding(a);
  await started.handle.executeUpdate(submitApplicationUpdate, { args: [{ version: 1 }] });
  await verifyPhone(tier, started.handle, a.phone);
  expect(await status(started.handle)).toMatchObject({ status: 'AWAITING_ID_PHOTO' });
  return started;
}

describe('applications waiting on their applicant', () => {
  it('expire at the photo step after 7 idle days, and release the person', async () => {
    const { handle, applicationId } = await atPhotoStep();
    await tier.sleep('6 days');
    expect(await status(handle)).toMatchObject({ status: 'AWAITING_ID_PHOTO' });
    await tier.sleep('2 days');
    const result = await handle.result();
    expect(result).toMatchObject({ status: 'FAILED', nextAction: 'NONE' });
    expect(result.reasons.map((r) => r.code)).toEqual(['APPLICATION_EXPIRED']);
    expect(released(applicationId)).toBeGreaterThan(0);
  });

  it('count from the last attempt: a refused photo restarts the wait', async () => {
    const { handle } = await atPhotoStep();
    await tier.sleep('5 days');
    tier.use({
      checkIdPhoto: () => ({ ...ACCEPTED_PHOTO, accepted: false, reasons: ['PHOTO_BLURRY'] }),
    });
    const refused = await handle.executeUpdate(submitIdPhotoUpdate, {
      args: [{ version: 1, ref: 'f'.repeat(64) }],
    });
    expect(refused.ok).toBe(false);
    await tier.sleep('5 days');
    // Ten days after the step began, five after the attempt: still waiting.
    expect(await status(handle)).toMatchObject({ status: 'AWAITING_ID_PHOTO' });
    await tier.sleep('3 days');
    expect((await handle.result()).reasons.map((r) => r.code)).toEqual(['APPLICATION_EXPIRED']);
  });

  it('expire waiting for the payment password', async () => {
    const { handle } = await toPendingReview(tier, adult(), {
      applicationIdleExpireAfterMs: 3600_000,
    });
    const approved = await decide(handle, 'rita');
    expect(approved.view.status).toBe('AWAITING_PAYMENT_PASSWORD');
    await tier.sleep('2 hours');
    const result = await handle.result();
    expect(result.status).toBe('FAILED');
    expect(result.reasons.map((r) => r.code)).toEqual(['APPLICATION_EXPIRED']);
  });

  it('expire after a RETRY rejection when idle is shorter than the 7-day window', async () => {
    const { handle } = await toPendingReview(tier, adult(), {
      applicationIdleExpireAfterMs: 24 * 3600_000,
    });
    const rejected = await decide(handle, 'rita', {
      decision: 'REJECT',
      reasonCode: 'INFORMATION_INCONSISTENT',
    });
    expect(rejected.view.status).toBe('REJECTED');
    await tier.sleep('25 hours');
    const result = await handle.result();
    expect(result.reasons.map((r) => r.code)).toEqual(['APPLICATION_EXPIRED']);
  });

  it('never expire a step that has its answer: an accepted photo moves on', async () => {
    const { handle } = await atPhotoStep();
    await tier.sleep('6 days');
    const uploaded = await uploadPhoto(handle);
    expect(uploaded.view.status).toBe('PENDING_REVIEW');
    await tier.sleep('1 day');
    expect(await status(handle)).toMatchObject({ status: 'PENDING_REVIEW' });
  });
});
