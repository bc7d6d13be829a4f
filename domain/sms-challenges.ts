// The SMS codes asked for after onboarding (SPEC §2.1): a password reset and the new-device check.
// Each is a short durable workflow keeping one code with the onboarding code's rules (SPEC §1
// step 2: 6 digits, valid 5 minutes, 5 wrong tries, 60 s between sends, 5 sends).
import type { ReasonCode } from './codes';
import { ONBOARDING_RULES } from './contract';

export const PASSWORD_RESET_WORKFLOW = 'passwordReset';
export const DEVICE_CHECK_WORKFLOW = 'deviceCheck';

export const SMS_CHALLENGE_RULES = {
  codeLength: ONBOARDING_RULES.otpLength,
  codeTtlMs: ONBOARDING_RULES.otpTtlMs,
  maxAttempts: ONBOARDING_RULES.otpMaxAttempts,
  resendCooldownMs: ONBOARDING_RULES.otpResendCooldownMs,
  maxSends: ONBOARDING_RULES.otpMaxSends,
  /**
   * How long one challenge lives: its codes, attempts and sends count within it, so that asking
   * again does not give fresh attempts. After it (or success) a request starts a new one.
   */
  windowMs: 30 * 60_000,
} as const;

export type PasswordKind = 'LOGIN' | 'PAYMENT';
export const PASSWORD_KINDS = ['LOGIN', 'PAYMENT'] as const;

/** Whose password a reset changes: found by the verified phone, never told to the caller. */
export interface ResetTarget {
  personId: string;
  /** The application the phone signs in to. */
  applicationId: string;
  /** PAYMENT: the person's wallet that is not closed. */
  walletId: string | null;
}

export interface PasswordResetInput {
  version: 1;
  /** Where the code goes; the workflow's payloads are encrypted (SPEC §6). */
  phone: string;
}

export interface DeviceCheckInput {
  version: 1;
  phone: string;
  personId: string;
  applicationId: string;
  /** Keyed hash of the app's device id; null for a sign-in that sent none. */
  deviceIndex: string | null;
}

/** A challenge's answer to a request for a code or a code entered. */
export interface ChallengeAnswer {
  ok: boolean;
  code?: ReasonCode;
  attemptsLeft?: number;
  retryAfterSeconds?: number;
  /** Device check: the application to sign in to. */
  applicationId?: string;
  /** Password reset: which password the challenge resets. */
  kind?: PasswordKind;
}
