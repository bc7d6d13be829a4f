// The database steps of the SMS challenges after onboarding (SPEC §2.1): whose password a reset
// changes, the reset itself (with its audit row and the sign-out of every session, one Store
// call, idempotent by the workflow's event key) and remembering a device once its code was right.
import { ApplicationFailure } from '@temporalio/common';
import { blindIndex } from '../crypto/pii';
import { isPasswordHash } from '../crypto/password-hash';
import type { PasswordKind, ResetTarget } from '../domain/sms-challenges';
import type { ActivityDeps } from './index';

export interface ApplyPasswordResetInput {
  eventKey: string;
  kind: PasswordKind;
  target: ResetTarget;
  newPasswordHash: string;
}

export function createCredentialActivities({
  store,
  config,
}: Pick<ActivityDeps, 'store' | 'config'>) {
  return {
    /** The person a verified phone signs in to, and for PAYMENT their open wallet; else null. */
    async findResetTarget(input: {
      phone: string;
      kind: PasswordKind;
    }): Promise<ResetTarget | null> {
      const login = await store.findVerifiedLogin(blindIndex(config.piiKey, 'phone', input.phone));
      if (!login?.personId) return null;
      const walletId = await store.openWalletOfPerson(login.personId);
      if (input.kind === 'PAYMENT' && !walletId) return null;
      return { personId: login.personId, applicationId: login.applicationId, walletId };
    },

    /** Stores the new password, lifts a payment lock, signs out every session; once per key. */
    async applyPasswordReset(input: ApplyPasswordResetInput): Promise<void> {
      if (!isPasswordHash(input.newPasswordHash))
        throw ApplicationFailure.nonRetryable('Not a password hash', 'INVALID_INPUT');
      await store.storePasswordChange({
        eventKey: input.eventKey,
        kind: input.kind,
        how: 'RESET',
        personId: input.target.personId,
        applicationId: input.target.applicationId,
        ...(input.target.walletId ? { walletId: input.target.walletId } : {}),
        hash: input.newPasswordHash,
        actor: 'password-reset',
        at: new Date(),
      });
    },

    async rememberDevice(input: { personId: string; deviceIndex: string }): Promise<void> {
      await store.rememberDevice(input.personId, input.deviceIndex, new Date());
    },
  };
}
