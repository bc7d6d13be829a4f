// Wallet creation at activation (SPEC §1 step 8): exactly once per application.
import { ApplicationFailure } from '@temporalio/common';
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { personClaims, wallets } from '../db/schema';
import { TIERS, type Tier } from '../domain/tiers';
import { appendAudit } from '../db/repositories/audit-log';
import { personIdOf } from '../crypto/pii';
import { personKey } from '../db/repositories/person-keys';
import { isPasswordHash } from '../crypto/password-hash';
import { sealOwnerPhone } from '../db/repositories/wallet-owner';
import { queueStatusEvent, webhooksEnabled } from '../db/repositories/status-events';
import type { ActivityDeps } from './index';

export interface CreateWalletInput {
  applicationId: string;
  idNumber: string;
  tier: Tier;
  paymentPasswordHash: string;
  /** Where closure notices will go (db/repositories/wallet-owner.ts); absent in workflows started earlier. */
  ownerPhone?: string;
}

export function newWalletId(): string {
  return `w_${randomBytes(12).toString('hex')}`;
}

export function createWalletActivities({ db, config }: Pick<ActivityDeps, 'db' | 'config'>) {
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
      const ownerKey = input.ownerPhone ? personKey(db, config.piiKey, personId) : null;
      const now = new Date();
      return db.transaction(
        (tx) => {
          const existing = tx
            .select({ id: wallets.id })
            .from(wallets)
            .where(eq(wallets.applicationId, input.applicationId))
            .get();
          if (existing) return { walletId: existing.id };
          const claim = tx
            .select()
            .from(personClaims)
            .where(eq(personClaims.personId, personId))
            .get();
          if (claim && claim.applicationId !== input.applicationId)
            throw ApplicationFailure.nonRetryable(
              claim.kind === 'WALLET'
                ? 'This person already has a wallet'
                : 'Another application holds this person',
              claim.kind === 'WALLET' ? 'ALREADY_HAS_WALLET' : 'APPLICATION_IN_PROGRESS',
            );
          const walletId = newWalletId();
          tx.insert(wallets)
            .values({
              id: walletId,
              applicationId: input.applicationId,
              personId,
              tier: input.tier,
              status: 'ACTIVE',
              balance: 0,
              paymentPasswordHash: input.paymentPasswordHash,
              ownerPhone:
                ownerKey && input.ownerPhone
                  ? sealOwnerPhone(ownerKey, walletId, input.ownerPhone)
                  : null,
              createdAt: now,
              updatedAt: now,
            })
            .run();
          tx.insert(personClaims)
            .values({
              personId,
              applicationId: input.applicationId,
              kind: 'WALLET',
              updatedAt: now,
            })
            .onConflictDoUpdate({
              target: personClaims.personId,
              set: { kind: 'WALLET', updatedAt: now },
            })
            .run();
          const eventKey = `wallet:${walletId}:created`;
          appendAudit(tx, {
            eventKey,
            at: now,
            actor: 'system',
            action: 'WALLET_CREATED',
            subjectType: 'wallet',
            subjectId: walletId,
            detail: { status: 'ACTIVE', tier: input.tier, applicationId: input.applicationId },
          });
          if (webhooks)
            queueStatusEvent(tx, {
              eventKey,
              kind: 'wallet',
              subjectId: walletId,
              status: 'ACTIVE',
              occurredAt: now,
            });
          return { walletId };
        },
        { behavior: 'immediate' },
      );
    },
  };
}
