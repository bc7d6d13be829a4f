// Which Temporal client failures mean "Temporal is unreachable" (answer 503 and let the client
// retry) rather than a fault of the request.
import { isGrpcServiceError, ServiceError } from '@temporalio/client';

const UNAVAILABLE = 14;
const DEADLINE_EXCEEDED = 4;

export function isTemporalUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    if (isGrpcServiceError(e) && [UNAVAILABLE, DEADLINE_EXCEEDED].includes(Number(e.code)))
      return true;
    if (
      e instanceof ServiceError &&
      /ECONNREFUSED|connection refused|Failed to connect/i.test(e.message)
    )
      return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
