// A reviewer's decision counts only when the API issued it: one sent straight to Temporal (no
// token, any reviewer's name) is refused by the workflow and leaves no trace, and the decision
// the API forwards is audited by the workflow's own record, once (issue: decisions that bypass
// the API).
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDecision } from '../../crypto/decision-proof';
import { auditLog } from '../../db/sqlite/schema';
import { onboardingWorkflowId } from '../../domain/contract';
import { decideUpdate, getReviewFileQuery } from '../../workflows/messages';
import { PEOPLE } from '../fixtures/id-card';
import { decide, driveToPendingReview, freshPerson, staffView } from '../helpers/onboarding';
import { startStack, type Stack } from '../helpers/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({}, { photo: true });
});
afterAll(async () => {
  await stack?.close();
});

const decisionsAudited = (applicationId: string) =>
  stack.database.db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.subjectId, applicationId), eq(auditLog.action, 'REVIEW_APPROVED')))
    .all();

describe('decisions that bypass the API', () => {
  it('refuses a decision sent straight to Temporal, forged or replayed for someone else', async () => {
    const { id } = await driveToPendingReview(stack, freshPerson(PEOPLE[0]!));
    const handle = stack.temporalClient.workflow.getHandle(onboardingWorkflowId(id));
    const approve = { reviewer: 'reviewer:eve', decision: 'APPROVE' as const };
    const send = (proof: { nonce: string; mac: string }, decision = approve) =>
      handle.executeUpdate(decideUpdate, { args: [{ version: 1, decision, proof }] }).then(
        () => 'taken',
        (error: { cause?: { message?: string } }) => error.cause?.message,
      );

    expect(await send({ nonce: 'n1', mac: '0'.repeat(64) })).toMatch(/not issued/);
    // A real proof, issued for another reviewer or another application, proves nothing here.
    const forRita = signDecision(stack.config.piiKey, id, {
      ...approve,
      reviewer: 'reviewer:rita',
    });
    expect(await send(forRita)).toMatch(/not issued/);
    expect(await send(signDecision(stack.config.piiKey, 'another', approve))).toMatch(/not issued/);

    expect((await handle.query(getReviewFileQuery)).decisions).toEqual([]);
    expect((await staffView(stack, id)).status).toBe('PENDING_REVIEW');
    expect(decisionsAudited(id)).toEqual([]);

    const approved = await decide(stack, id, 'rita');
    expect(approved.json().status, approved.body).toBe('AWAITING_PAYMENT_PASSWORD');
    const rows = decisionsAudited(id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      actor: 'reviewer:rita',
      detail: { decision: 'APPROVE', round: 0 },
    });
  });
});
