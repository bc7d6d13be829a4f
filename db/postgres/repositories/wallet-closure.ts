// Closing a wallet (SPEC §3) on PostgreSQL, as db/sqlite/repositories/wallet-closure.ts. The
// closing transaction locks the wallet row (SELECT … FOR UPDATE) before it checks the balance,
// the lock every money movement of the ledger takes too: money arriving at the same moment
// either commits before the check, and is seen, or waits and then finds the wallet CLOSED.
import { and, eq, lte, sql } from 'drizzle-orm';
import type { ClosureOutcome } from '../../sqlite/repositories/wallet-closure';
import type { PgExecutor } from '../client';
import { applications, walletTransactions, wallets } from '../schema';
import { appendAudit } from './audit-log';
import { deleteOutboxFor } from './outbox';
import { erasePerson } from './person-erasure';
import { queueStatusEvent } from './status-events';
import { forgetOwnerPhone, resealOwnerPhoneForClosure, walletOwnerPhone } from './wallet-owner';

export type { ClosureOutcome };

/** The wallet's status, balance and pending movements, or undefined for an unknown wallet. */
export async function walletStatusAndBalance(db: PgExecutor, walletId: string) {
  const [row] = await db
    .select({
      status: wallets.status,
      balance: wallets.balance,
      // A top-up or withdrawal whose bank leg is under way (SPEC §3: it blocks closing).
      pending:
        sql<number>`(select count(*) from wallet_transactions t where t.wallet_id = "wallets"."id" and t.status = 'PENDING')`.mapWith(
          Number,
        ),
    })
    .from(wallets)
    .where(eq(wallets.id, walletId));
  return row;
}

/** One status change of a deregistration: its audit row and, with WEBHOOK_URL set, its event. */
export async function recordDeregistrationStatusChange(
  db: PgExecutor,
  input: { walletId: string; status: string; seq: number; at: string; reasons: string[] },
  { webhooks }: { webhooks: boolean },
): Promise<void> {
  const eventKey = `wallet:${input.walletId}:deregistration:${input.at}:${input.seq}`;
  const at = new Date(input.at);
  await db.transaction(async (tx) => {
    await appendAudit(tx, {
      eventKey,
      at,
      actor: 'system',
      action: 'DEREGISTRATION_STATUS_CHANGED',
      subjectType: 'wallet',
      subjectId: input.walletId,
      detail: { status: input.status, reasons: input.reasons },
    });
    if (webhooks)
      await queueStatusEvent(tx, {
        eventKey,
        kind: 'deregistration',
        subjectId: input.walletId,
        status: input.status,
        occurredAt: at,
      });
  });
}

/**
 * In one transaction, with the wallet row locked: the balance checked again (money may have
 * arrived since the owner was asked), the wallet CLOSED, the person erased (erasePerson), an
 * anonymous audit row and the wallet's CLOSED event. A wallet already CLOSED answers ok.
 */
export async function closeWalletAndErasePerson(
  db: PgExecutor,
  piiKey: Buffer,
  input: { walletId: string; applicationId: string },
  { webhooks }: { webhooks: boolean },
): Promise<ClosureOutcome> {
  return db.transaction(async (tx): Promise<ClosureOutcome> => {
    const [wallet] = await tx
      .select()
      .from(wallets)
      .where(eq(wallets.id, input.walletId))
      .for('update');
    if (!wallet) return { ok: false, code: 'INVALID_STATE' };
    if (wallet.status === 'CLOSED') return { ok: true };
    if (wallet.status === 'FROZEN') return { ok: false, code: 'WALLET_FROZEN' };
    if (wallet.balance !== 0) return { ok: false, code: 'BALANCE_NOT_ZERO' };
    const [pending] = await tx
      .select({ id: walletTransactions.id })
      .from(walletTransactions)
      .where(
        and(eq(walletTransactions.walletId, wallet.id), eq(walletTransactions.status, 'PENDING')),
      )
      .limit(1);
    if (pending) return { ok: false, code: 'PENDING_TRANSACTIONS' };
    const now = new Date();
    const personApplications = (
      await tx
        .select({ id: applications.id })
        .from(applications)
        .where(eq(applications.personId, wallet.personId))
    ).map((r) => r.id);
    const applicationIds = [...new Set([input.applicationId, ...personApplications])];
    // While the wallet is still open, so that the number is read under the person's key.
    const ownerPhone = await resealOwnerPhoneForClosure(tx, piiKey, wallet.id);
    await tx
      .update(wallets)
      .set({ status: 'CLOSED', balance: 0, paymentPasswordHash: '', updatedAt: now })
      .where(eq(wallets.id, wallet.id));
    await erasePerson(tx, piiKey, {
      personId: wallet.personId,
      applicationIds,
      walletId: wallet.id,
      ownerPhone,
      now,
    });
    await appendAudit(tx, {
      eventKey: `wallet:${wallet.id}:closed`,
      at: now,
      actor: 'owner',
      action: 'WALLET_CLOSED',
      subjectType: 'wallet',
      subjectId: wallet.id,
      detail: { tier: wallet.tier, openedAt: wallet.createdAt.toISOString() },
    });
    if (webhooks)
      await queueStatusEvent(tx, {
        eventKey: `wallet:${wallet.id}:closed`,
        kind: 'wallet',
        subjectId: wallet.id,
        status: 'CLOSED',
        occurredAt: now,
      });
    return { ok: true };
  });
}

/** Every application of a closed wallet's owner made up to the closure; null unless CLOSED. */
export async function closedWalletApplications(
  db: PgExecutor,
  walletId: string,
): Promise<string[] | null> {
  const [wallet] = await db.select().from(wallets).where(eq(wallets.id, walletId));
  if (!wallet || wallet.status !== 'CLOSED') return null;
  const rows = await db
    .select({ id: applications.id })
    .from(applications)
    .where(
      and(
        eq(applications.personId, wallet.personId),
        lte(applications.createdAt, wallet.updatedAt),
      ),
    );
  return [...new Set([wallet.applicationId, ...rows.map((r) => r.id)])];
}

/** After the closing notice: the sandbox outbox and the wallet row forget the owner's number. */
export async function forgetClosedOwnerPhone(
  db: PgExecutor,
  piiKey: Buffer,
  walletId: string,
): Promise<void> {
  await db.transaction(async (tx) => {
    // Locked, so that two relays of the notice read and forget the number one after the other.
    await tx.select({ id: wallets.id }).from(wallets).where(eq(wallets.id, walletId)).for('update');
    const phone = await walletOwnerPhone(tx, piiKey, walletId);
    if (phone) await deleteOutboxFor(tx, piiKey, phone);
    await forgetOwnerPhone(tx, walletId);
  });
}
