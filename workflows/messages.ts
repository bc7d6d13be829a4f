// The workflows' Temporal contract: updates, queries, signals and search attributes that
// the API, the worker and the tests share. Pure definitions, safe in the workflow sandbox.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { BankMovementKind, LedgerErrorCode, MovementResult } from '../db/store';
import type {
  Applicant,
  BankRetry,
  ApplicationView,
  DeregistrationStepResult,
  DeregistrationView,
  Guardian,
  PhotoStepResult,
  ReviewDecision,
  ReviewFile,
  StepResult,
  SubmitApplicationRequest,
} from '../domain/contract';
import type { ChallengeAnswer, PasswordKind } from '../domain/sms-challenges';

/** Custom search attributes of SPEC §6: registered by temporal-dev.sh and the test setup. */
export const searchAttributes = {
  onboardingStatus: defineSearchAttributeKey('OnboardingStatus', SearchAttributeType.KEYWORD),
  nextAction: defineSearchAttributeKey('NextAction', SearchAttributeType.KEYWORD),
  riskLevel: defineSearchAttributeKey('RiskLevel', SearchAttributeType.KEYWORD),
  reviewDueAt: defineSearchAttributeKey('ReviewDueAt', SearchAttributeType.DATETIME),
  deregistrationStatus: defineSearchAttributeKey(
    'DeregistrationStatus',
    SearchAttributeType.KEYWORD,
  ),
} as const;

/** Answered in the same request that starts the workflow (update-with-start). */
export const submitApplicationUpdate = defineUpdate<ApplicationView, [SubmitApplicationRequest]>(
  'submitApplication',
);

export const verifyOtpUpdate = defineUpdate<StepResult, [{ version: 1; code: string }]>(
  'verifyOtp',
);

export const resendOtpUpdate = defineUpdate<StepResult, [{ version: 1 }]>('resendOtp');

export const submitIdPhotoUpdate = defineUpdate<PhotoStepResult, [{ version: 1; ref: string }]>(
  'submitIdPhoto',
);

export const guardianConsentUpdate = defineUpdate<StepResult, [{ version: 1; guardian: Guardian }]>(
  'guardianConsent',
);

export const decideUpdate = defineUpdate<
  StepResult,
  [
    {
      version: 1;
      decision: Omit<ReviewDecision, 'at'>;
      /** The API's signature of this decision (crypto/decision-proof.ts); checked by an activity. */
      proof: { nonce: string; mac: string };
    },
  ]
>('decide');

export const resubmitUpdate = defineUpdate<
  StepResult,
  [{ version: 1; fields: Partial<Applicant> }]
>('resubmit');

export const setPaymentPasswordUpdate = defineUpdate<
  StepResult,
  [{ version: 1; paymentPasswordHash: string }]
>('setPaymentPassword');

export const cancelUpdate = defineUpdate<StepResult, [{ version: 1 }]>('cancel');

export const getApplicationQuery = defineQuery<ApplicationView>('getApplication');

export const getReviewFileQuery = defineQuery<ReviewFile>('getReviewFile');

export const requestDeregistrationUpdate = defineUpdate<DeregistrationView, [{ version: 1 }]>(
  'requestDeregistration',
);

export const withdrawAllUpdate = defineUpdate<DeregistrationStepResult, [{ version: 1 }]>(
  'withdrawAll',
);

export const confirmDeregistrationUpdate = defineUpdate<DeregistrationStepResult, [{ version: 1 }]>(
  'confirmDeregistration',
);

export const cancelDeregistrationUpdate = defineUpdate<DeregistrationStepResult, [{ version: 1 }]>(
  'cancelDeregistration',
);

export const balanceChangedSignal = defineSignal<[]>('balanceChanged');

export const getDeregistrationQuery = defineQuery<DeregistrationView>('getDeregistration');

// ---- SMS challenges after onboarding (SPEC §2.1): password resets and new devices ------------

/** Send (or send again) the reset code, for this kind of password. */
export const requestResetCodeUpdate = defineUpdate<
  ChallengeAnswer,
  [{ version: 1; kind: PasswordKind }]
>('requestResetCode');

/**
 * The code, who the caller says they are (the blind index of the ID number they typed: the
 * number itself never enters Temporal) and the new password's hash.
 */
export const verifyResetUpdate = defineUpdate<
  ChallengeAnswer,
  [{ version: 1; code: string; kind: PasswordKind; personId: string; newPasswordHash: string }]
>('verifyReset');

/** Which password the running reset is for (the API checks the new one's rules by it). */
export const getResetKindQuery = defineQuery<PasswordKind>('getResetKind');

export const requestDeviceCodeUpdate = defineUpdate<ChallengeAnswer, [{ version: 1 }]>(
  'requestDeviceCode',
);

export const verifyDeviceUpdate = defineUpdate<ChallengeAnswer, [{ version: 1; code: string }]>(
  'verifyDevice',
);

// ---- money movements (workflows/money-movement.ts) -----------------------------------------------

export interface MoneyMovementInput {
  /** The wallet transaction's id, also the bank's transfer id: one per wallet and key. */
  transactionId: string;
  walletId: string;
  kind: BankMovementKind;
  /** fen; left out for WITHDRAW_ALL */
  amount?: number;
  idempotencyKey: string;
  bankRetry: BankRetry;
}

/**
 * Where a movement is: refused before any money moved (nothing recorded), nothing to do (a
 * withdraw-all of a zero balance), or its transaction PENDING, COMPLETED or FAILED.
 */
export type MoneyMovementState =
  | { state: 'REFUSED'; code: LedgerErrorCode; message: string; details: Record<string, unknown> }
  | { state: 'NOTHING' }
  | { state: 'RECORDED'; result: MovementResult };

/** Answers once the movement has ended or `waitMs` has passed, whichever comes first. */
export const awaitMovementUpdate = defineUpdate<MoneyMovementState, [{ waitMs: number }]>(
  'awaitMovement',
);

export const getMovementQuery = defineQuery<MoneyMovementState | null>('getMovement');
