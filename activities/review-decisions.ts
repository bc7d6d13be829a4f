// A reviewer's decision, taken by the workflow only with the API's proof, and audited by the
// workflow's own record: one row per decision, whoever sent it and however often.
import { ApplicationFailure } from '@temporalio/common';
import { decisionProofValid, type SignedDecision } from '../crypto/decision-proof';
import type { ActivityDeps } from './index';

export interface AcceptReviewDecisionInput {
  applicationId: string;
  /** The review round (resubmissions so far): a decision of one round is no proof in another. */
  round: number;
  decision: SignedDecision;
  proof: unknown;
}

export function createReviewDecisionActivities({
  store,
  config,
}: Pick<ActivityDeps, 'store' | 'config'>) {
  return {
    /**
     * True, with the decision's audit row written, when the API issued this decision for this
     * application in this round (a retry of the same decision is true again, one row); false for a
     * decision without a valid proof, or one replayed from another round.
     */
    async acceptReviewDecision(input: AcceptReviewDecisionInput): Promise<boolean> {
      if (typeof input.applicationId !== 'string' || !Number.isInteger(input.round))
        throw ApplicationFailure.nonRetryable(
          'applicationId and round are required',
          'INVALID_INPUT',
        );
      const { decision, proof } = input;
      if (!decisionProofValid(config.piiKey, input.applicationId, decision, proof)) return false;
      const eventKey = `application:${input.applicationId}:decision:${proof.nonce}`;
      return store.recordReviewDecision({
        eventKey,
        at: new Date(),
        actor: decision.reviewer,
        action: decision.decision === 'APPROVE' ? 'REVIEW_APPROVED' : 'REVIEW_REJECTED',
        subjectType: 'application',
        subjectId: input.applicationId,
        // Codes only: the message and the note may name the applicant.
        detail: {
          decision: decision.decision,
          round: input.round,
          ...(decision.decision === 'REJECT'
            ? { reasonCode: decision.reasonCode, rejectType: decision.rejectType ?? 'RETRY' }
            : {}),
        },
        round: input.round,
      });
    },
  };
}
