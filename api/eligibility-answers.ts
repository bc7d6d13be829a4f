// What an applicant hears about their bank card (docs/security.md, "Floods and oracles"). "No
// account for this card" and "an account, but held by someone else" are one answer to them,
// BANK_ACCOUNT_NOT_FOUND: told apart, they tell anyone whether a card exists and, by trying
// names and ID numbers, whose it is. Staff still see BANK_ACCOUNT_HOLDER_MISMATCH. Every other
// eligibility code is decided only once card, name and ID number all match: only the holder
// hears it.
import type { ReasonCode } from '../domain/codes';
import type { Reason } from '../domain/contract';
import { reasonMessage } from '../domain/messages';

const MERGED: ReasonCode = 'BANK_ACCOUNT_HOLDER_MISMATCH';
const ANSWER: ReasonCode = 'BANK_ACCOUNT_NOT_FOUND';
// Word for word the unknown card's answer.
const MESSAGE = reasonMessage(ANSWER);

/** A reason as the applicant is told it. */
export function applicantReason<R extends { code: ReasonCode; message?: string }>(reason: R): R {
  return reason.code === MERGED ? { ...reason, code: ANSWER, message: MESSAGE } : reason;
}

export function applicantReasons(reasons: Reason[]): Reason[] {
  return reasons.map(applicantReason);
}
