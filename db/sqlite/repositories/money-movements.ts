// Top-ups and withdrawals that move money at the bank (SPEC §2): their wallet transactions,
// PENDING until the bank's answer settles them (rules in db/shared/money-movements.ts). Called by
// the money-movement workflow's activities; each function is one IMMEDIATE transaction, and
// each is idempotent (a retried begin finds its row by idempotency key, a retried settle finds
// the row settled).
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import { openJson } from '../../../crypto/pii';
import type { AppDatabase } from '../client';
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

type Tx = Parameters<Parameters<AppDatabase['transaction']>[0]>[0];

function walletOf(tx: Tx | AppDatabase, walletId: string) {
  const row = tx.select().from(wallets).where(eq(wallets.id, walletId)).get();
  if (!row) throw new LedgerError('NOT_FOUND', 'No such wallet.');
  return row;
}

/**
 * Records a movement PENDING (a withdrawal's amount reserved). A repeat of the key answers the
 * first row, `replayed`; null for a withdraw-all with nothing to withdraw.
 */
export function beginBankMovement(
  db: AppDatabase,
  input: BeginBankMovement,
): MovementResult | null {
  if (input.kind !== 'WITHDRAW_ALL') assertAmount(input.amount!);
  assertKey(input.idempotencyKey);
  const hash = movementHash(input.kind, input.amount);
  return db.transaction(
    (tx) => {
      const wallet = walletOf(tx, input.walletId);
      const prior = tx
        .select()
        .from(walletTransactions)
        .where(
          and(
            eq(walletTransactions.walletId, input.walletId),
            eq(walletTransactions.idempotencyKey, input.idempotencyKey),
          ),
        )
        .get();
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
      const pending = tx
        .select({ total: sql<number>`coalesce(sum(${walletTransactions.amount}), 0)` })
        .from(walletTransactions)
        .where(
          and(
            eq(walletTransactions.walletId, input.walletId),
            eq(walletTransactions.type, 'TOP_UP'),
            eq(walletTransactions.status, 'PENDING'),
          ),
        )
        .get();
      const decided = decideBegin(input, wallet, pending?.total ?? 0);
      if (!decided) return null;
      const at = new Date();
      if (decided.balanceAfter !== wallet.balance) {
        const updated = tx
          .update(wallets)
          .set({ balance: decided.balanceAfter, updatedAt: at })
          .where(and(eq(wallets.id, wallet.id), eq(wallets.balance, wallet.balance)))
          .run();
        if (updated.changes !== 1) throw new Error(`Ledger invariant broken for ${wallet.id}`);
      }
      const row = tx
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
        .returning()
        .get();
      return { transaction: toTransaction(row), balance: decided.balanceAfter, replayed: false };
    },
    { behavior: 'immediate' },
  );
}

/**
 * Ends a PENDING movement by the bank's answer: a top-up applied is credited, a withdrawal
 * refused is released. A movement already settled is answered as it is.
 */
export function settleBankMovement(db: AppDatabase, input: SettleBankMovement): MovementResult {
  return db.transaction(
    (tx) => {
      const row = tx
        .select()
        .from(walletTransactions)
        .where(eq(walletTransactions.id, input.transactionId))
        .get();
      if (!row) throw new LedgerError('NOT_FOUND', 'No such transaction.');
      const wallet = walletOf(tx, row.walletId);
      if (row.status !== 'PENDING')
        return { transaction: toTransaction(row), balance: wallet.balance, replayed: true };
      const credit = settleDelta(row.type, input) * row.amount;
      const balance = wallet.balance + credit;
      const at = new Date();
      if (credit !== 0)
        tx.update(wallets)
          .set({ balance, updatedAt: at })
          .where(and(eq(wallets.id, wallet.id), eq(wallets.balance, wallet.balance)))
          .run();
      const settled = tx
        .update(walletTransactions)
        .set({
          status: input.outcome.applied ? 'COMPLETED' : 'FAILED',
          failureCode: input.outcome.applied ? null : input.outcome.failureCode,
          balanceAfter: balance,
        })
        .where(and(eq(walletTransactions.id, row.id), eq(walletTransactions.status, 'PENDING')))
        .returning()
        .get();
      if (!settled) throw new Error(`Ledger invariant broken for ${row.id}`);
      return { transaction: toTransaction(settled), balance, replayed: false };
    },
    { behavior: 'immediate' },
  );
}

/** A movement by its transaction id with its wallet's balance now, or null. */
export function bankMovement(
  db: AppDatabase,
  transactionId: string,
): (MovementResult & { walletId: string; requestHash: string }) | null {
  const row = db
    .select()
    .from(walletTransactions)
    .where(eq(walletTransactions.id, transactionId))
    .get();
  if (!row) return null;
  const wallet = walletOf(db, row.walletId);
  return {
    transaction: toTransaction(row),
    balance: wallet.balance,
    replayed: true,
    walletId: row.walletId,
    requestHash: row.requestHash,
  };
}

/** The wallet's bound card, or null (none on record, or the person erased). */
export function walletBankCard(db: AppDatabase, piiKey: Buffer, walletId: string): string | null {
  const wallet = walletOf(db, walletId);
  if (!wallet.bankCard || wallet.status === 'CLOSED') return null;
  const key = loadPersonKey(db, piiKey, wallet.personId);
  return key ? openJson<string>(key, wallet.bankCard, bankCardContext(walletId)) : null;
}

/** Movements with a bank leg, in order, after `afterSeq`: what the reconciliation walks. */
export function bankMovementsPage(
  db: AppDatabase,
  page: { afterSeq?: number; limit?: number } = {},
): BankMovementRow[] {
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
    .limit(page.limit ?? 500)
    .all();
}
