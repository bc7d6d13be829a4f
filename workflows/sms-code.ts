// One SMS code's state inside a workflow, with the onboarding code's rules (SPEC §1 step 2):
// shared by the password-reset and device-check workflows. Deterministic: Temporal's Math.random
// and Date.now replay identically.
import { condition } from '@temporalio/workflow';
import type { ChallengeAnswer } from '../domain/sms-challenges';
import { SMS_CHALLENGE_RULES as RULES } from '../domain/sms-challenges';

export type CodeVerdict = 'RIGHT' | 'WRONG' | 'EXPIRED' | 'LOCKED';

export function smsCode() {
  let code = '';
  let sentAt = 0;
  let sends = 0;
  let attemptsLeft: number = RULES.maxAttempts;

  return {
    get sends() {
      return sends;
    },
    get sentAt() {
      return sentAt;
    },
    get attemptsLeft() {
      return attemptsLeft;
    },
    get locked() {
      return attemptsLeft <= 0;
    },
    /** Why no code may be sent now, or null. */
    refuseSend(): ChallengeAnswer | null {
      if (attemptsLeft <= 0) return { ok: false, code: 'OTP_ATTEMPTS_EXCEEDED', attemptsLeft: 0 };
      if (sends >= RULES.maxSends) return { ok: false, code: 'OTP_RESEND_TOO_SOON' };
      const waitMs = sentAt + RULES.resendCooldownMs - Date.now();
      if (sends > 0 && waitMs > 0)
        return {
          ok: false,
          code: 'OTP_RESEND_TOO_SOON',
          retryAfterSeconds: Math.ceil(waitMs / 1000),
        };
      return null;
    },
    /** A new code (the previous one stops working); attempts are not given back. */
    issue(): string {
      code = String(Math.floor(Math.random() * 10 ** RULES.codeLength)).padStart(
        RULES.codeLength,
        '0',
      );
      sentAt = Date.now();
      sends += 1;
      return code;
    },
    /** Checks a code entered; a wrong one uses up an attempt. */
    check(entered: string): CodeVerdict {
      if (attemptsLeft <= 0) return 'LOCKED';
      if (sends === 0 || Date.now() > sentAt + RULES.codeTtlMs) return 'EXPIRED';
      if (entered === code) return 'RIGHT';
      attemptsLeft -= 1;
      return attemptsLeft <= 0 ? 'LOCKED' : 'WRONG';
    },
    /** A right code that still must not count (the ID number did not match): an attempt used. */
    spend(): CodeVerdict {
      attemptsLeft -= 1;
      return attemptsLeft <= 0 ? 'LOCKED' : 'WRONG';
    },
    /** Whether the challenge may still be answered at `now`. */
    liveUntil(startedAt: number): number {
      return Math.max(startedAt + RULES.windowMs, sentAt + RULES.codeTtlMs);
    },
  };
}

export type SmsCode = ReturnType<typeof smsCode>;

/** Waits until `done()` or until the challenge can no longer be answered (a resend extends it). */
export async function untilDoneOrExpired(
  code: SmsCode,
  startedAt: number,
  done: () => boolean,
): Promise<void> {
  while (!done()) {
    const until = code.liveUntil(startedAt);
    if (Date.now() >= until) return;
    await condition(done, until - Date.now());
  }
}

export function refusal(
  verdict: Exclude<CodeVerdict, 'RIGHT'>,
  wrong: 'RESET_CODE_INVALID' | 'OTP_INVALID',
  attemptsLeft: number,
): ChallengeAnswer {
  if (verdict === 'LOCKED') return { ok: false, code: 'OTP_ATTEMPTS_EXCEEDED', attemptsLeft: 0 };
  if (verdict === 'EXPIRED') return { ok: false, code: 'OTP_EXPIRED', attemptsLeft };
  return { ok: false, code: wrong, attemptsLeft };
}
