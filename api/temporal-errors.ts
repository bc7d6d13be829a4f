// Which Temporal client failures mean "Temporal is unreachable" (answer 503 and let the client
// retry) rather than a fault of the request, and which mean only that a workflow was late.
import {
  isGrpcServiceError,
  ServiceError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';

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

/**
 * The call ran out of time. An update call that times out can also come back as CANCELLED (seen
 * with the worker down); the SDK reports both as WorkflowUpdateRPCTimeoutOrCancelledError, and
 * nothing in the API cancels a call itself.
 */
export function isDeadlineExceeded(error: unknown): boolean {
  return anyCause(
    error,
    (e) =>
      e instanceof WorkflowUpdateRPCTimeoutOrCancelledError ||
      (isGrpcServiceError(e) && Number(e.code) === DEADLINE_EXCEEDED),
  );
}

export function isTemporalUnavailable(error: unknown): boolean {
  return (
    isDeadlineExceeded(error) ||
    anyCause(
      error,
      (e) =>
        (isGrpcServiceError(e) && Number(e.code) === UNAVAILABLE) ||
        (e instanceof ServiceError &&
          /ECONNREFUSED|connection refused|Failed to connect/i.test(e.message)),
    )
  );
}
