// RFC 9457 problem details: the only shape in which this API reports an error.
import type { HttpErrorCode, ReasonCode } from '../domain/codes';
import { reasonMessage } from '../domain/messages';

export type ProblemCode =
  ReasonCode | HttpErrorCode | 'IDEMPOTENCY_KEY_REUSED' | 'HEADERS_TOO_LARGE' | 'REQUEST_TIMEOUT';

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
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function statusTitle(status: number): string {
  return TITLES[status] ?? 'Error';
}

/**
 * The one table of which HTTP status a problem code answers with (SPEC §5). A code not listed is
 * a rule saying no: 422.
 */
const STATUS_OF: Partial<Record<ProblemCode, number>> = {
  VALIDATION_FAILED: 400,
  MALFORMED_REQUEST: 400,
  INVALID_NAME: 400,
  INVALID_ID_NUMBER: 400,
  INVALID_PHONE: 400,
  INVALID_BANK_CARD: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  INVALID_STATE: 409,
  // A case in the review queue someone else is working on (SPEC §7).
  CASE_CLAIMED_BY_OTHER: 409,
  // A duplicate: another application in progress, or a wallet already.
  APPLICATION_IN_PROGRESS: 409,
  ALREADY_HAS_WALLET: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  REQUEST_TIMEOUT: 408,
  TOO_MANY_REQUESTS: 429,
  HEADERS_TOO_LARGE: 431,
  OTP_RESEND_TOO_SOON: 429,
  // Rules saying no (SPEC §2.1), listed so the table names every code of the spec's wallet use.
  RECIPIENT_NOT_FOUND: 422,
  PAYMENT_CODE_INVALID: 422,
  PAYMENT_CODE_EXPIRED: 422,
  // Passwords after onboarding (SPEC §2.1): a wrong reset code (or ID number, or an unknown
  // phone: one answer for all) and a wrong old login password are rules saying no.
  RESET_CODE_INVALID: 422,
  LOGIN_PASSWORD_INVALID: 422,
  // Named by the 202 {challenge: "SMS_CODE"} of a sign-in from a new device; as a refusal, the
  // sign-in is not complete: 401.
  DEVICE_VERIFICATION_REQUIRED: 401,
  INTERNAL_ERROR: 500,
  TEMPORAL_UNAVAILABLE: 503,
  SERVICE_UNAVAILABLE: 503,
  REQUEST_PENDING: 503,
};

export function statusOf(code: ProblemCode): number {
  return STATUS_OF[code] ?? 422;
}

export class Problem extends Error {
  readonly status: number;

  /**
   * `status` is the table's unless given: only a framework error of a 4xx the table has no code
   * for (405, 406, 414, …) keeps its own, as MALFORMED_REQUEST.
   */
  constructor(
    readonly code: ProblemCode,
    detail?: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
    status?: number,
  ) {
    super(detail ?? defaultDetail(code));
    this.name = 'Problem';
    this.status = status ?? statusOf(code);
  }
}

function defaultDetail(code: ProblemCode): string {
  try {
    return reasonMessage(code as ReasonCode) ?? code;
  } catch {
    return code;
  }
}

export const notFound = (what = 'resource') => new Problem('NOT_FOUND', `No such ${what}.`);
/** 404 for what existed and was erased (SPEC §9): staff views and the console say so. */
export const erased = (what: string) =>
  new Problem('NOT_FOUND', `This ${what} was erased: its personal data is gone.`);
export const forbidden = () => new Problem('FORBIDDEN', 'Your role may not do this.');
export const unauthorized = (detail = 'A valid bearer token is required.') =>
  new Problem('UNAUTHORIZED', detail, {}, { 'WWW-Authenticate': 'Bearer' });
/** 503 with the Retry-After every "try again shortly" answer carries. */
const retryShortly = (code: ProblemCode, detail: string) =>
  new Problem(code, detail, {}, { 'Retry-After': '5' });
export const temporalUnavailable = () =>
  retryShortly('TEMPORAL_UNAVAILABLE', 'The workflow service is unreachable; try again shortly.');
/** The app database cannot be reached: nothing was written; the same request may be sent again. */
export const databaseUnavailable = () =>
  retryShortly('SERVICE_UNAVAILABLE', 'The database is unreachable right now; try again shortly.');
/** The core bank did not answer (down, or an answer of the wrong shape): nothing was changed. */
export const bankUnavailable = () =>
  retryShortly(
    'SERVICE_UNAVAILABLE',
    'The core bank cannot be reached right now; try again shortly.',
  );
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
