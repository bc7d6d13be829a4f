// Opening a wallet (SPEC §1 step 8): the wallet row (unique by application) and the person's claim
// turning into WALLET commit together; a retry, even after a commit whose answer was lost, finds
// the row and answers the same id. The wallet's first status (ACTIVE) is audited and, with
// WEBHOOK_URL set, queued as an event webhook in that same transaction.
import { eq } from 'drizzle-orm';
import { personKey } from './person-keys';
import type { Tier } from '../../../domain/tiers';
import type { AppDatabase } from '../client';
import { personClaims, wallets } from '../schema';
import { appendAudit } from './audit-log';
import { queueStatusEvent } from './status-events';
import { sealOwnerPhone } from './wallet-owner';
import { sealBankCard } from '../../shared/owner-phone';

export type CreatedWallet =
  { walletId: string } | { refused: 'ALREADY_HAS_WALLET' | 'APPLICATION_IN_PROGRESS' };

export function createWalletOnce(
  db: AppDatabase,
  piiKey: Buffer,
  input: {
    /** Used only when no wallet exists for the application yet. */
    walletId: string;
    applicationId: string;
    personId: string;
    tier: Tier;
    paymentPasswordHash: string;
    ownerPhone: string;
    /** The bound bank card, where top-ups come from and withdrawals go. */
    bankCard?: string;
    webhooks: boolean;
  },
): CreatedWallet {
  const ownerKey = personKey(db, piiKey, input.personId);
  const { personId } = input;
  const now = new Date();
  return db.transaction(
    (tx): CreatedWallet => {
      const existing = tx
        .select({ id: wallets.id })
        .from(wallets)
        .where(eq(wallets.applicationId, input.applicationId))
        .get();
      if (existing) return { walletId: existing.id };
      const claim = tx.select().from(personClaims).where(eq(personClaims.personId, personId)).get();
      if (claim && claim.applicationId !== input.applicationId)
        return {
          refused: claim.kind === 'WALLET' ? 'ALREADY_HAS_WALLET' : 'APPLICATION_IN_PROGRESS',
        };
      const { walletId } = input;
      tx.insert(wallets)
        .values({
          id: walletId,
          applicationId: input.applicationId,
          personId,
          tier: input.tier,
          status: 'ACTIVE',
          balance: 0,
          paymentPasswordHash: input.paymentPasswordHash,
          ownerPhone: sealOwnerPhone(ownerKey, walletId, input.ownerPhone),
          bankCard: input.bankCard ? sealBankCard(ownerKey, walletId, input.bankCard) : null,
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
      if (input.webhooks)
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
}
