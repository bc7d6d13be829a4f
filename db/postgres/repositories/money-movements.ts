// Top-ups and withdrawals that move money at the bank (SPEC §2) on PostgreSQL: the same
// functions as db/sqlite/repositories/money-movements.ts, each one transaction holding the
// wallet's row lock (FOR UPDATE), so that a begin and a settle, or two begins, take turns.
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import { openJson } from '../../../crypto/pii';
import type { PgExecutor, PgTx } from '../client';
import { walletTransactions, wallets } from '../schema';
import {
  assertAmount,
  assertKey,
  LedgerError,
  replayOf,
  toTransaction,
  type MovementResult,
} from '../../shared/ledger-rules';
import {
  decideBegin,
  movementHash,
  movementType,
  settleDelta,
  type BankMovementRow,
  type BeginBankMovement,
  type SettleBankMovement,
} from '../../shared/money-movements';
import { bankCardContext } from '../../shared/owner-phone';
import { loadPersonKey } from './person-keys';

export type { BankMovementRow, BeginBankMovement, SettleBankMovement };

async function walletOf(tx: PgTx | PgExecutor, walletId: string, lock = false) {
  const query = tx.select().from(wallets).where(eq(wallets.id, walletId));
  const [row] = await (lock ? query.for('update') : query);
  if (!row) throw new LedgerError('NOT_FOUND', 'No such wallet.');
  return row;
}

/**
 * Records a movement PENDING (a withdrawal's amount reserved). A repeat of the key answers the
 * first row, `replayed`; null for a withdraw-all with nothing to withdraw.
 */
export async function beginBankMovement(
  db: PgExecutor,
  input: BeginBankMovement,
): Promise<MovementResult | null> {
  if (input.kind !== 'WITHDRAW_ALL') assertAmount(input.amount!);
  assertKey(input.idempotencyKey);
  const hash = movementHash(input.kind, input.amount);
  return db.transaction(async (tx) => {
    const wallet = await walletOf(tx, input.walletId, true);
    const [prior] = await tx
      .select()
      .from(walletTransactions)
      .where(
        and(
          eq(walletTransactions.walletId, input.walletId),
          eq(walletTransactions.idempotencyKey, input.idempotencyKey),
        ),
      );
    if (prior) {
      if (prior.requestHash !== hash)
        throw new LedgerError(
          'IDEMPOTENCY_KEY_REUSED',
          'This Idempotency-Key was already used for a different request.',
        );
      return { ...replayOf(prior), balance: wallet.balance };
    }
    if (wallet.status === 'CLOSED')
      throw new LedgerError('INVALID_STATE', 'The wallet is closed.', { walletStatus: 'CLOSED' });
    if (wallet.status === 'FROZEN')
      throw new LedgerError('WALLET_FROZEN', 'The wallet is frozen; money cannot move.', {
        walletStatus: 'FROZEN',
      });
    const [pending] = await tx
      .select({
        total: sql<number>`coalesce(sum(${walletTransactions.amount}), 0)`.mapWith(Number),
      })
      .from(walletTransactions)
      .where(
        and(
          eq(walletTransactions.walletId, input.walletId),
          eq(walletTransactions.type, 'TOP_UP'),
          eq(walletTransactions.status, 'PENDING'),
        ),
      );
    const decided = decideBegin(input, wallet, pending?.total ?? 0);
    if (!decided) return null;
    const at = new Date();
    if (decided.balanceAfter !== wallet.balance) {
      const updated = await tx
        .update(wallets)
        .set({ balance: decided.balanceAfter, updatedAt: at })
        .where(and(eq(wallets.id, wallet.id), eq(wallets.balance, wallet.balance)));
      if (updated.rowCount !== 1) throw new Error(`Ledger invariant broken for ${wallet.id}`);
    }
    const [row] = await tx
      .insert(walletTransactions)
      .values({
        id: input.transactionId,
        walletId: wallet.id,
        type: movementType(input.kind),
        status: 'PENDING',
        amount: decided.amount,
        balanceAfter: decided.balanceAfter,
        idempotencyKey: input.idempotencyKey,
        requestHash: hash,
        transferId: input.transactionId,
        createdAt: at,
      })
      .returning();
    return { transaction: toTransaction(row!), balance: decided.balanceAfter, replayed: false };
  });
}

/**
 * Ends a PENDING movement by the bank's answer: a top-up applied is credited, a withdrawal
 * refused is released. A movement already settled is answered as it is.
 */
export async function settleBankMovement(
  db: PgExecutor,
  input: SettleBankMovement,
): Promise<MovementResult> {
  return db.transaction(async (tx) => {
    const [first] = await tx
      .select()
      .from(walletTransactions)
      .where(eq(walletTransactions.id, input.transactionId));
    if (!first) throw new LedgerError('NOT_FOUND', 'No such transaction.');
    const wallet = await walletOf(tx, first.walletId, true);
    // Read again under the wallet's lock: another settle may have committed meanwhile.
    const [row] = await tx
      .select()
      .from(walletTransactions)
      .where(eq(walletTransactions.id, input.transactionId));
    if (!row) throw new LedgerError('NOT_FOUND', 'No such transaction.');
    if (row.status !== 'PENDING')
      return { transaction: toTransaction(row), balance: wallet.balance, replayed: true };
    const credit = settleDelta(row.type, input) * row.amount;
    const balance = wallet.balance + credit;
    const at = new Date();
    if (credit !== 0)
      await tx
        .update(wallets)
        .set({ balance, updatedAt: at })
        .where(and(eq(wallets.id, wallet.id), eq(wallets.balance, wallet.balance)));
    const [settled] = await tx
      .update(walletTransactions)
      .set({
        status: input.outcome.applied ? 'COMPLETED' : 'FAILED',
        failureCode: input.outcome.applied ? null : input.outcome.failureCode,
        balanceAfter: balance,
      })
      .where(and(eq(walletTransactions.id, row.id), eq(walletTransactions.status, 'PENDING')))
      .returning();
    if (!settled) throw new Error(`Ledger invariant broken for ${row.id}`);
    return { transaction: toTransaction(settled), balance, replayed: false };
  });
}

/** A movement by its transaction id with its wallet's balance now, or null. */
export async function bankMovement(
  db: PgExecutor,
  transactionId: string,
): Promise<(MovementResult & { walletId: string; requestHash: string }) | null> {
  const [row] = await db
    .select()
    .from(walletTransactions)
    .where(eq(walletTransactions.id, transactionId));
  if (!row) return null;
  const wallet = await walletOf(db, row.walletId);
  return {
    transaction: toTransaction(row),
    balance: wallet.balance,
    replayed: true,
    walletId: row.walletId,
    requestHash: row.requestHash,
  };
}

/** The wallet's bound card, or null (none on record, or the person erased). */
export async function walletBankCard(
  db: PgExecutor,
  piiKey: Buffer,
  walletId: string,
): Promise<string | null> {
  const wallet = await walletOf(db, walletId);
  if (!wallet.bankCard || wallet.status === 'CLOSED') return null;
  const key = await loadPersonKey(db, piiKey, wallet.personId);
  return key ? openJson<string>(key, wallet.bankCard, bankCardContext(walletId)) : null;
}

/** Movements with a bank leg, in order, after `afterSeq`: what the reconciliation walks. */
export async function bankMovementsPage(
  db: PgExecutor,
  page: { afterSeq?: number; limit?: number } = {},
): Promise<BankMovementRow[]> {
  return db
    .select({
      seq: walletTransactions.seq,
      transactionId: walletTransactions.id,
      walletId: walletTransactions.walletId,
      type: walletTransactions.type,
      status: walletTransactions.status,
      amount: walletTransactions.amount,
      failureCode: walletTransactions.failureCode,
    })
    .from(walletTransactions)
    .where(
      and(
        sql`${walletTransactions.transferId} is not null`,
        gt(walletTransactions.seq, page.afterSeq ?? 0),
      ),
    )
    .orderBy(asc(walletTransactions.seq))
    .limit(page.limit ?? 500);
}
