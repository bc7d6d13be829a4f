// Eligibility against the bank's core system and this app's own records (SPEC §1 step 1).
import { ApplicationFailure } from '@temporalio/common';
import type { ReasonCode } from '../domain/codes';
import { compareVersions, normalizeIdNumber, normalizeName } from '../domain/fields';
import { blindIndex, personIdOf } from '../crypto/pii';
import { defaultCoreBanking, type CoreBanking } from '../adapters/core-banking';
import type { ActivityDeps } from './index';

export interface CheckEligibilityInput {
  applicationId: string;
  applicant: { name: string; idNumber: string; phone: string; bankCardNumber: string };
  appVersion: string;
  loginPasswordHash: string;
}

export type EligibilityResult = { ok: true } | { ok: false; code: ReasonCode };

export interface ReleaseApplicantInput {
  applicationId: string;
  idNumber: string;
}

function requireText(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string' || value.trim() === '')
    throw ApplicationFailure.nonRetryable(`${what} is missing`, 'INVALID_INPUT');
}

export function createEligibilityActivities(
  deps: Pick<ActivityDeps, 'store' | 'config'> & { coreBanking?: CoreBanking },
) {
  const { store, config } = deps;
  let coreBanking = deps.coreBanking;
  // Built on first use: with SANDBOX=0 a worker that never checks eligibility needs no URL.
  const bank = () => (coreBanking ??= defaultCoreBanking(store, config));

  return {
    /**
     * Checks, in order: app version, the bank account (exists, holder, status, real name), then
     * claims the person for this application in one immediate transaction, so that two
     * applications of one person racing each other cannot both pass. Retries are harmless: the
     * claim and the login are keyed by person and application.
     */
    async checkEligibility(input: CheckEligibilityInput): Promise<EligibilityResult> {
      requireText(input.applicationId, 'applicationId');
      requireText(input.applicant?.name, 'applicant.name');
      requireText(input.applicant?.idNumber, 'applicant.idNumber');
      requireText(input.applicant?.phone, 'applicant.phone');
      requireText(input.applicant?.bankCardNumber, 'applicant.bankCardNumber');
      requireText(input.appVersion, 'appVersion');
      requireText(input.loginPasswordHash, 'loginPasswordHash');
      const { applicant } = input;

      if (compareVersions(input.appVersion, config.minAppVersion) < 0)
        return { ok: false, code: 'APP_VERSION_TOO_OLD' };

      const account = await bank().findAccountByCard(applicant.bankCardNumber);
      if (!account) return { ok: false, code: 'BANK_ACCOUNT_NOT_FOUND' };
      if (
        normalizeName(account.holderName) !== normalizeName(applicant.name) ||
        normalizeIdNumber(account.idNumber) !== normalizeIdNumber(applicant.idNumber)
      )
        return { ok: false, code: 'BANK_ACCOUNT_HOLDER_MISMATCH' };
      if (account.status !== 'NORMAL') return { ok: false, code: 'BANK_ACCOUNT_NOT_NORMAL' };
      if (!account.realNameVerified) return { ok: false, code: 'REAL_NAME_NOT_VERIFIED' };

      const personId = personIdOf(config.piiKey, applicant.idNumber);
      const phoneIndex = blindIndex(config.piiKey, 'phone', applicant.phone);
      return store.claimPersonForApplication({
        personId,
        applicationId: input.applicationId,
        phoneIndex,
        loginPasswordHash: input.loginPasswordHash,
        at: new Date(),
      });
    },

    /**
     * Frees the person for another application once this one has ended without a wallet.
     * Only this application's IN_PROGRESS claim is removed; a WALLET claim or another
     * application's claim stays.
     */
    async releaseApplicant(input: ReleaseApplicantInput): Promise<void> {
      requireText(input.applicationId, 'applicationId');
      requireText(input.idNumber, 'idNumber');
      await store.releaseInProgressClaim(
        personIdOf(config.piiKey, input.idNumber),
        input.applicationId,
      );
    },
  };
}
