// Closing a wallet (SPEC §3): the deregistration's status record, the closing transaction that
// erases the person, and what is left to erase after it (Temporal histories, the sandbox outbox).
import { and, eq, lte, sql } from 'drizzle-orm';
import type { ReasonCode } from '../../../domain/codes';
import type { AppDatabase } from '../client';
import { applications, walletTransactions, wallets } from '../schema';
import { appendAudit } from './audit-log';
import { deleteOutboxFor } from './outbox';
import { erasePerson } from './person-erasure';
import { queueStatusEvent } from './status-events';
import { forgetOwnerPhone, resealOwnerPhoneForClosure, walletOwnerPhone } from './wallet-owner';

/** The wallet's status, balance and pending movements, or undefined for an unknown wallet. */
export function walletStatusAndBalance(db: AppDatabase, walletId: string) {
  return db
    .select({
      status: wallets.status,
      balance: wallets.balance,
      // A top-up or withdrawal whose bank leg is under way (SPEC §3: it blocks closing).
      pending: sql<number>`(select count(*) from wallet_transactions t where t.wallet_id = "wallets"."id" and t.status = 'PENDING')`,
    })
    .from(wallets)
    .where(eq(wallets.id, walletId))
    .get();
}

/** One status change of a deregistration: its audit row and, with WEBHOOK_URL set, its event. */
export function recordDeregistrationStatusChange(
  db: AppDatabase,
  input: { walletId: string; status: string; seq: number; at: string; reasons: string[] },
  { webhooks }: { webhooks: boolean },
): void {
  const eventKey = `wallet:${input.walletId}:deregistration:${input.at}:${input.seq}`;
  const at = new Date(input.at);
  db.transaction((tx) => {
    appendAudit(tx, {
      eventKey,
      at,
      actor: 'system',
      action: 'DEREGISTRATION_STATUS_CHANGED',
      subjectType: 'wallet',
      subjectId: input.walletId,
      detail: { status: input.status, reasons: input.reasons },
    });
    if (webhooks)
      queueStatusEvent(tx, {
        eventKey,
        kind: 'deregistration',
        subjectId: input.walletId,
        status: input.status,
        occurredAt: at,
      });
  });
}

export type ClosureOutcome = { ok: true } | { ok: false; code: ReasonCode };

/**
 * In one transaction: the balance checked again (money may have arrived since the owner was
 * asked), the wallet CLOSED, the person erased (erasePerson), an anonymous audit row and the
 * wallet's CLOSED event. A wallet already CLOSED answers ok (a retry after a lost answer).
 */
export function closeWalletAndErasePerson(
  db: AppDatabase,
  piiKey: Buffer,
  input: { walletId: string; applicationId: string },
  { webhooks }: { webhooks: boolean },
): ClosureOutcome {
  return db.transaction((tx): ClosureOutcome => {
    const wallet = tx.select().from(wallets).where(eq(wallets.id, input.walletId)).get();
    if (!wallet) return { ok: false, code: 'INVALID_STATE' };
    if (wallet.status === 'CLOSED') return { ok: true };
    if (wallet.status === 'FROZEN') return { ok: false, code: 'WALLET_FROZEN' };
    if (wallet.balance !== 0) return { ok: false, code: 'BALANCE_NOT_ZERO' };
    const pending = tx
      .select({ id: walletTransactions.id })
      .from(walletTransactions)
      .where(
        and(eq(walletTransactions.walletId, wallet.id), eq(walletTransactions.status, 'PENDING')),
      )
      .get();
    if (pending) return { ok: false, code: 'PENDING_TRANSACTIONS' };
    const now = new Date();
    const personApplications = tx
      .select({ id: applications.id })
      .from(applications)
      .where(eq(applications.personId, wallet.personId))
      .all()
      .map((r) => r.id);
    const applicationIds = [...new Set([input.applicationId, ...personApplications])];
    // While the wallet is still open, so that the number is read under the person's key.
    const ownerPhone = resealOwnerPhoneForClosure(tx, piiKey, wallet.id);
    tx.update(wallets)
      .set({ status: 'CLOSED', balance: 0, paymentPasswordHash: '', updatedAt: now })
      .where(eq(wallets.id, wallet.id))
      .run();
    erasePerson(tx, piiKey, {
      personId: wallet.personId,
      applicationIds,
      walletId: wallet.id,
      ownerPhone,
      now,
    });
    appendAudit(tx, {
      eventKey: `wallet:${wallet.id}:closed`,
      at: now,
      actor: 'owner',
      action: 'WALLET_CLOSED',
      subjectType: 'wallet',
      subjectId: wallet.id,
      detail: { tier: wallet.tier, openedAt: wallet.createdAt.toISOString() },
    });
    if (webhooks)
      queueStatusEvent(tx, {
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
export function closedWalletApplications(db: AppDatabase, walletId: string): string[] | null {
  const wallet = db.select().from(wallets).where(eq(wallets.id, walletId)).get();
  if (!wallet || wallet.status !== 'CLOSED') return null;
  return [
    ...new Set([
      wallet.applicationId,
      ...db
        .select({ id: applications.id })
        .from(applications)
        .where(
          and(
            eq(applications.personId, wallet.personId),
            lte(applications.createdAt, wallet.updatedAt),
          ),
        )
        .all()
        .map((r) => r.id),
    ]),
  ];
}

/** After the closing notice: the sandbox outbox and the wallet row forget the owner's number. */
export function forgetClosedOwnerPhone(db: AppDatabase, piiKey: Buffer, walletId: string): void {
  db.transaction((tx) => {
    const phone = walletOwnerPhone(tx, piiKey, walletId);
    if (phone) deleteOutboxFor(tx, piiKey, phone);
    forgetOwnerPhone(tx, walletId);
  });
}
