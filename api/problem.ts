// RFC 9457 problem details: the only shape in which this API reports an error.
import type { HttpErrorCode, ReasonCode } from '../domain/codes';
import { reasonMessage } from '../domain/messages';

export type ProblemCode = ReasonCode | HttpErrorCode | 'IDEMPOTENCY_KEY_REUSED';

export interface FieldProblem {
  field: string;
  code: string;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function statusTitle(status: number): string {
  return TITLES[status] ?? 'Error';
}

export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly code: ProblemCode,
    detail?: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? defaultDetail(code));
    this.name = 'Problem';
  }
}

function defaultDetail(code: ProblemCode): string {
  try {
    return reasonMessage(code as ReasonCode) ?? code;
  } catch {
    return code;
  }
}

export const notFound = (what = 'resource') => new Problem(404, 'NOT_FOUND', `No such ${what}.`);
export const forbidden = () => new Problem(403, 'FORBIDDEN', 'Your role may not do this.');
export const unauthorized = (detail = 'A valid bearer token is required.') =>
  new Problem(401, 'UNAUTHORIZED', detail, {}, { 'WWW-Authenticate': 'Bearer' });
/** 503 with the Retry-After every "try again shortly" answer carries. */
const retryShortly = (code: ProblemCode, detail: string) =>
  new Problem(503, code, detail, {}, { 'Retry-After': '5' });
export const temporalUnavailable = () =>
  retryShortly('TEMPORAL_UNAVAILABLE', 'The workflow service is unreachable; try again shortly.');
/** A read the workflow did not answer in time (no worker polling, or one too busy). */
export const readLater = () =>
  retryShortly(
    'SERVICE_UNAVAILABLE',
    'This cannot be read right now; nothing is lost. Try again shortly.',
  );
/** A step Temporal took but the workflow did not answer in time: it may yet take effect. */
export const requestPending = () =>
  retryShortly(
    'REQUEST_PENDING',
    'Your request was received but not answered in time; it may still take effect. Read the current status before sending it again.',
  );
