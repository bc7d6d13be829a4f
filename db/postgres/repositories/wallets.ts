// Opening a wallet (SPEC §1 step 8) on PostgreSQL: the wallet row (unique by application) and the
// person's claim turning into WALLET commit together, under the person's lock; a retry, even
// after a commit whose answer was lost, finds the row and answers the same id. The wallet's first
// status is audited and, with WEBHOOK_URL set, queued as an event webhook in that transaction.
import { eq } from 'drizzle-orm';
import type { Tier } from '../../../domain/tiers';
import type { CreatedWallet } from '../../sqlite/repositories/wallets';
import { sealOwnerPhone, sealBankCard } from '../../shared/owner-phone';
import type { PgExecutor } from '../client';
import { personClaims, wallets } from '../schema';
import { appendAudit } from './audit-log';
import { lockPerson } from './person-lock';
import { personKey } from './person-keys';
import { queueStatusEvent } from './status-events';

export type { CreatedWallet };

export async function createWalletOnce(
  db: PgExecutor,
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
): Promise<CreatedWallet> {
  const ownerKey = await personKey(db, piiKey, input.personId);
  const { personId } = input;
  const now = new Date();
  return db.transaction(async (tx): Promise<CreatedWallet> => {
    await lockPerson(tx, personId);
    const [existing] = await tx
      .select({ id: wallets.id })
      .from(wallets)
      .where(eq(wallets.applicationId, input.applicationId));
    if (existing) return { walletId: existing.id };
    const [claim] = await tx.select().from(personClaims).where(eq(personClaims.personId, personId));
    if (claim && claim.applicationId !== input.applicationId)
      return {
        refused: claim.kind === 'WALLET' ? 'ALREADY_HAS_WALLET' : 'APPLICATION_IN_PROGRESS',
      };
    const { walletId } = input;
    await tx.insert(wallets).values({
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
    });
    await tx
      .insert(personClaims)
      .values({ personId, applicationId: input.applicationId, kind: 'WALLET', updatedAt: now })
      .onConflictDoUpdate({
        target: personClaims.personId,
        set: { kind: 'WALLET', updatedAt: now },
      });
    const eventKey = `wallet:${walletId}:created`;
    await appendAudit(tx, {
      eventKey,
      at: now,
      actor: 'system',
      action: 'WALLET_CREATED',
      subjectType: 'wallet',
      subjectId: walletId,
      detail: { status: 'ACTIVE', tier: input.tier, applicationId: input.applicationId },
    });
    if (input.webhooks)
      await queueStatusEvent(tx, {
        eventKey,
        kind: 'wallet',
        subjectId: walletId,
        status: 'ACTIVE',
        occurredAt: now,
      });
    return { walletId };
  });
}
