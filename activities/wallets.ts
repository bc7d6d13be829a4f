// Wallet creation at activation (SPEC §1 step 8): exactly once per application.
import { ApplicationFailure } from '@temporalio/common';
import { randomBytes } from 'node:crypto';
import { TIERS, type Tier } from '../domain/tiers';
import { personIdOf } from '../crypto/pii';
import { isPasswordHash } from '../crypto/password-hash';
import { webhooksEnabled } from '../db/store';
import type { ActivityDeps } from './index';

export interface CreateWalletInput {
  applicationId: string;
  idNumber: string;
  tier: Tier;
  paymentPasswordHash: string;
  /** Where closure notices will go (db/sqlite/repositories/wallet-owner.ts). */
  ownerPhone: string;
  /** The bound card: where top-ups come from and withdrawals go (workflows/money-movement.ts). */
  bankCardNumber?: string;
}

export function newWalletId(): string {
  return `w_${randomBytes(12).toString('hex')}`;
}

export function createWalletActivities({ store, config }: Pick<ActivityDeps, 'store' | 'config'>) {
  const webhooks = webhooksEnabled(config);
  return {
    /**
     * The wallet row (unique by application) and the person's claim turning into WALLET commit
     * together; a retry, even after a commit whose answer was lost, finds the row and answers
     * the same id. The wallet's first status (ACTIVE) is audited and, with WEBHOOK_URL set,
     * queued as an event webhook in that same transaction.
     */
    async createWallet(input: CreateWalletInput): Promise<{ walletId: string }> {
      if (typeof input.applicationId !== 'string' || input.applicationId === '')
        throw ApplicationFailure.nonRetryable('applicationId is missing', 'INVALID_INPUT');
      if (typeof input.idNumber !== 'string' || input.idNumber.trim() === '')
        throw ApplicationFailure.nonRetryable('idNumber is missing', 'INVALID_INPUT');
      if (!(TIERS as readonly string[]).includes(input.tier))
        throw ApplicationFailure.nonRetryable(
          `Unknown tier ${String(input.tier)}`,
          'INVALID_INPUT',
        );
      if (!isPasswordHash(input.paymentPasswordHash))
        throw ApplicationFailure.nonRetryable(
          'paymentPasswordHash must be a hash from crypto/password-hash',
          'INVALID_INPUT',
        );
      const personId = personIdOf(config.piiKey, input.idNumber);
      const created = await store.createWalletOnce(config.piiKey, {
        walletId: newWalletId(),
        applicationId: input.applicationId,
        personId,
        tier: input.tier,
        paymentPasswordHash: input.paymentPasswordHash,
        ownerPhone: input.ownerPhone,
        ...(input.bankCardNumber ? { bankCard: input.bankCardNumber } : {}),
        webhooks,
      });
      if ('refused' in created)
        throw ApplicationFailure.nonRetryable(
          created.refused === 'ALREADY_HAS_WALLET'
            ? 'This person already has a wallet'
            : 'Another application holds this person',
          created.refused,
        );
      return created;
    },
  };
}
