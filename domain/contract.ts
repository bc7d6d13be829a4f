// Workflow types, message definitions and payload types: the one module the API (client side)
// and the worker (workflow side) both import, so their names and shapes cannot drift apart.
// Message payloads carry a `version` so that a running workflow can tell old from new shapes.
import type {
  ApplicationStatus,
  DeregistrationStatus,
  NextAction,
  ReasonCode,
  ReviewReasonCode,
} from './codes';
import type { FieldError } from './fields';
import type { Tier } from './tiers';

export const ONBOARDING_WORKFLOW = 'onboarding';
/** One notice to a wallet's owner, queued by the ledger (workflows/wallet-notice.ts). */
export const WALLET_NOTICE_WORKFLOW = 'walletNotice';

/** Workflow ids carry no personal data: a random or key-derived id with a fixed prefix. */
export function onboardingWorkflowId(applicationId: string): string {
  return `onboarding-${applicationId}`;
}

export interface Applicant {
  name: string;
  idNumber: string;
  phone: string;
  bankCardNumber: string;
}

export interface OnboardingInput {
  version: 1;
  applicationId: string;
  applicant: Applicant;
  appVersion: string;
  /** A salted slow hash made by the API; the password itself never reaches Temporal. */
  loginPasswordHash: string;
  /** Durations fixed when the application starts, so a running workflow never changes course. */
  settings: OnboardingSettings;
}

export interface OnboardingSettings {
  reviewRemindAfterMs: number;
  reviewEscalateAfterMs: number;
  reviewExpireAfterMs: number;
  /** APPLICATION_IDLE_EXPIRE_AFTER: how long a step waits on its applicant doing nothing. */
  applicationIdleExpireAfterMs: number;
}

/** Rules of SPEC §1 that are not configuration. */
export const ONBOARDING_RULES = {
  otpLength: 6,
  otpTtlMs: 5 * 60_000,
  otpMaxAttempts: 5,
  otpResendCooldownMs: 60_000,
  otpMaxSends: 5,
  phoneVerificationWindowMs: 24 * 3600_000,
  photoMaxAttempts: 5,
  guardianWindowMs: 7 * 24 * 3600_000,
  resubmissionWindowMs: 7 * 24 * 3600_000,
  resubmissionMaxCount: 3,
  highRiskApprovals: 2,
} as const;

export interface Reason {
  code: ReasonCode;
  message: string;
  field?: string;
}

export interface AttemptsLeft {
  otp: number;
  photo: number;
  resubmission: number;
}

/** What `GET /v1/applications/:id` is built from; the API masks `applicant` for applicants. */
export interface ApplicationView {
  applicationId: string;
  status: ApplicationStatus;
  nextAction: NextAction;
  reasons: Reason[];
  fieldErrors: FieldError[];
  attemptsLeft: AttemptsLeft;
  reviewDueAt?: string;
  applicant: Applicant;
  walletId?: string;
  tier?: Tier;
  /** When a step ends by itself if nothing happens (OTP, guardian consent, resubmission). */
  stepDeadline?: string;
  createdAt: string;
  updatedAt: string;
  /**
   * The workflow's history length when this view was taken: larger is newer. Orders the copies
   * kept in the read model (db/sqlite/repositories/application-views.ts); not part of the API's answers.
   */
  revision?: number;
}

export type RiskLevel = 'LOW' | 'MEDIUM' | 'HIGH';

export interface ScreeningFlag {
  code:
    | 'WATCHLIST_MATCH'
    | 'WATCHLIST_NAME_SIMILAR'
    | 'DUPLICATE_PHOTO'
    | 'DUPLICATE_BANK_CARD'
    | 'DUPLICATE_PHONE'
    | 'MINOR_UNDER_16'
    | 'OCR_PARTIAL_MATCH';
  detail: string;
  /** Watch-list flags: how close the hit is, 0..1 (docs/decisions.md, "Screening"). */
  score?: number;
  /** Watch-list flags: the entry hit. */
  watchlistEntryId?: number;
}

export interface PhotoMetricsView {
  width: number;
  height: number;
  sharpness: number;
  glare: number;
  brightness: number;
  /** The card's corners in the upload (top-left, top-right, bottom-right, bottom-left). */
  corners?: { x: number; y: number }[] | null;
  /** The card's long side over the frame's width. */
  cardShare?: number | null;
  glareZones?: { name: number; number: number };
}

export interface PhotoOcrView {
  name: string | null;
  idNumber: string | null;
  matched: boolean;
  nameMatched?: boolean;
  idNumberMatched?: boolean;
  partial?: boolean;
}

/** The id-photo answer of SPEC §5. */
export interface PhotoCheckView {
  accepted: boolean;
  reasons: ReasonCode[];
  metrics: PhotoMetricsView | null;
  ocr: PhotoOcrView | null;
}

export type ReviewDecisionKind = 'APPROVE' | 'REJECT';
export type RejectType = 'RETRY' | 'FINAL';

export interface ReviewDecision {
  reviewer: string;
  decision: ReviewDecisionKind;
  reasonCode?: ReviewReasonCode;
  rejectType?: RejectType;
  messageToApplicant?: string;
  internalNote?: string;
  at: string;
}

export type GuardianRelationship = 'PARENT' | 'LEGAL_GUARDIAN';

export interface Guardian {
  name: string;
  idNumber: string;
  phone: string;
  relationship: GuardianRelationship;
}

/**
 * A review round that ended in a RETRY rejection, as the reviewers saw it: what was submitted,
 * the photo, the round's decisions, and when the applicant resubmitted (null while waiting).
 */
export interface RejectedRound {
  decisions: ReviewDecision[];
  submitted: Applicant;
  photoRef: string | null;
  resubmittedAt: string | null;
}

/** What staff see on top of the applicant's view: the review file. */
export interface ReviewFile {
  riskLevel: RiskLevel | null;
  flags: ScreeningFlag[];
  photo: (PhotoCheckView & { ref: string }) | null;
  submitted: Applicant;
  guardian: Guardian | null;
  approvalsRequired: number;
  decisions: ReviewDecision[];
  resubmissions: number;
  /** Every photo uploaded for this application, accepted or not. */
  photoRefs: string[];
  /** The rounds rejected with RETRY, oldest first: what changed since is the case page's to show. */
  rejectedRounds: RejectedRound[];
}

/** The answer of every applicant or reviewer step: the outcome and the application after it. */
export interface StepResult {
  ok: boolean;
  code?: ReasonCode;
  message?: string;
  errors?: FieldError[];
  /** Seconds until the step may be tried again (OTP resend cooldown). */
  retryAfterSeconds?: number;
  view: ApplicationView;
}

export interface PhotoStepResult extends StepResult {
  photo: PhotoCheckView;
}

export interface SubmitApplicationRequest {
  version: 1;
}

/** The API checks the password's strength and hashes it: the password never reaches Temporal. */
/** Application failures a workflow raises deliberately; used as `ApplicationFailure` types. */
export const WorkflowErrors = {
  InvalidState: 'INVALID_STATE',
  NotAllowed: 'NOT_ALLOWED',
} as const;

// ---- money movements at the bank (SPEC §2) -----------------------------------------------------

export const MONEY_MOVEMENT_WORKFLOW = 'moneyMovement';

/** One workflow per wallet transaction; the transaction id carries no personal data. */
export function moneyMovementWorkflowId(transactionId: string): string {
  return `money-${transactionId}`;
}

/** The bank leg of a movement: a top-up debits the card's account, a withdrawal credits it. */
export function bankDirectionOf(type: string): 'DEBIT' | 'CREDIT' {
  return type === 'TOP_UP' ? 'DEBIT' : 'CREDIT';
}

/** The bank leg's retries: from `initialMs`, doubling up to `maxMs`, never giving up. */
export interface BankRetry {
  initialMs: number;
  maxMs: number;
  /** How long one attempt may take before it counts as lost (a worker that died with it). */
  attemptTimeoutMs?: number;
}

export const DEFAULT_BANK_RETRY: BankRetry = {
  initialMs: 1_000,
  maxMs: 60_000,
  attemptTimeoutMs: 30_000,
};

// ---- deregistration (SPEC §3) ------------------------------------------------------------------

export const DEREGISTRATION_WORKFLOW = 'deregistration';

export function deregistrationWorkflowId(walletId: string): string {
  return `deregistration-${walletId}`;
}

export const DEREGISTRATION_RULES = {
  balanceClearanceWindowMs: 7 * 24 * 3600_000,
  confirmationWindowMs: 7 * 24 * 3600_000,
  /** A safety net under the balance-change signals the API sends. */
  balanceRecheckEveryMs: 3600_000,
  /** How long the withdraw-all answer waits for the bank before saying it is under way. */
  withdrawAllAnswerWithinMs: 5_000,
} as const;

export interface DeregistrationInput {
  version: 1;
  walletId: string;
  applicationId: string;
  /** Every ID photo the application stored: deleted with the wallet. */
  photoRefs: string[];
  /** How the withdraw-all's bank leg retries (BANK_RETRY_*); defaults when left out. */
  bankRetry?: BankRetry;
}

export interface DeregistrationView {
  walletId: string;
  status: DeregistrationStatus;
  balance: number;
  reasons: Reason[];
  deadline?: string;
  createdAt: string;
  updatedAt: string;
}

export interface DeregistrationStepResult {
  ok: boolean;
  code?: ReasonCode;
  message?: string;
  view: DeregistrationView;
}

/** Sent by the API after every money movement on a wallet whose closure is under way. */
