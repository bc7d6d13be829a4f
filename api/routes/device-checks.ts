// Completing a sign-in from a new device (SPEC §2.1): POST /v1/sessions/verify {phone, deviceId,
// code} → the applicant token, the device remembered by the deviceCheck workflow. A phone and
// device with no check running answers OTP_INVALID like a wrong code.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ChallengeAnswer } from '../../domain/sms-challenges';
import { verifyDeviceUpdate } from '../../workflows/messages';
import { deviceCheckWorkflowId } from '../challenge-ids';
import { rateLimited } from '../plugins/rate-limit';
import { Problem } from '../problem';
import { problemResponses } from '../schemas/common';
import { SessionResponse, VerifySessionBody } from '../schemas/sessions';
import { applicantClaims } from '../tokens';
import { challengeProblem, isClosedChallenge } from './password-resets';

const deviceChecks: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/v1/sessions/verify',
    {
      config: rateLimited('otpVerify'),
      schema: {
        summary: 'Sign in from a new device with the SMS code: the applicant token',
        tags: ['applications'],
        body: VerifySessionBody,
        response: { 200: SessionResponse, ...problemResponses(400, 422, 429, 503) },
      },
    },
    async (request) => {
      const { phone, deviceId, code } = request.body;
      const handle = app.temporal.client.workflow.getHandle(
        deviceCheckWorkflowId(app.piiKey, phone, deviceId),
      );
      let answer: ChallengeAnswer;
      try {
        answer = await app.temporal.call(
          () =>
            handle.executeUpdate(verifyDeviceUpdate, { args: [{ version: 1, code: code.trim() }] }),
          20_000,
        );
      } catch (error) {
        if (isClosedChallenge(error)) throw new Problem('OTP_INVALID');
        throw error;
      }
      if (!answer.ok || !answer.applicationId)
        throw challengeProblem({ ...answer, code: answer.code ?? 'OTP_INVALID' });
      return {
        token: app.signApplicantToken(applicantClaims(answer.applicationId)),
        applicationId: answer.applicationId,
      };
    },
  );
};

export default deviceChecks;
