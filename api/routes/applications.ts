import {
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
} from '@temporalio/client';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { createHmac, randomUUID } from 'node:crypto';
import {
  ONBOARDING_WORKFLOW,
  onboardingWorkflowId,
  type ApplicationView,
  type OnboardingInput,
} from '../../domain/contract';
import {
  getReviewFileQuery,
  searchAttributes,
  submitApplicationUpdate,
} from '../../workflows/messages';
import { normalizeApplicant } from '../../domain/fields';
import type { Config } from '../../config/config';
import { hashPassword } from '../../crypto/password-hash';
import { personIdOf } from '../../crypto/pii';
import { recordPersonalDataViews } from '../audit';
import { applicantReason, applicantReasons } from '../eligibility-answers';
import { notFound, Problem } from '../problem';
import { throttle, unthrottle } from '../throttles';
import {
  publicView,
  queryApplication,
  queryOnboarding,
  readApplication,
  remember,
} from '../onboarding-calls';
import {
  ApplicationCreated,
  ApplicationResponse,
  CreateApplicationBody,
  IdempotencyHeaders,
} from '../schemas/applications';
import { IdParams, problemResponses } from '../schemas/common';
import { applicantClaims } from '../tokens';

/**
 * The same Idempotency-Key always names the same application, so a retried POST lands on the
 * workflow the first one started and Temporal answers the first update's result again.
 */
function applicationIdFor(config: Config, idempotencyKey: string | undefined): string {
  if (!idempotencyKey) return randomUUID();
  const digest = createHmac('sha256', config.authSecret)
    .update(`application:${idempotencyKey}`)
    .digest('hex');
  return `${digest.slice(0, 8)}-${digest.slice(8, 12)}-8${digest.slice(13, 16)}-a${digest.slice(17, 20)}-${digest.slice(20, 32)}`;
}

function sameApplicant(view: ApplicationView, body: CreateApplicationBody): boolean {
  const submitted = normalizeApplicant(body);
  return (['name', 'idNumber', 'phone', 'bankCardNumber'] as const).every(
    (field) => view.applicant[field] === submitted[field],
  );
}

const applications: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, { config }) => {
  const codeHits = new WeakMap<FastifyRequest, number>();
  app.post(
    '/v1/applications',
    {
      // Anything but a 201 sent no code: its hit goes back.
      onResponse: async (request, reply) => {
        if (reply.statusCode !== 201) await unthrottle(app, codeHits.get(request));
      },
      schema: {
        summary: 'Start an application for a wallet',
        tags: ['applications'],
        body: CreateApplicationBody,
        headers: IdempotencyHeaders,
        response: { 201: ApplicationCreated, ...problemResponses(400, 409, 422, 503) },
      },
    },
    async (request, reply) => {
      const idempotencyKey = request.headers['idempotency-key'];
      const applicationId = applicationIdFor(config, idempotencyKey);
      const { loginPassword, appVersion, ...fields } = request.body;
      // Shared by every API process (api/throttles.ts): per client, per card (each try of a
      // card counts), and the SMS code this sends, per phone across applications (given back
      // by the onResponse hook when no code went out).
      const submitted = normalizeApplicant(fields);
      await throttle(app, 'applicationsPerClient', request.ip);
      await throttle(app, 'applicationsPerCard', submitted.bankCardNumber);
      codeHits.set(request, await throttle(app, 'otpPerPhone', submitted.phone));
      const input: OnboardingInput = {
        version: 1,
        applicationId,
        applicant: normalizeApplicant(fields),
        appVersion,
        loginPasswordHash: await hashPassword(loginPassword),
        settings: {
          reviewRemindAfterMs: config.review.remindAfterMs,
          reviewEscalateAfterMs: config.review.escalateAfterMs,
          reviewExpireAfterMs: config.review.expireAfterMs,
          applicationIdleExpireAfterMs: config.lifecycle.idleExpireAfterMs,
        },
      };
      // Before the start: the input is the first payload under the applicant's own key.
      await app.store.registerTemporalSubject(
        config.piiKey,
        onboardingWorkflowId(applicationId),
        personIdOf(config.piiKey, input.applicant.idNumber),
      );
      const startOperation = new WithStartWorkflowOperation(ONBOARDING_WORKFLOW, {
        workflowId: onboardingWorkflowId(applicationId),
        taskQueue: app.temporal.taskQueue,
        args: [input],
        workflowIdConflictPolicy: idempotencyKey ? 'USE_EXISTING' : 'FAIL',
        // A finished application is never started again under the same key: it is replayed.
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        typedSearchAttributes: [
          { key: searchAttributes.onboardingStatus, value: 'AWAITING_PHONE_VERIFICATION' },
          { key: searchAttributes.nextAction, value: 'VERIFY_PHONE' },
        ],
      });
      const answer = await app.temporal
        .call(
          () =>
            app.temporal.client.workflow.executeUpdateWithStart(submitApplicationUpdate, {
              args: [{ version: 1 }],
              updateId: `submit-${applicationId}`,
              startWorkflowOperation: startOperation,
            }),
          20_000,
        )
        .catch(async (error: unknown) => {
          if (!idempotencyKey || !(error instanceof WorkflowExecutionAlreadyStartedError))
            throw error;
          return queryApplication(app, applicationId);
        });
      const view = await remember(app, answer);
      if (idempotencyKey && !sameApplicant(view, request.body))
        throw new Problem(
          'IDEMPOTENCY_KEY_REUSED',
          'This Idempotency-Key was already used for a different application.',
        );
      if (view.status === 'FAILED') {
        const first = view.reasons[0];
        // SPEC §5: a duplicate (another application in progress, a wallet already) is a 409.
        const told = first ? applicantReason(first) : undefined;
        throw new Problem(told?.code ?? 'INVALID_STATE', told?.message, {
          applicationId,
          // Not `status`: in problem+json that is the HTTP status (RFC 9457).
          applicationStatus: view.status,
          reasons: applicantReasons(view.reasons),
          errors: view.fieldErrors,
        });
      }
      return reply.code(201).send({
        applicationId,
        status: view.status,
        nextAction: view.nextAction,
        applicantToken: app.signApplicantToken(applicantClaims(applicationId)),
      });
    },
  );

  app.get(
    '/v1/applications/:id',
    {
      onRequest: app.requireRole('applicant', 'reviewer', 'ops'),
      schema: {
        summary: 'Read an application: status, next action, reasons, deadlines',
        tags: ['applications'],
        security: [{ bearer: [] }],
        params: IdParams,
        response: { 200: ApplicationResponse, ...problemResponses(401, 403, 404, 503) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const isApplicant = request.user.role === 'applicant';
      // Someone else's application is indistinguishable from one that does not exist.
      if (isApplicant && request.user.applicationId !== id) throw notFound('application');
      const view = await readApplication(app, id);
      if (isApplicant) return publicView(view, true);
      // Staff also see the review file: flags, photo checks, decisions and internal notes.
      const review = await queryOnboarding(app, id, getReviewFileQuery);
      await recordPersonalDataViews(app.store, request.user, [id], 'APPLICATION');
      return { ...publicView(view, false), review };
    },
  );
};

export default applications;
