// Resetting a forgotten password (SPEC §2.1): an SMS code to the verified phone plus the ID
// number. The passwordReset workflow keeps the code (workflows/password-reset.ts); this file
// checks the new password's rules and hashes it, so that no password enters Temporal.
//
// No oracle: POST /v1/password-resets answers the same for every well-formed phone (the
// workflow runs, and counts sends and cooldowns, whether or not anyone owns the number; it
// delivers nothing then), and a wrong code, a wrong ID number or an unknown phone all answer
// RESET_CODE_INVALID.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  WithStartWorkflowOperation,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  QueryNotRegisteredError,
} from '@temporalio/client';
import type { Config } from '../../config/config';
import { hashPassword } from '../../crypto/password-hash';
import { personIdOf } from '../../crypto/pii';
import {
  PASSWORD_RESET_WORKFLOW,
  SMS_CHALLENGE_RULES,
  type ChallengeAnswer,
  type PasswordKind,
  type PasswordResetInput,
} from '../../domain/sms-challenges';
import {
  getResetKindQuery,
  requestResetCodeUpdate,
  verifyResetUpdate,
} from '../../workflows/messages';
import { passwordResetWorkflowId } from '../challenge-ids';
import { rateLimited } from '../plugins/rate-limit';
import { Problem } from '../problem';
import { problemResponses } from '../schemas/common';
import {
  PasswordResetAccepted,
  PasswordResetBody,
  PasswordResetDone,
  PasswordResetVerifyBody,
} from '../schemas/passwords';
import { throttle, unthrottle } from '../throttles';
import { loginPasswordWeak, paymentPasswordWeak } from './passwords';

const resetCodeInvalid = () => new Problem('RESET_CODE_INVALID');

/** A challenge's refusal as the API answers it (429 with Retry-After for a cooldown). */
export function challengeProblem(answer: ChallengeAnswer): Problem {
  const code = answer.code ?? 'RESET_CODE_INVALID';
  const extra = answer.attemptsLeft === undefined ? {} : { attemptsLeft: answer.attemptsLeft };
  if (code === 'OTP_RESEND_TOO_SOON')
    return new Problem(
      code,
      answer.retryAfterSeconds === undefined
        ? 'No more codes can be sent now; try again later.'
        : undefined,
      extra,
      answer.retryAfterSeconds === undefined
        ? {}
        : { 'Retry-After': String(answer.retryAfterSeconds) },
    );
  return new Problem(code, undefined, extra);
}

/** True for the errors of a workflow that is gone or finished: nothing to answer with. */
export function isClosedChallenge(error: unknown): boolean {
  return (
    error instanceof WorkflowNotFoundError ||
    error instanceof WorkflowUpdateFailedError ||
    error instanceof QueryNotRegisteredError
  );
}

const passwordResets: FastifyPluginAsyncTypebox<{ config: Config }> = async (app) => {
  app.post(
    '/v1/password-resets',
    {
      config: rateLimited('otpResend'),
      schema: {
        summary: 'Ask for a code to reset the login or payment password (sent by SMS)',
        tags: ['applications'],
        body: PasswordResetBody,
        response: { 202: PasswordResetAccepted, ...problemResponses(400, 422, 429, 503) },
      },
    },
    async (request, reply) => {
      const phone = request.body.phone.trim();
      // Codes to one phone, counted with the onboarding codes (api/throttles.ts).
      const hit = await throttle(app, 'otpPerPhone', phone);
      const input: PasswordResetInput = { version: 1, phone };
      let answer: ChallengeAnswer;
      try {
        answer = await app.temporal.call(
          () =>
            app.temporal.client.workflow.executeUpdateWithStart(requestResetCodeUpdate, {
              args: [{ version: 1, kind: request.body.kind }],
              startWorkflowOperation: new WithStartWorkflowOperation(PASSWORD_RESET_WORKFLOW, {
                workflowId: passwordResetWorkflowId(app.piiKey, phone),
                taskQueue: app.temporal.taskQueue,
                args: [input],
                workflowIdConflictPolicy: 'USE_EXISTING',
              }),
            }),
          20_000,
        );
      } catch (error) {
        // A reset that has just succeeded takes no more requests: as if under its cooldown.
        if (!(error instanceof WorkflowUpdateFailedError)) throw error;
        answer = { ok: false, code: 'OTP_RESEND_TOO_SOON' };
      }
      if (!answer.ok) {
        await unthrottle(app, hit);
        throw challengeProblem(answer);
      }
      return reply.code(202).send({
        status: 'CODE_SENT_IF_REGISTERED',
        expiresInSeconds: SMS_CHALLENGE_RULES.codeTtlMs / 1000,
        resendAfterSeconds: SMS_CHALLENGE_RULES.resendCooldownMs / 1000,
      });
    },
  );

  app.post(
    '/v1/password-resets/verify',
    {
      config: rateLimited('otpVerify'),
      schema: {
        summary: 'Reset the password with the SMS code and the ID number; signs out every session',
        tags: ['applications'],
        body: PasswordResetVerifyBody,
        response: { 200: PasswordResetDone, ...problemResponses(400, 422, 429, 503) },
      },
    },
    async (request) => {
      const { phone, code, idNumber, newPassword } = request.body;
      const handle = app.temporal.client.workflow.getHandle(
        passwordResetWorkflowId(app.piiKey, phone),
      );
      let kind: PasswordKind;
      try {
        kind = await app.temporal.call(() => handle.query(getResetKindQuery));
      } catch (error) {
        if (isClosedChallenge(error)) throw resetCodeInvalid();
        throw error;
      }
      // The rules of the new password: §4 for a login, §1.8 for a payment password (its birth
      // date read from the ID number given; a wrong number fails the reset anyway).
      const weak =
        kind === 'LOGIN'
          ? loginPasswordWeak(newPassword)
          : paymentPasswordWeak(newPassword, idNumber, 'newPassword');
      if (weak) throw weak;
      const newPasswordHash = await hashPassword(newPassword);
      let answer: ChallengeAnswer;
      try {
        answer = await app.temporal.call(
          () =>
            handle.executeUpdate(verifyResetUpdate, {
              args: [
                {
                  version: 1,
                  code: code.trim(),
                  kind,
                  // Only the blind index: the ID number itself never enters Temporal.
                  personId: personIdOf(app.piiKey, idNumber),
                  newPasswordHash,
                },
              ],
            }),
          20_000,
        );
      } catch (error) {
        if (isClosedChallenge(error)) throw resetCodeInvalid();
        throw error;
      }
      if (!answer.ok) throw challengeProblem(answer);
      return { kind, resetAt: new Date().toISOString(), sessionsSignedOut: true as const };
    },
  );
};

export default passwordResets;
