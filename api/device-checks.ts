// The new-device check of a sign-in (SPEC §2.1 双重验证), once the password was right: a device
// the person has signed in from before gets the token at once; another one gets a code by SMS
// through the deviceCheck workflow and answers 202 {challenge: "SMS_CODE"}.
//
// A sign-in without a deviceId (apps older than the check) gets the token as before while the
// person has no known device; once they have signed in from a device that names itself, leaving
// the id out is an unknown device like any other, so omitting it is no way around the check.
import { WithStartWorkflowOperation, WorkflowUpdateFailedError } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import type { ApplicantLogin } from '../db/store';
import {
  DEVICE_CHECK_WORKFLOW,
  SMS_CHALLENGE_RULES,
  type ChallengeAnswer,
  type DeviceCheckInput,
} from '../domain/sms-challenges';
import { requestDeviceCodeUpdate } from '../workflows/messages';
import { deviceCheckWorkflowId, deviceIndexOf } from './challenge-ids';
import { Problem } from './problem';
import { throttle, unthrottle } from './throttles';

export interface DeviceChallenge {
  challenge: 'SMS_CODE';
  code: 'DEVICE_VERIFICATION_REQUIRED';
  expiresInSeconds: number;
  /** When a code was sent less than a minute ago: the wait before another one. */
  retryAfterSeconds?: number;
}

/** Null when the device may sign in at once; else the challenge to answer with (code sent). */
export async function deviceChallenge(
  app: FastifyInstance,
  sign: { phone: string; deviceId: string | undefined; login: ApplicantLogin },
): Promise<DeviceChallenge | null> {
  const { personId } = sign.login;
  // Logins from before the person id was recorded cannot be matched to devices.
  if (!personId) return null;
  const deviceIndex = sign.deviceId === undefined ? null : deviceIndexOf(app.piiKey, sign.deviceId);
  const known = await app.store.isKnownDevice(personId, deviceIndex);
  if (deviceIndex === null ? !known : known) return null;

  const hit = await throttle(app, 'otpPerPhone', sign.phone);
  const input: DeviceCheckInput = {
    version: 1,
    phone: sign.phone,
    personId,
    applicationId: sign.login.applicationId,
    deviceIndex,
  };
  let answer: ChallengeAnswer;
  try {
    answer = await app.temporal.call(
      () =>
        app.temporal.client.workflow.executeUpdateWithStart(requestDeviceCodeUpdate, {
          args: [{ version: 1 }],
          startWorkflowOperation: new WithStartWorkflowOperation(DEVICE_CHECK_WORKFLOW, {
            workflowId: deviceCheckWorkflowId(app.piiKey, sign.phone, sign.deviceId),
            taskQueue: app.temporal.taskQueue,
            args: [input],
            workflowIdConflictPolicy: 'USE_EXISTING',
          }),
        }),
      20_000,
    );
  } catch (error) {
    // A check that has just passed takes no more requests: sign in again in a moment.
    if (!(error instanceof WorkflowUpdateFailedError)) throw error;
    answer = { ok: false, code: 'OTP_RESEND_TOO_SOON', retryAfterSeconds: 1 };
  }
  if (!answer.ok) await unthrottle(app, hit);
  if (!answer.ok && answer.code !== 'OTP_RESEND_TOO_SOON')
    throw new Problem(answer.code ?? 'OTP_ATTEMPTS_EXCEEDED', undefined, { attemptsLeft: 0 });
  return {
    challenge: 'SMS_CODE',
    code: 'DEVICE_VERIFICATION_REQUIRED',
    expiresInSeconds: SMS_CHALLENGE_RULES.codeTtlMs / 1000,
    ...(answer.ok || answer.retryAfterSeconds === undefined
      ? {}
      : { retryAfterSeconds: answer.retryAfterSeconds }),
  };
}
