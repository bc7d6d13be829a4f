// Calls from the API into an application's workflow, with Temporal's failures turned into the
// answers of SPEC §5: unknown → 404, wrong state → 409, refused step → 422/429.
import {
  isGrpcServiceError,
  ServiceError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type WorkflowHandle,
} from '@temporalio/client';
import {
  ApplicationFailure,
  type QueryDefinition,
  type UpdateDefinition,
} from '@temporalio/common';
import type { FastifyInstance, FastifyReply } from 'fastify';
import {
  onboardingWorkflowId,
  WorkflowErrors,
  type ApplicationView,
  type StepResult,
} from '../domain/contract';
import { getApplicationQuery } from '../workflows/messages';
import { maskApplicant } from '../domain/mask';
import { applicantReason, applicantReasons } from './eligibility-answers';
import { erased, notFound, Problem, readLater, statusOf } from './problem';
import { isTemporalUnavailable, WorkflowNotAnswering } from './temporal-errors';

export function applicationHandle(app: FastifyInstance, id: string): WorkflowHandle {
  return app.temporal.client.workflow.getHandle(onboardingWorkflowId(id));
}

/**
 * Asks an application's workflow a query. Unknown → 404. A query needs a worker to answer it: with
 * none polling (a crash, a deployment) Temporal gives up, and the caller hears 503 with
 * Retry-After — the application itself is safe in Temporal and answers again once a worker runs.
 */
export async function queryOnboarding<Ret>(
  app: FastifyInstance,
  id: string,
  query: QueryDefinition<Ret, []>,
): Promise<Ret> {
  await assertNotErased(app, id);
  try {
    return await app.temporal.call(() => applicationHandle(app, id).query(query));
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw notFound('application');
    // Even inside a POST, a query that was not answered changed nothing.
    if (error instanceof WorkflowNotAnswering) throw readLater();
    // Temporal itself down is TEMPORAL_UNAVAILABLE, answered by the errors plugin.
    if (error instanceof Problem || isTemporalUnavailable(error)) throw error;
    if (error instanceof ServiceError || isGrpcServiceError(error)) throw readLater();
    throw error;
  }
}

export async function queryApplication(app: FastifyInstance, id: string): Promise<ApplicationView> {
  return remember(app, await queryOnboarding(app, id, getApplicationQuery));
}

/**
 * The application as last published to the read model (the Store's loadApplicationView), else as the
 * workflow answers a query. The read is what makes GET cheap: no round trip through Temporal.
 */
export async function readApplication(app: FastifyInstance, id: string): Promise<ApplicationView> {
  const stored = await app.store.loadApplicationView(app.piiKey, id);
  // Its wallet was closed and the person erased: their workflows can no longer be decrypted.
  if (stored === 'ERASED') throw erased('application');
  return stored ?? queryApplication(app, id);
}

/**
 * 404 for a closed wallet's application: its person's key is gone, so no update could even be
 * encoded for its workflow (the payload codec refuses); it no longer exists for anyone.
 */
export async function assertNotErased(app: FastifyInstance, id: string): Promise<void> {
  if ((await app.store.loadApplicationView(app.piiKey, id)) === 'ERASED')
    throw erased('application');
}

/** Keeps a view a workflow answered with in the read model, for the GETs that follow. */
export async function remember(
  app: FastifyInstance,
  view: ApplicationView,
): Promise<ApplicationView> {
  await app.store.saveApplicationView(app.piiKey, view);
  return view;
}

/**
 * Runs an update on a workflow by id. Unknown → 404, refused by the workflow's validator → 409,
 * closed → 409.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the SDK's own constraint
export async function updateApplicationWorkflow<Ret, Args extends [any, ...any[]]>(
  app: FastifyInstance,
  workflowId: string,
  update: UpdateDefinition<Ret, Args>,
  args: Args,
  timeoutMs = 30_000,
): Promise<Ret> {
  const handle = app.temporal.client.workflow.getHandle(workflowId);
  try {
    return await app.temporal.call(() => handle.executeUpdate(update, { args }), timeoutMs);
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
      const code = error.cause.type === WorkflowErrors.InvalidState ? 'INVALID_STATE' : 'CONFLICT';
      throw new Problem(code, error.cause.message);
    }
    // A finished workflow takes no more updates: it exists, but it is closed.
    if (error instanceof WorkflowNotFoundError) {
      const exists = await app.temporal
        .call(() => handle.describe())
        .then(
          () => true,
          (e: unknown) => {
            if (e instanceof WorkflowNotFoundError) return false;
            throw e;
          },
        );
      if (exists) throw new Problem('INVALID_STATE', 'This is already finished.');
      throw notFound('workflow');
    }
    throw error;
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the SDK's own constraint
export async function updateApplication<Ret, Args extends [any, ...any[]]>(
  app: FastifyInstance,
  id: string,
  update: UpdateDefinition<Ret, Args>,
  args: Args,
  timeoutMs = 30_000,
): Promise<Ret> {
  await assertNotErased(app, id);
  return updateApplicationWorkflow(app, onboardingWorkflowId(id), update, args, timeoutMs).then(
    async (answer) => {
      // Every step answers with the view after it (StepResult): the read model follows.
      const view = (answer as Partial<StepResult> | undefined)?.view;
      if (view?.applicationId === id) await remember(app, view);
      return answer;
    },
    (error: unknown) => {
      if (error instanceof Problem && error.status === 404) throw notFound('application');
      throw error;
    },
  );
}

/** The application as its owner sees it (masked) or as staff see it (whole). */
export function publicView(view: ApplicationView, masked: boolean) {
  const { fieldErrors: _fieldErrors, revision: _revision, applicant, ...rest } = view;
  if (!masked) return { ...rest, applicant };
  return { ...rest, reasons: applicantReasons(rest.reasons), applicant: maskApplicant(applicant) };
}

/** 200 with the application for a step that went through; a problem for one that did not. */
export function sendStep(
  reply: FastifyReply,
  result: StepResult,
  masked: boolean,
  extra: Record<string, unknown> = {},
) {
  const application = publicView(result.view, masked);
  if (result.ok) return reply.code(200).send({ ...extra, ...application });
  const told = { code: result.code ?? 'INVALID_STATE', message: result.message };
  const { code, message } = masked ? applicantReason(told) : told;
  const status = statusOf(code);
  throw new Problem(
    code,
    message,
    {
      ...extra,
      ...(result.errors ? { errors: result.errors } : {}),
      applicationStatus: application.status,
      attemptsLeft: application.attemptsLeft,
      application,
    },
    status === 429 ? { 'Retry-After': String(result.retryAfterSeconds ?? 60) } : {},
  );
}
