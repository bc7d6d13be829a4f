// Workflow types, message definitions and payload types: the one module the API (client side)
// and the worker (workflow side) both import, so their names and shapes cannot drift apart.
// Message payloads carry a `version` so that a running workflow can tell old from new shapes.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { ApplicationStatus, NextAction, ReasonCode } from './codes';
import type { FieldError } from './fields';

export const ONBOARDING_WORKFLOW = 'onboarding';

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
}

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
  tier?: string;
  createdAt: string;
  updatedAt: string;
}

export interface SubmitApplicationRequest {
  version: 1;
}

/** Answered in the same request that starts the workflow (update-with-start). */
export const submitApplicationUpdate = defineUpdate<ApplicationView, [SubmitApplicationRequest]>(
  'submitApplication',
);

export const getApplicationQuery = defineQuery<ApplicationView>('getApplication');

/** Application failures a workflow raises deliberately; used as `ApplicationFailure` types. */
export const WorkflowErrors = {
  InvalidState: 'INVALID_STATE',
  NonRetryableInput: 'NON_RETRYABLE_INPUT',
} as const;
