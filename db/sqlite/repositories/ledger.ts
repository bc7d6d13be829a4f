// The wallet ledger (SPEC §2): balances and money movements in the app database. Plain
// synchronous database logic, so the API and Temporal activities share it.
//
// Every movement is one IMMEDIATE transaction: the write lock is taken before the balance is
// read, so two movements on one wallet (same process or not: WAL + busy_timeout make writers
// wait their turn) never both see the old balance. Refusals are decided inside that transaction
// too, and a refusal that freezes the wallet commits the freeze before it is thrown.
import { randomBytes, randomUUID } from 'node:crypto';
import {
  and,
  desc,
  eq,
  gt,
  gte,
  inArray,
  isNotNull,
  isNull,
  lt,
  ne,
  sql,
  type SQL,
} from 'drizzle-orm';
import type { AppDatabase } from '../client';
import {
  applicantLogins,
  paymentCodes,
  walletTransactions,
  wallets,
  type LedgerTransactionType,
  type WalletStatus,
} from '../schema';
import { TIER_LIMITS } from '../../../domain/tiers';
import { appendAudit } from './audit-log';
import { verifyAndRehash } from '../../../crypto/password-hash';
import { queueStatusEvent } from './status-events';
import { queueWalletNotice } from './wallet-notices';

import {
  PAYMENT_PASSWORD_MAX_FAILURES,
  PAYMENT_PASSWORD_LOCK_MS,
  PAYMENT_PASSWORD_QUEUE_MS,
  RISK_MAX_PAYMENTS,
  RISK_WINDOW_MS,
  RISK_MONITOR_ACTOR,
  PAID_TO_OTHERS,
  CREDIT_TYPES,
  PAYMENT_CODE_TTL_MS,
  LedgerError,
  requestHashOf,
  chinaDayStart,
  ledgerOutcome,
  assertAmount,
  assertKey,
  toTransaction,
  Refusal,
  UNDER_WAY,
  replayOf,
  recipientNotFound,
  codeInvalid,
  type LedgerErrorCode,
  type LedgerTransaction,
  type MovementResult,
  type WalletSummary,
  type TransactionPage,
  type LedgerOptions,
  type LedgerOutcome,
  type LedgerOperation,
  type TransferResult,
  type ChargeResult,
  type IssuedPaymentCode,
} from '../../shared/ledger-rules';
// Callers and the repository unit tests name these from here too.
export {
  PAYMENT_PASSWORD_MAX_FAILURES,
  PAYMENT_PASSWORD_LOCK_MS,
  PAYMENT_PASSWORD_QUEUE_MS,
  RISK_MAX_PAYMENTS,
  RISK_WINDOW_MS,
  RISK_MONITOR_ACTOR,
  LedgerError,
  requestHashOf,
  chinaDayStart,
  ledgerOutcome,
  type LedgerErrorCode,
  type LedgerTransaction,
  type MovementResult,
  type WalletSummary,
  type TransactionPage,
  type LedgerOptions,
  type LedgerOutcome,
  type LedgerOperation,
  type TransferResult,
  type ChargeResult,
  type IssuedPaymentCode,
};

type WalletRow = typeof wallets.$inferSelect;
/** A transaction of the app database, as `db.transaction` hands it to its callback. */
export type Tx = Parameters<Parameters<AppDatabase['transaction']>[0]>[0];

export function createLedger(db: AppDatabase, options: LedgerOptions = {}) {
  const now = options.now ?? (() => new Date());

  function walletRow(tx: Tx | AppDatabase, walletId: string): WalletRow {
    const row = tx.select().from(wallets).where(eq(wallets.id, walletId)).get();
    if (!row) throw new LedgerError('NOT_FOUND', 'No such wallet.');
    return row;
  }

  /** The first result for this key, or null; a different request under it is refused. */
  function priorResult(
    tx: Tx | AppDatabase,
    walletId: string,
    key: string,
    hash: string,
  ): MovementResult | null {
    const prior = tx
      .select()
      .from(walletTransactions)
      .where(
        and(eq(walletTransactions.walletId, walletId), eq(walletTransactions.idempotencyKey, key)),
      )
      .get();
    if (!prior) return null;
    if (prior.requestHash !== hash)
      throw new LedgerError(
        'IDEMPOTENCY_KEY_REUSED',
        'This Idempotency-Key was already used for a different request.',
      );
    return replayOf(prior);
  }

  function assertMovable(wallet: WalletRow): void {
    if (wallet.status === 'CLOSED')
      throw new LedgerError('INVALID_STATE', 'The wallet is closed.', { walletStatus: 'CLOSED' });
    if (wallet.status === 'FROZEN')
      throw new LedgerError('WALLET_FROZEN', 'The wallet is frozen; money cannot move.', {
        walletStatus: 'FROZEN',
      });
  }

  function audit(
    tx: Tx,
    walletId: string,
    actor: string,
    action: string,
    at: Date,
    detail: Record<string, unknown>,
  ): string {
    const eventKey = `wallet:${walletId}:${action}:${randomUUID()}`;
    appendAudit(tx, {
      eventKey,
      at,
      actor,
      action,
      subjectType: 'wallet',
      subjectId: walletId,
      detail,
    });
    return eventKey;
  }

  /** The wallet's new status as an event webhook, under its audit row's key. */
  function statusEvent(tx: Tx, eventKey: string, walletId: string, status: WalletStatus, at: Date) {
    if (options.webhookEvents)
      queueStatusEvent(tx, {
        eventKey,
        kind: 'wallet',
        subjectId: walletId,
        status,
        occurredAt: at,
      });
  }

  /** Sets FROZEN and audits it, inside the caller's transaction. */
  function freezeIn(tx: Tx, wallet: WalletRow, actor: string, reason: string, at: Date): void {
    tx.update(wallets)
      .set({ status: 'FROZEN', frozenReason: reason, frozenAt: at, updatedAt: at })
      .where(eq(wallets.id, wallet.id))
      .run();
    const key = audit(tx, wallet.id, actor, 'WALLET_FROZEN', at, { reason, from: wallet.status });
    statusEvent(tx, key, wallet.id, 'FROZEN', at);
    queueWalletNotice(tx, { key, walletId: wallet.id, kind: 'WALLET_FROZEN' }, at);
  }

  /** Records the movement and the new balance; the guard on the update is the last line. */
  function record(
    tx: Tx,
    wallet: WalletRow,
    type: LedgerTransactionType,
    amount: number,
    key: string,
    hash: string,
    at: Date,
    merchantId: string | null = null,
    extra: { counterpartyWalletId?: string; reference?: string } = {},
  ): MovementResult {
    const delta = CREDIT_TYPES.includes(type) ? amount : -amount;
    const balanceAfter = wallet.balance + delta;
    if (balanceAfter < 0) throw new Error(`Ledger invariant broken for wallet ${wallet.id}`);
    // Conditional on the balance read in this transaction: a lost write lock would show here.
    const updated = tx
      .update(wallets)
      .set({ balance: sql`${wallets.balance} + ${delta}`, updatedAt: at })
      .where(and(eq(wallets.id, wallet.id), eq(wallets.balance, wallet.balance)))
      .run();
    if (updated.changes !== 1) throw new Error(`Ledger invariant broken for wallet ${wallet.id}`);
    const row = tx
      .insert(walletTransactions)
      .values({
        id: `tx_${randomBytes(12).toString('hex')}`,
        walletId: wallet.id,
        type,
        status: 'COMPLETED',
        amount,
        balanceAfter,
        merchantId,
        idempotencyKey: key,
        requestHash: hash,
        createdAt: at,
        counterpartyWalletId: extra.counterpartyWalletId ?? null,
        reference: extra.reference ?? null,
      })
      .returning()
      .get();
    return { transaction: toTransaction(row), balance: balanceAfter, replayed: false };
  }

  /** Payments and transfers out made after `after` (exclusive) or from `from` (inclusive). */
  function paymentsSince(
    tx: Tx,
    walletId: string,
    bound: { after: Date } | { from: Date },
  ): { count: number; total: number } {
    const row = tx
      .select({
        count: sql<number>`count(*)`,
        total: sql<number>`coalesce(sum(${walletTransactions.amount}), 0)`,
      })
      .from(walletTransactions)
      .where(
        and(
          eq(walletTransactions.walletId, walletId),
          inArray(walletTransactions.type, PAID_TO_OTHERS),
          'after' in bound
            ? gt(walletTransactions.createdAt, bound.after)
            : gte(walletTransactions.createdAt, bound.from),
        ),
      )
      .get();
    return { count: row?.count ?? 0, total: row?.total ?? 0 };
  }

  /**
   * The rules of money paid to others (payments, transfers out, code charges; SPEC §2): risk
   * monitoring freezes the wallet, in the transaction that refuses, when the amount is over the
   * single-payment limit (refused LIMIT_EXCEEDED) or when it would be the 6th within 10 minutes
   * (refused WALLET_FROZEN); then the daily limit and the balance. Null when it may go.
   */
  function payingRefusal(tx: Tx, wallet: WalletRow, amount: number, at: Date): Refusal | null {
    const limits = TIER_LIMITS[wallet.tier];
    if (amount > limits.singlePayment) {
      freezeIn(tx, wallet, RISK_MONITOR_ACTOR, 'SINGLE_PAYMENT_LIMIT', at);
      return new Refusal(
        new LedgerError(
          'LIMIT_EXCEEDED',
          'The payment is over the single-payment limit; the wallet has been frozen.',
          { limit: 'singlePayment', singlePayment: limits.singlePayment, walletFrozen: true },
        ),
      );
    }
    const recent = paymentsSince(tx, wallet.id, {
      after: new Date(at.getTime() - RISK_WINDOW_MS),
    });
    if (recent.count >= RISK_MAX_PAYMENTS) {
      freezeIn(tx, wallet, RISK_MONITOR_ACTOR, 'PAYMENT_VELOCITY', at);
      return new Refusal(
        new LedgerError(
          'WALLET_FROZEN',
          'Too many payments in a short time; the wallet has been frozen.',
          { walletStatus: 'FROZEN', walletFrozen: true },
        ),
      );
    }
    const today = paymentsSince(tx, wallet.id, { from: chinaDayStart(at) });
    if (today.total + amount > limits.dailyPayments)
      throw new LedgerError('LIMIT_EXCEEDED', "The payment would pass today's payment limit.", {
        limit: 'dailyPayments',
        dailyPayments: limits.dailyPayments,
        available: Math.max(0, limits.dailyPayments - today.total),
      });
    if (wallet.balance < amount)
      throw new LedgerError('INSUFFICIENT_BALANCE', 'The balance is too low.', {
        balance: wallet.balance,
      });
    return null;
  }

  /**
   * The wallet a transfer to this phone credits: that of the most recently verified login of the
   * phone that has an open wallet (a number given up and verified by someone else since goes to
   * them), or null; the caller refuses it unless it is ACTIVE.
   */
  function recipientWallet(tx: Tx | AppDatabase, phoneIndex: string): WalletRow | null {
    const row = tx
      .select({ wallet: wallets })
      .from(applicantLogins)
      .innerJoin(wallets, eq(wallets.applicationId, applicantLogins.applicationId))
      .where(
        and(
          eq(applicantLogins.phoneIndex, phoneIndex),
          isNotNull(applicantLogins.phoneVerifiedAt),
          ne(wallets.status, 'CLOSED'),
        ),
      )
      .orderBy(desc(applicantLogins.phoneVerifiedAt))
      .get();
    return row && row.wallet.status === 'ACTIVE' ? row.wallet : null;
  }

  /** A transfer's first result under this key, with its payee; a different request is refused. */
  function priorTransfer(
    tx: Tx | AppDatabase,
    walletId: string,
    key: string,
    hash: string,
  ): TransferResult | null {
    const prior = priorResult(tx, walletId, key, hash);
    if (!prior) return null;
    const row = tx
      .select({ counterparty: walletTransactions.counterpartyWalletId })
      .from(walletTransactions)
      .where(eq(walletTransactions.id, prior.transaction.transactionId))
      .get();
    return { ...prior, toWalletId: row?.counterparty ?? '' };
  }

  /** The payment a used code paid, or null. */
  function chargeOf(tx: Tx, transactionId: string | null) {
    if (!transactionId) return null;
    return (
      tx.select().from(walletTransactions).where(eq(walletTransactions.id, transactionId)).get() ??
      null
    );
  }

  function payeeCapCheck(payee: WalletRow, amount: number): void {
    // Neither the payee's cap nor its room is told: the payer would learn the payee's balance.
    if (payee.balance + amount > TIER_LIMITS[payee.tier].balanceCap)
      throw new LedgerError(
        'LIMIT_EXCEEDED',
        "The transfer would pass the recipient's balance cap.",
        { limit: 'recipientBalanceCap' },
      );
  }

  function assertPaymentsUnlocked(wallet: WalletRow, at: Date): void {
    const lockedUntil = wallet.paymentPasswordLockedUntil;
    if (lockedUntil && lockedUntil > at)
      throw new LedgerError(
        'PAYMENT_PASSWORD_LOCKED',
        'Too many wrong payment passwords; payments are locked.',
        { lockedUntil: lockedUntil.toISOString(), attemptsLeft: 0 },
      );
  }

  /** A settled transaction as an event webhook (SPEC §6), ids and statuses only. */
  function transactionEvent(tx: Tx, walletId: string, result: MovementResult, at: Date): void {
    if (!options.webhookEvents) return;
    const { transactionId, type, status } = result.transaction;
    queueStatusEvent(tx, {
      eventKey: `transaction:${transactionId}`,
      kind: 'transaction',
      subjectId: transactionId,
      status,
      occurredAt: at,
      walletId,
      transactionType: type,
    });
  }

  /**
   * Runs `decide` in an IMMEDIATE transaction. A refusal it returns (rather than throws) is
   * committed with whatever it wrote, e.g. a risk freeze, and thrown after the commit.
   */
  async function movement<T extends MovementResult | null>(
    decide: (tx: Tx, at: Date) => T | Refusal,
  ): Promise<T> {
    // The clock is read once the write lock is held, so time follows the order of commits.
    const outcome = db.transaction((tx) => decide(tx, now()), { behavior: 'immediate' });
    if (outcome instanceof Refusal) throw outcome.error;
    return outcome;
  }

  /**
   * Checks the payment password: 5 wrong in a row lock payments and withdrawals for 24 h. Each
   * attempt is charged before the slow hash runs and refunded when right, so that guesses sent
   * in parallel are counted like guesses sent one by one.
   */
  async function verifyPaymentPassword(walletId: string, password: string): Promise<void> {
    const charged = await chargeAttempt(walletId);
    // The new hash, if any, is computed before the transaction, which cannot wait on it.
    const { ok: right, rehashed } =
      typeof password === 'string'
        ? await verifyAndRehash(password, charged)
        : { ok: false, rehashed: null };
    settleAttempt(walletId, charged, right, rehashed);
  }

  /**
   * Charges one attempt and answers the hash to check it against. While the allowed attempts
   * are all being checked, waits for them to settle rather than calling that a lock: the right
   * password sent several times at once (or a client's replays) must go through, and a wrong
   * one in those attempts still locks.
   */
  async function chargeAttempt(walletId: string): Promise<string> {
    const deadline = Date.now() + PAYMENT_PASSWORD_QUEUE_MS;
    for (;;) {
      const charged = tryCharge(walletId);
      if (charged !== UNDER_WAY) return charged;
      if (Date.now() >= deadline)
        throw new LedgerError(
          'PAYMENT_PASSWORD_BUSY',
          'Other payment password checks are under way on this wallet; try again shortly.',
          { retryAfterSeconds: 1 },
        );
      await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 20));
    }
  }

  function tryCharge(walletId: string): string | typeof UNDER_WAY {
    return db.transaction(
      (tx) => {
        const at = now();
        const wallet = walletRow(tx, walletId);
        if (wallet.status === 'CLOSED')
          throw new LedgerError('INVALID_STATE', 'The wallet is closed.');
        let failures = wallet.paymentPasswordFailures;
        const lockedUntil = wallet.paymentPasswordLockedUntil;
        if (lockedUntil && lockedUntil > at)
          throw new LedgerError(
            'PAYMENT_PASSWORD_LOCKED',
            'Too many wrong payment passwords; payments are locked.',
            { lockedUntil: lockedUntil.toISOString(), attemptsLeft: 0 },
          );
        // A lock that has run out starts the count afresh.
        if (lockedUntil) failures = 0;
        // Not a lock: these attempts are still being checked; one that is wrong will lock.
        if (failures >= PAYMENT_PASSWORD_MAX_FAILURES) return UNDER_WAY;
        tx.update(wallets)
          .set({ paymentPasswordFailures: failures + 1, paymentPasswordLockedUntil: null })
          .where(eq(wallets.id, walletId))
          .run();
        return wallet.paymentPasswordHash;
      },
      { behavior: 'immediate' },
    );
  }

  /** Refunds a right attempt (and stores its new hash), or counts a wrong one and maybe locks. */
  function settleAttempt(
    walletId: string,
    charged: string,
    right: boolean,
    rehashed: string | null,
  ): void {
    const refusal = db.transaction(
      (tx) => {
        const at = now();
        const wallet = walletRow(tx, walletId);
        if (right) {
          // The attempt was among the allowed ones; a lock set meanwhile by parallel wrong
          // guesses stays.
          if (!wallet.paymentPasswordLockedUntil)
            tx.update(wallets)
              .set({ paymentPasswordFailures: 0 })
              .where(eq(wallets.id, walletId))
              .run();
          // Only if the password was not changed meanwhile.
          if (rehashed && wallet.paymentPasswordHash === charged)
            tx.update(wallets)
              .set({ paymentPasswordHash: rehashed })
              .where(eq(wallets.id, walletId))
              .run();
          return null;
        }
        const failures = wallet.paymentPasswordFailures;
        if (failures >= PAYMENT_PASSWORD_MAX_FAILURES) {
          const lockedUntil =
            wallet.paymentPasswordLockedUntil ?? new Date(at.getTime() + PAYMENT_PASSWORD_LOCK_MS);
          if (!wallet.paymentPasswordLockedUntil) {
            tx.update(wallets)
              .set({ paymentPasswordLockedUntil: lockedUntil })
              .where(eq(wallets.id, walletId))
              .run();
            audit(tx, walletId, 'system', 'PAYMENT_PASSWORD_LOCKED', at, {
              lockedUntil: lockedUntil.toISOString(),
            });
          }
          return new LedgerError(
            'PAYMENT_PASSWORD_LOCKED',
            'Too many wrong payment passwords; payments are locked.',
            { lockedUntil: lockedUntil.toISOString(), attemptsLeft: 0 },
          );
        }
        return new LedgerError('PAYMENT_PASSWORD_INVALID', 'The payment password is wrong.', {
          attemptsLeft: PAYMENT_PASSWORD_MAX_FAILURES - failures,
        });
      },
      { behavior: 'immediate' },
    );
    if (refusal) throw refusal;
  }

  /**
   * The quick refusals of a password-protected movement, before the slow password check: a
   * replay answers at once, and a frozen or closed wallet says so whatever the password.
   */
  function precheck(walletId: string, key: string, hash: string): MovementResult | null {
    const wallet = walletRow(db, walletId);
    const prior = priorResult(db, walletId, key, hash);
    if (prior) return prior;
    assertMovable(wallet);
    return null;
  }
  /**
   * Before a movement that needs the payment password: a replay's stored result (its password
   * was checked the first time), else the password checked; null when the movement may go on.
   */
  async function replayOrCheckPassword(
    walletId: string,
    idempotencyKey: string,
    hash: string,
    paymentPassword: string | null,
  ): Promise<MovementResult | null> {
    if (paymentPassword === null) return null;
    const prior = precheck(walletId, idempotencyKey, hash);
    if (prior) return prior;
    await verifyPaymentPassword(walletId, paymentPassword);
    return null;
  }

  return {
    /** Top-up from the bound card. The balance cap may be reached exactly, not passed. */
    async topUp(walletId: string, amount: number, idempotencyKey: string): Promise<MovementResult> {
      assertAmount(amount);
      assertKey(idempotencyKey);
      const hash = requestHashOf('TOP_UP', { amount });
      return movement((tx, at) => {
        const wallet = walletRow(tx, walletId);
        const prior = priorResult(tx, walletId, idempotencyKey, hash);
        if (prior) return prior;
        assertMovable(wallet);
        const { balanceCap } = TIER_LIMITS[wallet.tier];
        if (wallet.balance + amount > balanceCap)
          throw new LedgerError('LIMIT_EXCEEDED', 'The top-up would pass the balance cap.', {
            limit: 'balanceCap',
            balanceCap,
            available: Math.max(0, balanceCap - wallet.balance),
          });
        return record(tx, wallet, 'TOP_UP', amount, idempotencyKey, hash, at);
      });
    },

    /**
     * Withdrawal to the bound card. `paymentPassword` null means the caller has confirmed the
     * owner's identity itself. Withdrawals are bounded by the balance only: the single-payment
     * and daily limits are about paying others, and money going back to the owner's own card is
     * what lets them clear a wallet (SPEC §3).
     */
    async withdraw(
      walletId: string,
      amount: number,
      idempotencyKey: string,
      paymentPassword: string | null,
    ): Promise<MovementResult> {
      assertAmount(amount);
      assertKey(idempotencyKey);
      const hash = requestHashOf('WITHDRAWAL', { amount });
      const replay = await replayOrCheckPassword(walletId, idempotencyKey, hash, paymentPassword);
      if (replay) return replay;
      return movement((tx, at) => {
        const wallet = walletRow(tx, walletId);
        const prior = priorResult(tx, walletId, idempotencyKey, hash);
        if (prior) return prior;
        assertMovable(wallet);
        if (wallet.balance < amount)
          throw new LedgerError('INSUFFICIENT_BALANCE', 'The balance is too low.', {
            balance: wallet.balance,
          });
        return record(tx, wallet, 'WITHDRAWAL', amount, idempotencyKey, hash, at);
      });
    },

    /**
     * Withdraws the whole balance to the bound card (deregistration, SPEC §3). The caller has
     * confirmed the owner's identity. A replay answers the first withdrawal. With nothing to
     * withdraw, answers `null` and records nothing, so the key stays free.
     */
    async withdrawAll(walletId: string, idempotencyKey: string): Promise<MovementResult | null> {
      assertKey(idempotencyKey);
      const hash = requestHashOf('WITHDRAW_ALL');
      return movement<MovementResult | null>((tx, at) => {
        const wallet = walletRow(tx, walletId);
        const prior = priorResult(tx, walletId, idempotencyKey, hash);
        if (prior) return prior;
        assertMovable(wallet);
        if (wallet.balance === 0) return null;
        return record(tx, wallet, 'WITHDRAWAL', wallet.balance, idempotencyKey, hash, at);
      });
    },

    /**
     * Payment to a merchant. Risk monitoring (SPEC §2) freezes the wallet, in the transaction
     * that refuses the payment, when the amount is over the single-payment limit (refused
     * LIMIT_EXCEEDED) or when it would be the 6th payment within 10 minutes (refused
     * WALLET_FROZEN: the payment itself broke no limit, the freeze is why it is refused).
     */
    async pay(
      walletId: string,
      amount: number,
      merchantId: string,
      idempotencyKey: string,
      paymentPassword: string | null,
      reference?: string,
    ): Promise<MovementResult> {
      assertAmount(amount);
      assertKey(idempotencyKey);
      const hash = requestHashOf('PAYMENT', { amount, merchantId, reference });
      const replay = await replayOrCheckPassword(walletId, idempotencyKey, hash, paymentPassword);
      if (replay) return replay;
      return movement((tx, at) => {
        const wallet = walletRow(tx, walletId);
        const prior = priorResult(tx, walletId, idempotencyKey, hash);
        if (prior) return prior;
        assertMovable(wallet);
        const refusal = payingRefusal(tx, wallet, amount, at);
        if (refusal) return refusal;
        return record(tx, wallet, 'PAYMENT', amount, idempotencyKey, hash, at, merchantId, {
          ...(reference !== undefined ? { reference } : {}),
        });
      });
    },

    verifyPaymentPassword,

    /** Ops (or risk monitoring) freeze; freezing a frozen wallet changes nothing. */
    async freeze(walletId: string, actor: string, reason: string): Promise<WalletSummary> {
      db.transaction(
        (tx) => {
          const wallet = walletRow(tx, walletId);
          if (wallet.status === 'CLOSED')
            throw new LedgerError('INVALID_STATE', 'The wallet is closed.');
          if (wallet.status !== 'FROZEN') freezeIn(tx, wallet, actor, reason, now());
        },
        { behavior: 'immediate' },
      );
      return summary(walletId);
    },

    /** Ops unfreeze; unfreezing an active wallet changes nothing. */
    async unfreeze(walletId: string, actor: string, reason?: string): Promise<WalletSummary> {
      db.transaction(
        (tx) => {
          const at = now();
          const wallet = walletRow(tx, walletId);
          if (wallet.status === 'CLOSED')
            throw new LedgerError('INVALID_STATE', 'The wallet is closed.');
          if (wallet.status === 'ACTIVE') return;
          tx.update(wallets)
            .set({ status: 'ACTIVE', frozenReason: null, frozenAt: null, updatedAt: at })
            .where(eq(wallets.id, walletId))
            .run();
          const key = audit(tx, walletId, actor, 'WALLET_UNFROZEN', at, {
            reason: reason ?? null,
            frozenReason: wallet.frozenReason,
            frozenAt: wallet.frozenAt?.toISOString() ?? null,
          });
          statusEvent(tx, key, walletId, 'ACTIVE', at);
          queueWalletNotice(tx, { key, walletId, kind: 'WALLET_UNFROZEN' }, at);
        },
        { behavior: 'immediate' },
      );
      return summary(walletId);
    },

    summary,

    /** The balance in fen; NOT_FOUND for an unknown wallet. */
    balanceOf(walletId: string): number {
      return walletRow(db, walletId).balance;
    },

    /** Movements not yet settled. Every movement here settles at once, so this is 0 today. */
    pendingCount(walletId: string): number {
      walletRow(db, walletId);
      const row = db
        .select({ count: sql<number>`count(*)` })
        .from(walletTransactions)
        .where(
          and(eq(walletTransactions.walletId, walletId), eq(walletTransactions.status, 'PENDING')),
        )
        .get();
      return row?.count ?? 0;
    },

    /** History, newest first. `cursor` is the `nextCursor` of the previous page. */
    transactions(
      walletId: string,
      page: { limit?: number; cursor?: string } = {},
    ): TransactionPage {
      walletRow(db, walletId);
      const limit = Math.min(Math.max(Math.trunc(page.limit ?? 50), 1), 100);
      const filters: SQL[] = [eq(walletTransactions.walletId, walletId)];
      if (page.cursor !== undefined) {
        const before = Number(page.cursor);
        if (!Number.isSafeInteger(before) || before <= 0)
          throw new LedgerError('INVALID_INPUT', 'The cursor is not valid.');
        filters.push(lt(walletTransactions.seq, before));
      }
      const rows = db
        .select()
        .from(walletTransactions)
        .where(and(...filters))
        .orderBy(desc(walletTransactions.seq))
        .limit(limit + 1)
        .all();
      const items = rows.slice(0, limit);
      const last = items[items.length - 1];
      return {
        items: items.map(toTransaction),
        ...(rows.length > limit && last ? { nextCursor: String(last.seq) } : {}),
      };
    },

    /**
     * A transfer (SPEC §2.1) to the active wallet whose owner verified the phone of
     * `toPhoneIndex` (its blind index): TRANSFER_OUT on the payer and TRANSFER_IN on the payee in
     * one transaction. The payer's payment rules apply (limits, risk monitoring, shared with
     * payments); the payee's balance cap may be reached, not passed. No such wallet, a frozen one,
     * or the payer's own: RECIPIENT_NOT_FOUND. The payee is notified through its notice queue.
     */
    async transfer(
      walletId: string,
      toPhoneIndex: string,
      amount: number,
      idempotencyKey: string,
      paymentPassword: string | null,
    ): Promise<TransferResult> {
      assertAmount(amount);
      assertKey(idempotencyKey);
      if (typeof toPhoneIndex !== 'string' || toPhoneIndex.length === 0)
        throw new LedgerError('INVALID_INPUT', 'A recipient is required.');
      const hash = requestHashOf('TRANSFER', { amount, recipient: toPhoneIndex });
      if (paymentPassword !== null) {
        const prior = priorTransfer(db, walletId, idempotencyKey, hash);
        if (prior) return prior;
        assertMovable(walletRow(db, walletId));
        await verifyPaymentPassword(walletId, paymentPassword);
      }
      return movement((tx, at) => {
        const wallet = walletRow(tx, walletId);
        const prior = priorTransfer(tx, walletId, idempotencyKey, hash);
        if (prior) return prior;
        assertMovable(wallet);
        const payee = recipientWallet(tx, toPhoneIndex);
        if (!payee || payee.id === wallet.id) throw recipientNotFound(payee !== null);
        const refusal = payingRefusal(tx, wallet, amount, at);
        if (refusal) return refusal;
        payeeCapCheck(payee, amount);
        const out = record(tx, wallet, 'TRANSFER_OUT', amount, idempotencyKey, hash, at, null, {
          counterpartyWalletId: payee.id,
        });
        const inKey = `in/${out.transaction.transactionId}`;
        const credit = record(tx, payee, 'TRANSFER_IN', amount, inKey, hash, at, null, {
          counterpartyWalletId: wallet.id,
        });
        transactionEvent(tx, wallet.id, out, at);
        transactionEvent(tx, payee.id, credit, at);
        queueWalletNotice(
          tx,
          {
            key: `transfer-in:${credit.transaction.transactionId}`,
            walletId: payee.id,
            kind: 'TRANSFER_RECEIVED',
            params: { amount: String(amount) },
          },
          at,
        );
        return { ...out, toWalletId: payee.id };
      });
    },

    /**
     * The active wallet (and its application, for the owner's name) that a transfer to this phone
     * would credit, or null: what GET /v1/wallets/recipients shows, masked.
     */
    recipientOf(toPhoneIndex: string): { walletId: string; applicationId: string } | null {
      const payee = recipientWallet(db, toPhoneIndex);
      return payee ? { walletId: payee.id, applicationId: payee.applicationId } : null;
    },

    /**
     * Issues a payment code (付款码, SPEC §2.1) for the wallet, stored by its digest only, good
     * for 60 s and once. Any older unused code of the wallet is set aside: one live code at a time.
     */
    async issuePaymentCode(walletId: string, codeDigest: string): Promise<IssuedPaymentCode> {
      if (typeof codeDigest !== 'string' || codeDigest.length === 0)
        throw new LedgerError('INVALID_INPUT', 'A code digest is required.');
      return db.transaction(
        (tx) => {
          const at = now();
          const wallet = walletRow(tx, walletId);
          assertMovable(wallet);
          assertPaymentsUnlocked(wallet, at);
          const expiresAt = new Date(at.getTime() + PAYMENT_CODE_TTL_MS);
          tx.update(paymentCodes)
            .set({ usedAt: at })
            .where(and(eq(paymentCodes.walletId, walletId), isNull(paymentCodes.usedAt)))
            .run();
          tx.insert(paymentCodes)
            .values({
              id: `pc_${randomBytes(12).toString('hex')}`,
              walletId,
              codeDigest,
              createdAt: at,
              expiresAt,
            })
            .run();
          return { expiresAt: expiresAt.toISOString() };
        },
        { behavior: 'immediate' },
      );
    },

    /**
     * A merchant charges a payment code: a PAYMENT of the code's wallet under the rules of
     * payments, the code used up in the same transaction. Unknown, used or set aside:
     * PAYMENT_CODE_INVALID; past its 60 s: PAYMENT_CODE_EXPIRED. The same merchant's retry under
     * the same Idempotency-Key answers the first charge. A refused charge leaves the code usable.
     */
    async chargePaymentCode(
      codeDigest: string,
      amount: number,
      merchantId: string,
      idempotencyKey: string,
      reference?: string,
    ): Promise<ChargeResult> {
      assertAmount(amount);
      assertKey(idempotencyKey);
      const chargeKey = `${merchantId}/${idempotencyKey}`;
      const hash = requestHashOf('CHARGE', { amount, merchantId, reference });
      return movement((tx, at) => {
        const code = tx
          .select()
          .from(paymentCodes)
          .where(eq(paymentCodes.codeDigest, codeDigest))
          .get();
        if (!code) throw codeInvalid();
        if (code.usedAt) {
          const prior = code.chargeKey === chargeKey ? chargeOf(tx, code.transactionId) : null;
          if (!prior) throw codeInvalid();
          if (prior.requestHash !== hash)
            throw new LedgerError(
              'IDEMPOTENCY_KEY_REUSED',
              'This Idempotency-Key was already used for a different request.',
            );
          return { ...replayOf(prior), walletId: code.walletId };
        }
        if (code.expiresAt <= at)
          throw new LedgerError('PAYMENT_CODE_EXPIRED', 'The payment code has expired.');
        const wallet = walletRow(tx, code.walletId);
        assertMovable(wallet);
        const refusal = payingRefusal(tx, wallet, amount, at);
        if (refusal) return refusal;
        const paid = record(
          tx,
          wallet,
          'PAYMENT',
          amount,
          `code/${code.id}`,
          hash,
          at,
          merchantId,
          {
            ...(reference !== undefined ? { reference } : {}),
          },
        );
        const used = tx
          .update(paymentCodes)
          .set({ usedAt: at, chargeKey, transactionId: paid.transaction.transactionId })
          .where(and(eq(paymentCodes.id, code.id), isNull(paymentCodes.usedAt)))
          .run();
        if (used.changes !== 1) throw new Error(`Payment code ${code.id} used twice`);
        transactionEvent(tx, wallet.id, paid, at);
        return { ...paid, walletId: wallet.id };
      });
    },
  };

  function summary(walletId: string): WalletSummary {
    const wallet = walletRow(db, walletId);
    return {
      walletId: wallet.id,
      applicationId: wallet.applicationId,
      personId: wallet.personId,
      status: wallet.status,
      tier: wallet.tier,
      balance: wallet.balance,
      limits: { ...TIER_LIMITS[wallet.tier] },
      frozenReason: wallet.frozenReason,
      createdAt: wallet.createdAt.toISOString(),
    };
  }
}

export type Ledger = ReturnType<typeof createLedger>;

/**
 * Erases the wallet's history (deregistration, SPEC §3 step 4, through erasePerson), inside the
 * caller's transaction when given one. The idempotency records go with it, which is fine: a closed
 * wallet moves no money.
 */
export function eraseWalletHistory(tx: Tx | AppDatabase, walletId: string): number {
  tx.delete(paymentCodes).where(eq(paymentCodes.walletId, walletId)).run();
  return tx.delete(walletTransactions).where(eq(walletTransactions.walletId, walletId)).run()
    .changes;
}
