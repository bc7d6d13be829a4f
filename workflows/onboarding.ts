import {
  condition,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ApplicationStatus, NextAction, ReasonCode } from '../domain/codes';
import {
  getApplicationQuery,
  searchAttributes,
  submitApplicationUpdate,
  type ApplicationView,
  type OnboardingInput,
  type Reason,
} from '../domain/contract';
import { chinaDate, normalizeApplicant, validateApplicant } from '../domain/fields';
import { reasonMessage } from '../domain/messages';

const { recordApplicationStatus } = proxyActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 },
});

const PHONE_VERIFICATION_WINDOW = '1 day';

export async function onboarding(input: OnboardingInput): Promise<ApplicationView> {
  const createdAt = new Date(workflowInfo().startTime).toISOString();
  const view: ApplicationView = {
    applicationId: input.applicationId,
    status: 'AWAITING_PHONE_VERIFICATION',
    nextAction: 'VERIFY_PHONE',
    reasons: [],
    fieldErrors: [],
    attemptsLeft: { otp: 5, photo: 5, resubmission: 3 },
    applicant: normalizeApplicant(input.applicant),
    createdAt,
    updatedAt: createdAt,
  };
  let statusSeq = 0;
  let evaluated = false;

  setHandler(getApplicationQuery, () => view);
  setHandler(submitApplicationUpdate, async () => {
    await condition(() => evaluated);
    return view;
  });

  async function moveTo(status: ApplicationStatus, nextAction: NextAction, reasons: Reason[] = []) {
    view.status = status;
    view.nextAction = nextAction;
    view.reasons = reasons;
    view.updatedAt = new Date().toISOString();
    statusSeq += 1;
    upsertSearchAttributes([
      { key: searchAttributes.onboardingStatus, value: status },
      { key: searchAttributes.nextAction, value: nextAction },
    ]);
    await recordApplicationStatus({
      applicationId: input.applicationId,
      status,
      nextAction,
      seq: statusSeq,
      at: view.updatedAt,
      reasons: reasons.map((r) => r.code),
    });
  }

  const fail = (code: ReasonCode, field?: string): Reason => ({
    code,
    message: reasonMessage(code),
    ...(field ? { field } : {}),
  });

  // The API's schema already refuses these; checking again here keeps the workflow correct for
  // every caller, including resubmissions that never pass through that schema.
  view.fieldErrors = validateApplicant(view.applicant, chinaDate(Date.now()));
  if (view.fieldErrors.length > 0) {
    evaluated = true;
    await moveTo(
      'FAILED',
      'NONE',
      view.fieldErrors.map((e) => fail(e.code, e.field)),
    );
    return view;
  }

  evaluated = true;
  await moveTo('AWAITING_PHONE_VERIFICATION', 'VERIFY_PHONE');

  const verified = await condition(
    () => view.status !== 'AWAITING_PHONE_VERIFICATION',
    PHONE_VERIFICATION_WINDOW,
  );
  if (!verified) await moveTo('FAILED', 'NONE', [fail('OTP_EXPIRED')]);
  return view;
}
