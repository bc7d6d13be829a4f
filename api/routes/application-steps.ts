// The applicant's steps of SPEC §1, each a workflow update answered in the same request.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import {
  cancelUpdate,
  guardianConsentUpdate,
  resendOtpUpdate,
  resubmitUpdate,
  setPaymentPasswordUpdate,
  verifyOtpUpdate,
} from '../../workflows/messages';
import { chinaDate, isStrongPaymentPassword, parseIdNumber } from '../../domain/fields';
import { hashPassword } from '../../crypto/password-hash';
import { assertNotErased, readApplication, sendStep, updateApplication } from '../onboarding-calls';
import { rateLimited } from '../plugins/rate-limit';
import { notFound, Problem } from '../problem';
import { throttle, unthrottle } from '../throttles';
import { IdParams, problemResponses } from '../schemas/common';
import {
  EmptyBody,
  GuardianBody,
  OtpVerifyBody,
  PaymentPasswordBody,
  ResubmissionBody,
} from '../schemas/steps';

/** Only the applicant who owns the application may act on it; anyone else gets a 404. */
export function ownApplication(request: FastifyRequest, id: string) {
  if (request.user.role !== 'applicant' || request.user.applicationId !== id)
    throw notFound('application');
}

const steps: FastifyPluginAsyncTypebox = async (app) => {
  const owner = app.requireRole('applicant');
  const common = {
    tags: ['applications'],
    security: [{ bearer: [] }],
    params: IdParams,
    response: problemResponses(400, 401, 403, 404, 409, 422, 429, 503),
  };

  app.post(
    '/v1/applications/:id/otp',
    {
      onRequest: owner,
      config: rateLimited('otpResend'),
      schema: { ...common, summary: 'Send the SMS code again', body: EmptyBody },
    },
    async (request, reply) => {
      ownApplication(request, request.params.id);
      // Codes to one phone are capped across applications too (api/throttles.ts).
      const { applicant } = await readApplication(app, request.params.id);
      const hit = await throttle(app, 'otpPerPhone', applicant.phone);
      const result = await updateApplication(app, request.params.id, resendOtpUpdate, [
        { version: 1 },
      ]).catch(async (error: unknown) => {
        await unthrottle(app, hit);
        throw error;
      });
      if (!result.ok) await unthrottle(app, hit);
      return sendStep(reply, result, true);
    },
  );

  app.post(
    '/v1/applications/:id/otp/verify',
    {
      onRequest: owner,
      config: rateLimited('otpVerify'),
      schema: { ...common, summary: 'Verify the phone with the SMS code', body: OtpVerifyBody },
    },
    async (request, reply) => {
      ownApplication(request, request.params.id);
      const result = await updateApplication(app, request.params.id, verifyOtpUpdate, [
        { version: 1, code: request.body.code },
      ]);
      return sendStep(reply, result, true);
    },
  );

  app.post(
    '/v1/applications/:id/guardian-consent',
    {
      onRequest: owner,
      schema: {
        ...common,
        summary: 'Guardian consent for an applicant under 16',
        body: GuardianBody,
      },
    },
    async (request, reply) => {
      ownApplication(request, request.params.id);
      const result = await updateApplication(app, request.params.id, guardianConsentUpdate, [
        { version: 1, guardian: request.body },
      ]);
      return sendStep(reply, result, true);
    },
  );

  app.post(
    '/v1/applications/:id/resubmission',
    {
      onRequest: owner,
      schema: {
        ...common,
        summary: 'Correct fields after a RETRY rejection; the photo step and review follow',
        body: ResubmissionBody,
      },
    },
    async (request, reply) => {
      ownApplication(request, request.params.id);
      await assertNotErased(app, request.params.id);
      // A corrected ID number (valid: the schema checked it) is another person, and the views
      // naming them are sealed under their key.
      if (request.body.idNumber !== undefined)
        await app.store.prepareViewsFor(app.piiKey, request.body.idNumber);
      const result = await updateApplication(app, request.params.id, resubmitUpdate, [
        { version: 1, fields: request.body },
      ]);
      return sendStep(reply, result, true);
    },
  );

  app.post(
    '/v1/applications/:id/payment-password',
    {
      onRequest: owner,
      config: rateLimited('paymentPassword'),
      schema: {
        ...common,
        summary: 'Set the 6-digit payment password; the wallet is then created',
        body: PaymentPasswordBody,
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      ownApplication(request, id);
      const view = await readApplication(app, id);
      if (view.status !== 'AWAITING_PAYMENT_PASSWORD')
        throw new Problem('INVALID_STATE', `The application is ${view.status}.`);
      const birth = parseIdNumber(view.applicant.idNumber, chinaDate(Date.now()))?.birthDate;
      if (!birth || !isStrongPaymentPassword(request.body.paymentPassword, birth))
        throw new Problem('PAYMENT_PASSWORD_WEAK', undefined, {
          errors: [{ field: 'paymentPassword', code: 'PAYMENT_PASSWORD_WEAK' }],
        });
      // Only the hash reaches the workflow: the password never enters Temporal's history.
      const paymentPasswordHash = await hashPassword(request.body.paymentPassword);
      const result = await updateApplication(app, id, setPaymentPasswordUpdate, [
        { version: 1, paymentPasswordHash },
      ]);
      return sendStep(reply, result, true);
    },
  );

  app.post(
    '/v1/applications/:id/cancel',
    {
      onRequest: owner,
      schema: { ...common, summary: 'Cancel the application before activation', body: EmptyBody },
    },
    async (request, reply) => {
      ownApplication(request, request.params.id);
      const result = await updateApplication(app, request.params.id, cancelUpdate, [
        { version: 1 },
      ]);
      return sendStep(reply, result, true);
    },
  );
};

export default steps;
