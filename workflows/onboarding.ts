// The onboarding workflow of SPEC §1: one per application, from the first request to an active
// wallet. Message handlers record what people send and answer them; the main function alone moves
// the application from status to status, so every transition happens in one place and in order.
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { NotifyInput } from '../notifications/notify';
import type { ApplicationStatus, NextAction, ReasonCode } from '../domain/codes';
import {
  ONBOARDING_RULES as RULES,
  WorkflowErrors,
  type Applicant,
  type ApplicationView,
  type Guardian,
  type OnboardingInput,
  type PhotoCheckView,
  type Reason,
  type RejectedRound,
  type ReviewDecision,
  type ReviewFile,
  type RiskLevel,
  type ScreeningFlag,
  type StepResult,
} from '../domain/contract';
import {
  cancelUpdate,
  decideUpdate,
  getApplicationQuery,
  getReviewFileQuery,
  guardianConsentUpdate,
  resendOtpUpdate,
  resubmitUpdate,
  searchAttributes,
  setPaymentPasswordUpdate,
  submitApplicationUpdate,
  submitIdPhotoUpdate,
  verifyOtpUpdate,
} from './messages';
import {
  ageOn,
  chinaDate,
  normalizeApplicant,
  parseIdNumber,
  validateApplicant,
  type FieldError,
} from '../domain/fields';
import { reasonMessage } from '../domain/messages';
import { tierForAge, type Tier } from '../domain/tiers';
import { noticeQueue } from './notice-queue';
import { coreBanking, db, localDb, messaging, photo } from './onboarding-activities';
import { validateGuardian } from './guardian';

const TERMINAL: ApplicationStatus[] = ['ACTIVE', 'FAILED', 'CANCELLED'];

class Ended extends Error {}

function sameReviewerTwice(): never {
  throw ApplicationFailure.create({
    type: WorkflowErrors.NotAllowed,
    message: 'This reviewer has already decided; a second approval must come from another reviewer',
    nonRetryable: true,
  });
}

function invalidState(action: string, status: ApplicationStatus): never {
  throw ApplicationFailure.create({
    type: WorkflowErrors.InvalidState,
    message: `Cannot ${action} while the application is ${status}`,
    nonRetryable: true,
  });
}

function reason(code: ReasonCode, field?: string, message?: string): Reason {
  return { code, message: message ?? reasonMessage(code), ...(field ? { field } : {}) };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export async function onboarding(input: OnboardingInput): Promise<ApplicationView> {
  const applicationId = input.applicationId;
  const startedAt = workflowInfo().startTime.getTime();
  const view: ApplicationView = {
    applicationId,
    status: 'AWAITING_PHONE_VERIFICATION',
    nextAction: 'VERIFY_PHONE',
    reasons: [],
    fieldErrors: [],
    attemptsLeft: {
      otp: RULES.otpMaxAttempts,
      photo: RULES.photoMaxAttempts,
      resubmission: RULES.resubmissionMaxCount,
    },
    applicant: normalizeApplicant(input.applicant),
    createdAt: iso(startedAt),
    updatedAt: iso(startedAt),
  };
  let statusSeq = 0;
  /** The last status recorded in the app database: what handlers answer after. */
  let recordedSeq = 0;
  let evaluated = false;
  let cancelRequested = false;

  // Phone verification.
  let otp = { code: '', sentAt: 0, sends: 0, verified: false, failed: false };
  /** Phone verifications so far: a corrected phone is verified again, under fresh keys. */
  let phoneRound = 0;
  // ID photo.
  let photoBusy = false;
  let lastPhoto: (PhotoCheckView & { ref: string }) | null = null;
  const photoRefs: string[] = [];
  let photoAccepted = false;
  let photoFailed = false;
  // Guardian.
  let guardian: Guardian | null = null;
  // Screening and review.
  let riskLevel: RiskLevel | null = null;
  let flags: ScreeningFlag[] = [];
  let decisions: ReviewDecision[] = [];
  let approvalsRequired = 1;
  let reviewOutcome: 'APPROVED' | ReviewDecision | null = null;
  // Resubmission and activation.
  let resubmissions = 0;
  let resubmitted: Partial<Applicant> | null = null;
  /** Kept in memory only (no command): the query shows what changed since each rejection. */
  const rejectedRounds: RejectedRound[] = [];
  let paymentPasswordHash: string | null = null;
  /** When the applicant last did anything a waiting step waits for (an attempt counts). */
  let lastApplicantActionAt = Date.now();
  const touched = () => {
    lastApplicantActionAt = Date.now();
  };

  const today = () => chinaDate(Date.now());
  const birth = () => parseIdNumber(view.applicant.idNumber, today())?.birthDate ?? null;
  const age = () => {
    const b = birth();
    return b ? ageOn(b, today()) : 0;
  };

  /**
   * The view as published to the read model (db/sqlite/repositories/application-views.ts), ordered by `revision`:
   * history length and a count of snapshots, both only ever growing. Queries must not change
   * state, so they reuse the last count: their history length alone makes them newer.
   */
  let snapshots = 0;
  const revision = () => workflowInfo().historyLength * 1000 + snapshots;
  const snapshot = (): ApplicationView => {
    snapshots += 1;
    return { ...view, revision: revision() };
  };
  setHandler(getApplicationQuery, () => ({ ...view, revision: revision() }));
  setHandler(getReviewFileQuery, (): ReviewFile => ({
    riskLevel,
    flags,
    photo: lastPhoto,
    submitted: view.applicant,
    guardian,
    approvalsRequired,
    decisions,
    resubmissions,
    photoRefs,
    rejectedRounds,
  }));

  /**
   * The applicant's status notices, in status order behind the process: an SMS gateway that is
   * down never holds up the next step.
   */
  const notices = noticeQueue();

  // ---- transitions: only the main function calls these -------------------------------------

  async function moveTo(
    status: ApplicationStatus,
    nextAction: NextAction,
    reasons: Reason[] = [],
    extra: { stepDeadlineMs?: number; reviewDueAtMs?: number } = {},
  ) {
    const previous = view.status;
    view.status = status;
    view.nextAction = nextAction;
    view.reasons = reasons;
    view.updatedAt = iso(Date.now());
    view.stepDeadline = extra.stepDeadlineMs ? iso(extra.stepDeadlineMs) : undefined;
    view.reviewDueAt = extra.reviewDueAtMs ? iso(extra.reviewDueAtMs) : undefined;
    statusSeq += 1;
    const seq = statusSeq;
    upsertSearchAttributes([
      { key: searchAttributes.onboardingStatus, value: status },
      { key: searchAttributes.nextAction, value: nextAction },
      ...(riskLevel ? [{ key: searchAttributes.riskLevel, value: riskLevel }] : []),
      {
        key: searchAttributes.reviewDueAt,
        value: extra.reviewDueAtMs ? new Date(extra.reviewDueAtMs) : null,
      },
    ]);
    // The first status is the answer to the request itself; every later change is news. With
    // invalid fields there may be no phone to tell.
    const notice: NotifyInput | null =
      view.fieldErrors.length === 0 && (seq > 1 || status !== previous || status === 'FAILED')
        ? {
            key: `${applicationId}:status:${seq}`,
            recipient: view.applicant.phone,
            channel: 'sms',
            template: 'STATUS_CHANGED',
            params: {
              status,
              reason: reasons[0]?.message ?? '',
              ...(view.walletId ? { walletId: view.walletId } : {}),
            },
          }
        : null;
    if (notice) notices.enqueue(seq, () => messaging.notify(notice));
    // A local activity: the handler waiting on it is answered in the same workflow task.
    await localDb.recordApplicationStatus({
      applicationId,
      status,
      nextAction,
      seq,
      at: view.updatedAt,
      reasons: reasons.map((r) => r.code),
      view: snapshot(),
    });
    recordedSeq = Math.max(recordedSeq, seq);
  }

  async function end(status: 'FAILED' | 'CANCELLED', reasons: Reason[] = []): Promise<never> {
    await moveTo(status, 'NONE', reasons);
    await db.releaseApplicant({ applicationId, idNumber: view.applicant.idNumber });
    throw new Ended();
  }

  /** Waits for `done`, a cancellation, or the timeout; a cancellation ends the application. */
  async function waitFor(done: () => boolean, timeoutMs?: number): Promise<boolean> {
    const settled = () => done() || cancelRequested;
    const ok =
      timeoutMs === undefined
        ? (await condition(settled), true)
        : await condition(settled, timeoutMs);
    if (cancelRequested && !done()) await end('CANCELLED');
    return ok;
  }

  /**
   * Waits on the applicant: `DONE`, or `WINDOW` when the step's own window (if any) closed first,
   * or `IDLE` after APPLICATION_IDLE_EXPIRE_AFTER without any attempt (each attempt restarts it).
   */
  async function waitForApplicant(
    done: () => boolean,
    windowMs?: number,
  ): Promise<'DONE' | 'WINDOW' | 'IDLE'> {
    const windowEnd = windowMs === undefined ? Infinity : Date.now() + windowMs;
    touched();
    for (;;) {
      const idleEnd = lastApplicantActionAt + input.settings.applicationIdleExpireAfterMs;
      if (await waitFor(done, Math.max(0, Math.min(windowEnd, idleEnd) - Date.now())))
        return 'DONE';
      if (Date.now() >= windowEnd) return 'WINDOW';
      if (Date.now() >= lastApplicantActionAt + input.settings.applicationIdleExpireAfterMs)
        return 'IDLE';
    }
  }
  const expired = () => end('FAILED', [reason('APPLICATION_EXPIRED')]);

  /**
   * Handlers answer once the main function has acted on what they recorded and the new status is
   * in the app database, so that whatever the caller reads next already shows it.
   */
  const settledAfter = (seq: number) => condition(() => recordedSeq > seq);
  const result = (ok: boolean, code?: ReasonCode, extra: Partial<StepResult> = {}): StepResult => ({
    ok,
    ...(code ? { code, message: reasonMessage(code) } : {}),
    ...extra,
    view: snapshot(),
  });

  // ---- message handlers ----------------------------------------------------------------------

  setHandler(submitApplicationUpdate, async () => {
    await condition(() => evaluated);
    return snapshot();
  });

  setHandler(
    verifyOtpUpdate,
    async ({ code }) => {
      if (Date.now() > otp.sentAt + RULES.otpTtlMs) return result(false, 'OTP_EXPIRED');
      if (code !== otp.code) {
        view.attemptsLeft.otp -= 1;
        if (view.attemptsLeft.otp > 0) return result(false, 'OTP_INVALID');
        const seq = statusSeq;
        otp.failed = true;
        await settledAfter(seq);
        return result(false, 'OTP_ATTEMPTS_EXCEEDED');
      }
      const seq = statusSeq;
      otp.verified = true;
      await settledAfter(seq);
      return result(true);
    },
    {
      validator: (_request: unknown) => {
        if (view.status !== 'AWAITING_PHONE_VERIFICATION' || otp.verified || otp.failed)
          invalidState('verify the phone', view.status);
      },
    },
  );

  setHandler(
    resendOtpUpdate,
    async () => {
      if (otp.sends >= RULES.otpMaxSends)
        return result(false, 'OTP_RESEND_TOO_SOON', {
          message: 'No more codes can be sent for this application.',
        });
      const waitMs = otp.sentAt + RULES.otpResendCooldownMs - Date.now();
      if (waitMs > 0)
        return result(false, 'OTP_RESEND_TOO_SOON', {
          retryAfterSeconds: Math.ceil(waitMs / 1000),
        });
      await sendOtp();
      return result(true);
    },
    {
      validator: (_request: unknown) => {
        if (view.status !== 'AWAITING_PHONE_VERIFICATION' || otp.verified || otp.failed)
          invalidState('send a code', view.status);
      },
    },
  );

  setHandler(
    submitIdPhotoUpdate,
    async ({ ref }) => {
      touched();
      photoBusy = true;
      if (!photoRefs.includes(ref)) photoRefs.push(ref);
      try {
        const check = await photo.checkIdPhoto({
          applicationId,
          attempt: RULES.photoMaxAttempts - view.attemptsLeft.photo + 1,
          ref,
          submitted: { name: view.applicant.name, idNumber: view.applicant.idNumber },
        });
        lastPhoto = { ...check, ref };
        const seq = statusSeq;
        if (check.accepted) {
          photoAccepted = true;
          await settledAfter(seq);
          return { ...result(true), photo: check };
        }
        view.attemptsLeft.photo -= 1;
        if (view.attemptsLeft.photo > 0)
          return { ...result(false, check.reasons[0]), photo: check };
        photoFailed = true;
        await settledAfter(seq);
        return { ...result(false, 'PHOTO_ATTEMPTS_EXCEEDED'), photo: check };
      } finally {
        photoBusy = false;
      }
    },
    {
      validator: ({ ref }: { ref: string }) => {
        if (view.status !== 'AWAITING_ID_PHOTO' || photoAccepted || photoFailed)
          invalidState('upload a photo', view.status);
        if (photoBusy) invalidState('upload a photo while another is being checked', view.status);
        if (!/^[0-9a-f]{64}$/.test(ref)) invalidState('use that photo reference', view.status);
      },
    },
  );

  setHandler(
    guardianConsentUpdate,
    async ({ guardian: submitted }) => {
      touched();
      const checked = validateGuardian(submitted, view.applicant, today());
      if (!checked.ok) return result(false, 'GUARDIAN_INVALID', { errors: checked.errors });
      const seq = statusSeq;
      guardian = checked.guardian;
      await settledAfter(seq);
      return result(true);
    },
    {
      validator: (_request: unknown) => {
        if (view.status !== 'AWAITING_GUARDIAN_CONSENT' || guardian)
          invalidState('give guardian consent', view.status);
      },
    },
  );

  setHandler(
    decideUpdate,
    async ({ decision, proof }) => {
      // Only a decision the API issued counts; its audit row is written with the check.
      const issued = await localDb.acceptReviewDecision({
        applicationId,
        round: resubmissions,
        decision,
        proof,
      });
      if (!issued)
        throw ApplicationFailure.create({
          type: WorkflowErrors.NotAllowed,
          message: 'This decision was not issued by the API',
          nonRetryable: true,
        });
      // The validator's checks again: another decision may have been taken while this one waited.
      if (view.status !== 'PENDING_REVIEW' || reviewOutcome) invalidState('decide', view.status);
      if (decisions.some((d) => d.reviewer === decision.reviewer)) sameReviewerTwice();
      const seq = statusSeq;
      const recorded: ReviewDecision = { ...decision, at: iso(Date.now()) };
      decisions = [...decisions, recorded];
      if (decision.decision === 'REJECT') reviewOutcome = recorded;
      else if (decisions.filter((d) => d.decision === 'APPROVE').length >= approvalsRequired)
        reviewOutcome = 'APPROVED';
      else return result(true);
      await settledAfter(seq);
      return result(true);
    },
    {
      validator: ({ decision }: { decision: Omit<ReviewDecision, 'at'> }) => {
        if (view.status !== 'PENDING_REVIEW' || reviewOutcome) invalidState('decide', view.status);
        if (decision.decision === 'REJECT' && !decision.reasonCode)
          throw ApplicationFailure.create({
            type: WorkflowErrors.NotAllowed,
            message: 'A rejection needs a reason code',
            nonRetryable: true,
          });
        if (decisions.some((d) => d.reviewer === decision.reviewer)) sameReviewerTwice();
      },
    },
  );

  setHandler(
    resubmitUpdate,
    async ({ fields }) => {
      touched();
      const corrected = normalizeApplicant({ ...view.applicant, ...fields });
      const errors: FieldError[] = validateApplicant(corrected, today());
      if (errors.length > 0) return result(false, errors[0]!.code, { errors });
      const seq = statusSeq;
      resubmitted = normalizeApplicant(fields);
      await settledAfter(seq);
      return result(
        view.status !== 'FAILED',
        view.status === 'FAILED' ? view.reasons[0]?.code : undefined,
      );
    },
    {
      validator: (_request: unknown) => {
        if (view.status !== 'REJECTED' || resubmitted) invalidState('resubmit', view.status);
      },
    },
  );

  setHandler(
    setPaymentPasswordUpdate,
    async ({ paymentPasswordHash: hash }) => {
      const seq = statusSeq;
      paymentPasswordHash = hash;
      await settledAfter(seq);
      return result(view.status === 'ACTIVE');
    },
    {
      validator: (_request: unknown) => {
        if (view.status !== 'AWAITING_PAYMENT_PASSWORD' || paymentPasswordHash)
          invalidState('set the payment password', view.status);
      },
    },
  );

  setHandler(
    cancelUpdate,
    async () => {
      cancelRequested = true;
      // Like every other handler: answer once the final status is recorded.
      await condition(() => TERMINAL.includes(view.status) && recordedSeq === statusSeq);
      return result(view.status === 'CANCELLED');
    },
    {
      validator: (_request: unknown) => {
        if (TERMINAL.includes(view.status) || paymentPasswordHash || cancelRequested)
          invalidState('cancel', view.status);
      },
    },
  );

  // ---- steps -----------------------------------------------------------------------------------

  async function sendOtp() {
    // Temporal's Math.random is seeded per run and replays identically.
    otp.code = String(Math.floor(Math.random() * 10 ** RULES.otpLength)).padStart(
      RULES.otpLength,
      '0',
    );
    otp.sentAt = Date.now();
    otp.sends += 1;
    await messaging.notify({
      key: `${applicationId}:otp:${phoneRound}:${otp.sends}`,
      recipient: view.applicant.phone,
      channel: 'sms',
      template: 'OTP',
      params: { code: otp.code, minutes: String(RULES.otpTtlMs / 60_000) },
    });
  }

  async function checkEligibility(): Promise<void> {
    const outcome = await coreBanking.checkEligibility({
      applicationId,
      applicant: view.applicant,
      appVersion: input.appVersion,
      loginPasswordHash: input.loginPasswordHash,
    });
    if (!outcome.ok) {
      evaluated = true;
      // A refused application never held the person's claim, unless the refusal is that claim.
      await moveTo('FAILED', 'NONE', [reason(outcome.code)]);
      if (outcome.code !== 'APPLICATION_IN_PROGRESS' && outcome.code !== 'ALREADY_HAS_WALLET')
        await db.releaseApplicant({ applicationId, idNumber: view.applicant.idNumber });
      throw new Ended();
    }
  }

  async function verifyPhone() {
    otp = { code: '', sentAt: 0, sends: 0, verified: false, failed: false };
    phoneRound += 1;
    view.attemptsLeft.otp = RULES.otpMaxAttempts;
    const deadline = Date.now() + RULES.phoneVerificationWindowMs;
    // The code is on its way before anyone is told to enter it.
    await sendOtp();
    await moveTo('AWAITING_PHONE_VERIFICATION', 'VERIFY_PHONE', [], { stepDeadlineMs: deadline });
    evaluated = true;
    const settled = await waitFor(() => otp.verified || otp.failed, deadline - Date.now());
    if (otp.failed) await end('FAILED', [reason('OTP_ATTEMPTS_EXCEEDED')]);
    if (!settled) await end('FAILED', [reason('OTP_EXPIRED')]);
  }

  async function takePhoto() {
    photoAccepted = false;
    photoFailed = false;
    view.attemptsLeft.photo = RULES.photoMaxAttempts;
    await moveTo('AWAITING_ID_PHOTO', 'UPLOAD_ID_PHOTO');
    const waited = await waitForApplicant(() => photoAccepted || photoFailed);
    if (photoFailed) await end('FAILED', [reason('PHOTO_ATTEMPTS_EXCEEDED')]);
    if (waited === 'IDLE') await expired();
  }

  async function guardianConsent() {
    if (guardian || age() >= 16) return;
    const deadline = Date.now() + RULES.guardianWindowMs;
    await moveTo('AWAITING_GUARDIAN_CONSENT', 'GUARDIAN_CONSENT', [], { stepDeadlineMs: deadline });
    const waited = await waitForApplicant(() => guardian !== null, RULES.guardianWindowMs);
    if (waited === 'WINDOW') await end('FAILED', [reason('GUARDIAN_CONSENT_EXPIRED')]);
    if (waited === 'IDLE') await expired();
  }

  async function screen() {
    const screening = await localDb.screenApplicant({
      applicationId,
      name: view.applicant.name,
      idNumber: view.applicant.idNumber,
      bankCardNumber: view.applicant.bankCardNumber,
      photoRef: lastPhoto?.ref ?? null,
    });
    flags = [...screening.flags];
    if (age() < 16) flags.push({ code: 'MINOR_UNDER_16', detail: `Applicant is ${age()}` });
    if (lastPhoto?.ocr?.partial)
      flags.push({
        code: 'OCR_PARTIAL_MATCH',
        detail: 'The card matched what was entered only in part',
      });
    // Every flag is something a second pair of eyes must see (SPEC §1 step 6).
    riskLevel = flags.length > 0 ? 'HIGH' : screening.riskLevel;
    approvalsRequired = riskLevel === 'HIGH' ? RULES.highRiskApprovals : 1;
  }

  async function review(): Promise<'APPROVED' | ReviewDecision> {
    decisions = [];
    reviewOutcome = null;
    const opened = Date.now();
    const dueAt = opened + input.settings.reviewExpireAfterMs;
    await localDb.saveReviewSnapshot({
      applicationId,
      riskLevel: riskLevel ?? 'LOW',
      reviewDueAt: iso(dueAt),
      snapshot: {
        flags,
        photo: lastPhoto,
        submitted: view.applicant,
        guardian,
        approvalsRequired,
        resubmissions,
      },
    });
    // The file is in place before the application shows up in the queue.
    await moveTo('PENDING_REVIEW', 'WAIT_FOR_REVIEW', [], { reviewDueAtMs: dueAt });
    const decided = () => reviewOutcome !== null;
    const stages: { at: number; template: 'REVIEW_REMINDER' | 'REVIEW_ESCALATION'; to: string }[] =
      [
        {
          at: opened + input.settings.reviewRemindAfterMs,
          template: 'REVIEW_REMINDER',
          to: 'reviewers',
        },
        {
          at: opened + input.settings.reviewEscalateAfterMs,
          template: 'REVIEW_ESCALATION',
          to: 'review-supervisors',
        },
      ];
    for (const stage of stages) {
      if (await waitFor(decided, Math.max(0, stage.at - Date.now()))) break;
      await messaging.notify({
        key: `${applicationId}:review:${resubmissions}:${stage.template}`,
        recipient: stage.to,
        channel: 'staff',
        template: stage.template,
        params: { applicationId, dueAt: iso(dueAt), riskLevel: riskLevel ?? 'LOW' },
      });
    }
    if (!(await waitFor(decided, Math.max(0, dueAt - Date.now()))))
      await end('FAILED', [reason('REVIEW_TIMEOUT')]);
    return reviewOutcome!;
  }

  /** After a RETRY rejection: waits for corrections; returns the steps that must run again. */
  async function awaitResubmission(rejection: ReviewDecision) {
    const code = rejection.reasonCode ?? 'OTHER';
    const reasons = [reason(code, undefined, rejection.messageToApplicant || undefined)];
    if (resubmissions >= RULES.resubmissionMaxCount)
      await end('FAILED', [...reasons, reason('RESUBMISSION_LIMIT_REACHED')]);
    resubmitted = null;
    const round: RejectedRound = {
      decisions: [...decisions],
      submitted: view.applicant,
      photoRef: lastPhoto?.ref ?? null,
      resubmittedAt: null,
    };
    rejectedRounds.push(round);
    const deadline = Date.now() + RULES.resubmissionWindowMs;
    await moveTo('REJECTED', 'RESUBMIT', reasons, { stepDeadlineMs: deadline });
    const waited = await waitForApplicant(() => resubmitted !== null, RULES.resubmissionWindowMs);
    if (waited === 'WINDOW') await end('FAILED', [...reasons, reason('RESUBMISSION_EXPIRED')]);
    if (waited === 'IDLE') await expired();
    const changes = resubmitted!;
    round.resubmittedAt = iso(Date.now());
    const before = view.applicant;
    view.applicant = normalizeApplicant({ ...before, ...changes });
    resubmissions += 1;
    view.attemptsLeft.resubmission = RULES.resubmissionMaxCount - resubmissions;
    const changed = (field: keyof Applicant) => view.applicant[field] !== before[field];
    if (changed('idNumber'))
      // Another person now: the old one's claim goes, the new one must be eligible.
      await db.releaseApplicant({ applicationId, idNumber: before.idNumber });
    return {
      eligibility: changed('idNumber') || changed('name') || changed('bankCardNumber'),
      phone: changed('phone'),
      guardian: changed('idNumber'),
    };
  }

  async function activate() {
    await moveTo('AWAITING_PAYMENT_PASSWORD', 'SET_PAYMENT_PASSWORD');
    if ((await waitForApplicant(() => paymentPasswordHash !== null)) === 'IDLE') await expired();
    const tier: Tier = tierForAge(age());
    const { walletId } = await localDb.createWallet({
      applicationId,
      idNumber: view.applicant.idNumber,
      tier,
      paymentPasswordHash: paymentPasswordHash!,
      ownerPhone: view.applicant.phone,
      bankCardNumber: view.applicant.bankCardNumber,
    });
    view.walletId = walletId;
    view.tier = tier;
    await moveTo('ACTIVE', 'NONE');
  }

  // ---- the process -------------------------------------------------------------------------------

  try {
    // The API's schema already refuses bad fields; checking here keeps the workflow correct for
    // every caller, resubmissions included.
    view.fieldErrors = validateApplicant(view.applicant, today());
    if (view.fieldErrors.length > 0) {
      evaluated = true;
      await moveTo(
        'FAILED',
        'NONE',
        view.fieldErrors.map((e) => reason(e.code, e.field)),
      );
      return view;
    }
    await checkEligibility();
    let redo = { eligibility: false, phone: true, guardian: true };
    for (;;) {
      if (redo.eligibility) await checkEligibility();
      if (redo.phone) await verifyPhone();
      await takePhoto();
      if (redo.guardian) guardian = null;
      await guardianConsent();
      await screen();
      const outcome = await review();
      if (outcome === 'APPROVED') break;
      if (outcome.rejectType === 'FINAL')
        await end('FAILED', [
          reason('REVIEW_REJECTED', undefined, outcome.messageToApplicant || undefined),
          reason(outcome.reasonCode ?? 'OTHER'),
        ]);
      redo = await awaitResubmission(outcome);
    }
    await activate();
  } catch (error) {
    if (!(error instanceof Ended)) throw error;
  }
  evaluated = true;
  await notices.drained();
  // Let every handler answer its caller before the workflow closes.
  await condition(allHandlersFinished);
  return view;
}
