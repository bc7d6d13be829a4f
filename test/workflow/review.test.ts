// SPEC §1 step 6: the review's reminder, escalation and expiry, and four-eyes review of high-risk
// applications (two approvals from two different reviewers).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AcceptReviewDecisionInput } from '../../activities/review-decisions';
import type { NotifyInput } from '../../notifications/notify';
import { WorkflowErrors, type ApplicationView } from '../../domain/contract';
import { cancelUpdate, getApplicationQuery, getReviewFileQuery } from '../../workflows/messages';
import { ACCEPTED_PHOTO, startWorkflowTier, type WorkflowTier } from '../helpers/time-skipping';
import { adult, applicantAged } from './applicants';
import { decide, refusal, toPendingReview, type Onboarding } from './drive';

let tier: WorkflowTier;
beforeAll(async () => {
  tier = await startWorkflowTier();
});
afterAll(async () => {
  await tier?.close();
});
beforeEach(() => tier.use({}));

const staff = (applicationId: string, template: string) =>
  tier.inputs<NotifyInput>(
    'notify',
    (i) =>
      i.channel === 'staff' &&
      i.template === template &&
      (i.params as Record<string, string>).applicationId === applicationId,
  );

async function status(handle: Onboarding): Promise<ApplicationView> {
  return handle.query(getApplicationQuery);
}

async function cancel(handle: Onboarding) {
  await handle.executeUpdate(cancelUpdate, { args: [{ version: 1 }] });
  await handle.result();
}

describe('review timers', () => {
  it('reminds reviewers at 2 h, escalates at 4 h and fails with REVIEW_TIMEOUT at 48 h', async () => {
    const a = adult();
    const { applicationId, handle } = await toPendingReview(tier, a);
    const opened = await status(handle);
    const window = Date.parse(opened.reviewDueAt!) - Date.parse(opened.updatedAt);
    expect(Math.abs(window - 48 * 3600_000)).toBeLessThan(1000);

    await tier.sleep('119 minutes');
    expect(staff(applicationId, 'REVIEW_REMINDER')).toHaveLength(0);
    await tier.sleep('2 minutes');
    await tier.waitForCalls(
      'notify',
      1,
      (i) =>
        i.template === 'REVIEW_REMINDER' && i.key === `${applicationId}:review:0:REVIEW_REMINDER`,
    );
    expect(staff(applicationId, 'REVIEW_REMINDER')).toMatchObject([
      { recipient: 'reviewers', params: { dueAt: opened.reviewDueAt, riskLevel: 'LOW' } },
    ]);
    expect(staff(applicationId, 'REVIEW_ESCALATION')).toHaveLength(0);

    await tier.sleep('118 minutes');
    expect(staff(applicationId, 'REVIEW_ESCALATION')).toHaveLength(0);
    await tier.sleep('2 minutes');
    await tier.waitForCalls(
      'notify',
      1,
      (i) => i.key === `${applicationId}:review:0:REVIEW_ESCALATION`,
    );
    expect(staff(applicationId, 'REVIEW_ESCALATION')).toMatchObject([
      { recipient: 'review-supervisors' },
    ]);

    await tier.sleep('43 hours');
    expect(await status(handle)).toMatchObject({ status: 'PENDING_REVIEW' });
    await tier.sleep('2 hours');
    const result = await handle.result();
    expect(result).toMatchObject({ status: 'FAILED', nextAction: 'NONE' });
    expect(result.reasons.map((r) => r.code)).toEqual(['REVIEW_TIMEOUT']);
    // The applicant is told, the person may apply again, and staff heard once of each stage.
    await tier.waitForCalls(
      'notify',
      1,
      (i) => i.recipient === a.phone && (i.params as Record<string, string>).status === 'FAILED',
    );
    expect(tier.inputs('releaseApplicant', (i) => i.applicationId === applicationId)).toHaveLength(
      1,
    );
    expect(staff(applicationId, 'REVIEW_REMINDER')).toHaveLength(1);
    expect(staff(applicationId, 'REVIEW_ESCALATION')).toHaveLength(1);
  });

  it('takes its durations from the application (REVIEW_REMIND_AFTER and the others)', async () => {
    const { applicationId, handle } = await toPendingReview(tier, adult(), {
      reviewRemindAfterMs: 10 * 60_000,
      reviewEscalateAfterMs: 20 * 60_000,
      reviewExpireAfterMs: 30 * 60_000,
    });
    await tier.sleep('11 minutes');
    await tier.waitForCalls(
      'notify',
      1,
      (i) => i.key === `${applicationId}:review:0:REVIEW_REMINDER`,
    );
    expect(staff(applicationId, 'REVIEW_ESCALATION')).toHaveLength(0);
    await tier.sleep('10 minutes');
    await tier.waitForCalls(
      'notify',
      1,
      (i) => i.key === `${applicationId}:review:0:REVIEW_ESCALATION`,
    );
    await tier.sleep('10 minutes');
    expect((await handle.result()).reasons.map((r) => r.code)).toEqual(['REVIEW_TIMEOUT']);
  });

  it('sends neither reminder nor escalation once decided, and never times out', async () => {
    const { applicationId, handle } = await toPendingReview(tier, adult());
    await tier.sleep('1 hour');
    const approved = await decide(handle, 'rita');
    expect(approved.view.status).toBe('AWAITING_PAYMENT_PASSWORD');
    await tier.sleep('3 days');
    expect(await status(handle)).toMatchObject({ status: 'AWAITING_PAYMENT_PASSWORD' });
    expect(staff(applicationId, 'REVIEW_REMINDER')).toHaveLength(0);
    expect(staff(applicationId, 'REVIEW_ESCALATION')).toHaveLength(0);
    await cancel(handle);
  });

  it('sends the escalation but no further reminder when decided between the two', async () => {
    const { applicationId, handle } = await toPendingReview(tier, adult());
    await tier.sleep('3 hours');
    await tier.waitForCalls(
      'notify',
      1,
      (i) => i.key === `${applicationId}:review:0:REVIEW_REMINDER`,
    );
    await decide(handle, 'rita');
    await tier.sleep('2 days');
    expect(staff(applicationId, 'REVIEW_REMINDER')).toHaveLength(1);
    expect(staff(applicationId, 'REVIEW_ESCALATION')).toHaveLength(0);
    await cancel(handle);
  });
});

describe('four-eyes review', () => {
  it('approves a low-risk application on one approval', async () => {
    const { handle } = await toPendingReview(tier, adult());
    expect((await handle.query(getReviewFileQuery)).approvalsRequired).toBe(1);
    const approved = await decide(handle, 'rita');
    expect(approved).toMatchObject({ ok: true, view: { status: 'AWAITING_PAYMENT_PASSWORD' } });
    await cancel(handle);
  });

  it('needs a second approval from another reviewer for a watch-list hit; the same one is refused', async () => {
    tier.use({
      screenApplicant: () => ({
        riskLevel: 'MEDIUM',
        flags: [{ code: 'WATCHLIST_MATCH', detail: 'entry 7, score 0.93' }],
      }),
    });
    const { applicationId, handle } = await toPendingReview(tier, adult());
    const file = await handle.query(getReviewFileQuery);
    expect(file).toMatchObject({ riskLevel: 'HIGH', approvalsRequired: 2 });
    expect(
      tier.inputs('saveReviewSnapshot', (i) => i.applicationId === applicationId),
    ).toMatchObject([{ riskLevel: 'HIGH', snapshot: { approvalsRequired: 2 } }]);

    const first = await decide(handle, 'rita');
    expect(first).toMatchObject({ ok: true, view: { status: 'PENDING_REVIEW' } });
    expect(await refusal(decide(handle, 'rita'))).toBe(WorkflowErrors.NotAllowed);
    expect(await status(handle)).toMatchObject({ status: 'PENDING_REVIEW' });
    const second = await decide(handle, 'sam');
    expect(second).toMatchObject({ ok: true, view: { status: 'AWAITING_PAYMENT_PASSWORD' } });
    expect((await handle.query(getReviewFileQuery)).decisions.map((d) => d.reviewer)).toEqual([
      'rita',
      'sam',
    ]);
    await cancel(handle);
  });

  it('treats OCR that matched only in part as high risk', async () => {
    tier.use({
      checkIdPhoto: () => ({ ...ACCEPTED_PHOTO, ocr: { ...ACCEPTED_PHOTO.ocr!, partial: true } }),
    });
    const { handle } = await toPendingReview(tier, adult());
    expect(await handle.query(getReviewFileQuery)).toMatchObject({
      riskLevel: 'HIGH',
      approvalsRequired: 2,
      flags: [{ code: 'OCR_PARTIAL_MATCH' }],
    });
    expect((await decide(handle, 'rita')).view.status).toBe('PENDING_REVIEW');
    expect((await decide(handle, 'sam')).view.status).toBe('AWAITING_PAYMENT_PASSWORD');
    await cancel(handle);
  });

  it('treats a minor under 16 as high risk, after the guardian consented', async () => {
    const { handle } = await toPendingReview(tier, applicantAged(12));
    expect(await handle.query(getReviewFileQuery)).toMatchObject({
      riskLevel: 'HIGH',
      approvalsRequired: 2,
      flags: [{ code: 'MINOR_UNDER_16' }],
    });
    expect((await decide(handle, 'rita')).view.status).toBe('PENDING_REVIEW');
    expect((await decide(handle, 'sam')).view.status).toBe('AWAITING_PAYMENT_PASSWORD');
    await cancel(handle);
  });

  it('refuses a decision without the API proof, and counts only issued ones', async () => {
    const { applicationId, handle } = await toPendingReview(tier, adult());
    expect(await refusal(decide(handle, 'mallory', {}, 'forged'))).toBe(WorkflowErrors.NotAllowed);
    expect(await status(handle)).toMatchObject({ status: 'PENDING_REVIEW' });
    expect((await handle.query(getReviewFileQuery)).decisions).toEqual([]);
    const checked = tier.inputs<AcceptReviewDecisionInput>(
      'acceptReviewDecision',
      (i) => i.applicationId === applicationId,
    );
    expect(checked.map((i) => [i.decision.reviewer, i.round])).toEqual([['mallory', 0]]);
    expect((await decide(handle, 'rita')).view.status).toBe('AWAITING_PAYMENT_PASSWORD');
    await cancel(handle);
  });

  it('does not let one reviewer approve twice with two decisions sent at once', async () => {
    tier.use({
      screenApplicant: () => ({
        riskLevel: 'HIGH',
        flags: [{ code: 'WATCHLIST_MATCH', detail: 'entry 7' }],
      }),
    });
    const { handle } = await toPendingReview(tier, adult());
    const answers = await Promise.allSettled([decide(handle, 'rita'), decide(handle, 'rita')]);
    expect(answers.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
    expect(await status(handle)).toMatchObject({ status: 'PENDING_REVIEW' });
    expect((await handle.query(getReviewFileQuery)).decisions.map((d) => d.reviewer)).toEqual([
      'rita',
    ]);
    await cancel(handle);
  });

  it('lets one rejection end a high-risk review, and refuses a rejection without a reason', async () => {
    tier.use({
      screenApplicant: () => ({
        riskLevel: 'HIGH',
        flags: [{ code: 'DUPLICATE_BANK_CARD', detail: 'x' }],
      }),
    });
    const { handle } = await toPendingReview(tier, adult());
    await decide(handle, 'rita');
    expect(await refusal(decide(handle, 'sam', { decision: 'REJECT' }))).toBe(
      WorkflowErrors.NotAllowed,
    );
    const rejected = await decide(handle, 'sam', {
      decision: 'REJECT',
      reasonCode: 'DOCUMENT_SUSPICIOUS',
      rejectType: 'FINAL',
    });
    expect(rejected.view).toMatchObject({ status: 'FAILED' });
    expect(rejected.view.reasons.map((r) => r.code)).toEqual([
      'REVIEW_REJECTED',
      'DOCUMENT_SUSPICIOUS',
    ]);
    await handle.result();
  });
});
