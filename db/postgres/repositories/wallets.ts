// Opening a wallet (SPEC §1 step 8) on PostgreSQL: the wallet row (unique by application) and the
// person's claim turning into WALLET commit together, under the person's lock; a retry, even
// after a commit whose answer was lost, finds the row and answers the same id. The wallet's first
// status is audited and, with WEBHOOK_URL set, queued as an event webhook in that transaction.
import { randomBytes } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import type { Tier } from '../../../domain/tiers';
import { sealJson } from '../../../crypto/pii';
import { unwrapPersonKey } from '../../shared/person-key-cache';
import type { CreatedWallet } from '../../sqlite/repositories/wallets';
import { sealOwnerPhone } from '../../sqlite/repositories/wallet-owner';
import type { PgExecutor } from '../client';
import { personClaims, personKeys, wallets } from '../schema';
import { appendAudit } from './audit-log';
import { lockPerson } from './person-lock';
import { queueStatusEvent } from './status-events';

export type { CreatedWallet };

/**
 * The person's data key, made on first use: the statements of personKey
 * (db/sqlite/repositories/person-keys.ts), kept here until the PostgreSQL person-keys repository
 * is there to import.
 */
async function ownerKeyOf(db: PgExecutor, piiKey: Buffer, personId: string): Promise<Buffer> {
  const context = `person-key:${personId}`;
  const fresh = () => sealJson(piiKey, randomBytes(32).toString('base64'), context);
  await db
    .insert(personKeys)
    .values({ personId, wrappedKey: fresh(), createdAt: new Date() })
    .onConflictDoNothing();
  await db
    .update(personKeys)
    .set({ wrappedKey: fresh(), createdAt: new Date(), deletedAt: null })
    .where(and(eq(personKeys.personId, personId), isNull(personKeys.wrappedKey)));
  const [row] = await db
    .select({ wrappedKey: personKeys.wrappedKey })
    .from(personKeys)
    .where(eq(personKeys.personId, personId));
  if (!row?.wrappedKey) throw new Error('person key vanished while being created');
  return unwrapPersonKey(piiKey, personId, row.wrappedKey);
}

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
    webhooks: boolean;
  },
): Promise<CreatedWallet> {
  const ownerKey = await ownerKeyOf(db, piiKey, input.personId);
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
