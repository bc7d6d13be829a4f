// Which Temporal client failures mean "Temporal is unreachable" (answer 503 and let the client
// retry) rather than a fault of the request, and which mean only that a workflow was late.
import { isGrpcServiceError, ServiceError } from '@temporalio/client';

const UNAVAILABLE = 14;
const DEADLINE_EXCEEDED = 4;

/**
 * A call's deadline passed while Temporal itself still answers: the workflow, or the worker that
 * runs it, did not answer in time. An update may still take effect after this; a query had none.
 */
export class WorkflowNotAnswering extends Error {
  constructor(cause: unknown) {
    super('The workflow did not answer before the deadline.', { cause });
    this.name = 'WorkflowNotAnswering';
  }
}

/** Whether `error` or one of its causes (the SDK wraps gRPC errors) matches. */
function anyCause(error: unknown, matches: (e: unknown) => boolean): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    if (matches(e)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

export function isDeadlineExceeded(error: unknown): boolean {
  return anyCause(error, (e) => isGrpcServiceError(e) && Number(e.code) === DEADLINE_EXCEEDED);
}

export function isTemporalUnavailable(error: unknown): boolean {
  return anyCause(
    error,
    (e) =>
      (isGrpcServiceError(e) && [UNAVAILABLE, DEADLINE_EXCEEDED].includes(Number(e.code))) ||
      (e instanceof ServiceError &&
        /ECONNREFUSED|connection refused|Failed to connect/i.test(e.message)),
  );
}
