// The one reason-code → HTTP status table (api/problem.ts) says what SPEC §5 says.
import { describe, expect, it } from 'vitest';
import { Problem, statusOf } from '../../api/problem';
import { HTTP_ERROR_CODES, REASON_CODES } from '../../domain/codes';

describe('the problem status table', () => {
  it.each([
    ['VALIDATION_FAILED', 400],
    ['INVALID_NAME', 400],
    ['UNAUTHORIZED', 401],
    ['FORBIDDEN', 403],
    ['NOT_FOUND', 404],
    ['INVALID_STATE', 409],
    ['APPLICATION_IN_PROGRESS', 409],
    ['ALREADY_HAS_WALLET', 409],
    ['PAYLOAD_TOO_LARGE', 413],
    // A photo the step refuses is an answer with reasons, whatever the reason.
    ['PHOTO_TOO_LARGE', 422],
    ['PHOTO_UNSUPPORTED_FORMAT', 422],
    ['UNSUPPORTED_MEDIA_TYPE', 415],
    ['BANK_ACCOUNT_NOT_FOUND', 422],
    ['PAYMENT_PASSWORD_LOCKED', 422],
    ['OTP_RESEND_TOO_SOON', 429],
    ['RESET_CODE_INVALID', 422],
    ['LOGIN_PASSWORD_INVALID', 422],
    ['DEVICE_VERIFICATION_REQUIRED', 401],
    ['TOO_MANY_REQUESTS', 429],
    ['TEMPORAL_UNAVAILABLE', 503],
    ['REQUEST_PENDING', 503],
  ] as const)('%s answers %i', (code, status) => {
    expect(statusOf(code)).toBe(status);
    expect(new Problem(code).status).toBe(status);
  });

  it('gives every code a status of SPEC §5, and no client-caused code a 5xx', () => {
    const allowed = [400, 401, 403, 404, 409, 413, 415, 422, 429, 500, 503];
    for (const code of [...REASON_CODES, ...HTTP_ERROR_CODES])
      expect(allowed, code).toContain(statusOf(code));
    for (const code of REASON_CODES) expect(statusOf(code), code).toBeLessThan(500);
  });

  it('keeps a framework 4xx of its own only when asked', () => {
    expect(new Problem('MALFORMED_REQUEST', 'x', {}, {}, 405).status).toBe(405);
    expect(new Problem('MALFORMED_REQUEST').status).toBe(400);
  });
});
