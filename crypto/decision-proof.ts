// Proof that the API issued a reviewer's decision (issue: a decision sent straight to Temporal, with
// no token and any reviewer's name, used to be taken). The API signs each decision it forwards
// under a key derived from PII_KEY, which the API and the workers hold and Temporal never sees;
// the workflow accepts a decision only once an activity has checked the signature.
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { ReviewDecision } from '../domain/contract';
import { deriveKey } from './pii';

export type SignedDecision = Omit<ReviewDecision, 'at'>;

export interface DecisionProof {
  /** One per decision the API forwards: an audit row is keyed by it. */
  nonce: string;
  /** HMAC-SHA256, hex, over the application, the nonce and every field of the decision. */
  mac: string;
}

function macOf(piiKey: Buffer, applicationId: string, nonce: string, d: SignedDecision): string {
  const signed = JSON.stringify([
    applicationId,
    nonce,
    d.reviewer,
    d.decision,
    d.reasonCode ?? null,
    d.rejectType ?? null,
    d.messageToApplicant ?? null,
    d.internalNote ?? null,
  ]);
  return createHmac('sha256', deriveKey(piiKey, 'review-decisions')).update(signed).digest('hex');
}

export function signDecision(
  piiKey: Buffer,
  applicationId: string,
  decision: SignedDecision,
): DecisionProof {
  const nonce = randomUUID();
  return { nonce, mac: macOf(piiKey, applicationId, nonce, decision) };
}

export function decisionProofValid(
  piiKey: Buffer,
  applicationId: string,
  decision: SignedDecision,
  proof: unknown,
): proof is DecisionProof {
  if (typeof proof !== 'object' || proof === null) return false;
  const { nonce, mac } = proof as Record<string, unknown>;
  if (typeof nonce !== 'string' || typeof mac !== 'string' || !/^[0-9a-f]{64}$/.test(mac))
    return false;
  const expected = Buffer.from(macOf(piiKey, applicationId, nonce, decision), 'hex');
  return timingSafeEqual(expected, Buffer.from(mac, 'hex'));
}
