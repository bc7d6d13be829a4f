// The wallet ledger (SPEC §2) on PostgreSQL; the rules are those of
// db/sqlite/repositories/ledger.ts, the locking is PostgreSQL's.
//
// Every movement is one transaction that first locks the wallet row (SELECT … FOR UPDATE), so two
// movements on one wallet, from any process, never both see the old balance; the clock is read
// once the lock is held, so time follows the order of commits. Refusals are decided inside that
// transaction, and a refusal that freezes the wallet commits the freeze before it is thrown.
// The payment password is checked outside any transaction: no row lock is held across the slow
// hash.
import { randomBytes, randomUUID } from 'node:crypto';
import {
  and,
  count,
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
  sum,
  type SQL,
} from 'drizzle-orm';
import { verifyAndRehash } from '../../../crypto/password-hash';
import { TIER_LIMITS } from '../../../domain/tiers';
import {
  chinaDayStart,
  LedgerError,
  PAYMENT_PASSWORD_LOCK_MS,
  PAYMENT_PASSWORD_MAX_FAILURES,
  PAYMENT_PASSWORD_QUEUE_MS,
  requestHashOf,
  RISK_MAX_PAYMENTS,
  RISK_MONITOR_ACTOR,
  RISK_WINDOW_MS,
  CREDIT_TYPES,
  PAID_TO_OTHERS,
  PAYMENT_CODE_TTL_MS,
  recipientNotFound,
  codeInvalid,
  type ChargeResult,
  type IssuedPaymentCode,
  type TransferResult,
  type LedgerOptions,
  type MovementResult,
  type TransactionPage,
  type WalletSummary,
  assertAmount,
  assertKey,
  toTransaction,
  Refusal,
  UNDER_WAY,
  replayOf,
} from '../../shared/ledger-rules';
import type { Ledger } from '../../store';
import type { PgExecutor, PgTx } from '../client';
import {
  applicantLogins,
  paymentCodes,
  walletTransactions,
  wallets,
  type LedgerTransactionType,
  type WalletStatus,
} from '../schema';
import { appendAudit } from './audit-log';
import { queueStatusEvent } from './status-events';
import { queueWalletNotice } from './wallet-notices';

type WalletRow = typeof wallets.$inferSelect;

async function walletRow(
  db: PgExecutor,
  walletId: string,
  lock: 'lock' | 'read' = 'read',
): Promise<WalletRow> {
  const query = db.select().from(wallets).where(eq(wallets.id, walletId));
  const [row] = await (lock === 'lock' ? query.for('update') : query);
  if (!row) throw new LedgerError('NOT_FOUND', 'No such wallet.');
  return row;
}

export function createLedger(db: PgExecutor, options: LedgerOptions = {}): Ledger {
  const now = options.now ?? (() => new Date());

  /** The first result for this key, or null; a different request under it is refused. */
  async function priorResult(
    tx: PgExecutor,
    walletId: string,
    key: string,
    hash: string,
  ): Promise<MovementResult | null> {
    const [prior] = await tx
      .select()
      .from(walletTransactions)
      .where(
        and(eq(walletTransactions.walletId, walletId), eq(walletTransactions.idempotencyKey, key)),
      );
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

  async function audit(
    tx: PgTx,
    walletId: string,
    actor: string,
    action: string,
    at: Date,
    detail: Record<string, unknown>,
  ): Promise<string> {
    const eventKey = `wallet:${walletId}:${action}:${randomUUID()}`;
    await appendAudit(tx, {
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
  async function statusEvent(
    tx: PgTx,
    eventKey: string,
    walletId: string,
    status: WalletStatus,
    at: Date,
  ) {
    if (options.webhookEvents)
      await queueStatusEvent(tx, {
        eventKey,
        kind: 'wallet',
        subjectId: walletId,
        status,
        occurredAt: at,
      });
  }

  /** Sets FROZEN and audits it, inside the caller's transaction. */
  async function freezeIn(
    tx: PgTx,
    wallet: WalletRow,
    actor: string,
    reason: string,
    at: Date,
  ): Promise<void> {
    await tx
      .update(wallets)
      .set({ status: 'FROZEN', frozenReason: reason, frozenAt: at, updatedAt: at })
      .where(eq(wallets.id, wallet.id));
    const key = await audit(tx, wallet.id, actor, 'WALLET_FROZEN', at, {
      reason,
      from: wallet.status,
    });
    await statusEvent(tx, key, wallet.id, 'FROZEN', at);
    await queueWalletNotice(tx, { key, walletId: wallet.id, kind: 'WALLET_FROZEN' }, at);
  }

  /** Records the movement and the new balance; the guard on the update is the last line. */
  async function record(
    tx: PgTx,
    wallet: WalletRow,
    type: LedgerTransactionType,
    amount: number,
    key: string,
    hash: string,
    at: Date,
    merchantId: string | null = null,
    extra: { counterpartyWalletId?: string; reference?: string } = {},
  ): Promise<MovementResult> {
    const delta = CREDIT_TYPES.includes(type) ? amount : -amount;
    const balanceAfter = wallet.balance + delta;
    if (balanceAfter < 0) throw new Error(`Ledger invariant broken for wallet ${wallet.id}`);
    // Conditional on the balance read under the lock: a lost lock would show here.
    const updated = await tx
      .update(wallets)
      .set({ balance: sql`${wallets.balance} + ${delta}`, updatedAt: at })
      .where(and(eq(wallets.id, wallet.id), eq(wallets.balance, wallet.balance)));
    if (updated.rowCount !== 1) throw new Error(`Ledger invariant broken for wallet ${wallet.id}`);
    const [row] = await tx
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
      .returning();
    return { transaction: toTransaction(row!), balance: balanceAfter, replayed: false };
  }

  /** Payments and transfers out made after `after` (exclusive) or from `from` (inclusive). */
  async function paymentsSince(
    tx: PgTx,
    walletId: string,
    bound: { after: Date } | { from: Date },
  ): Promise<{ count: number; total: number }> {
    const [row] = await tx
      .select({
        count: count(),
        total: sql<number>`coalesce(${sum(walletTransactions.amount)}, 0)`.mapWith(Number),
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
      );
    return { count: row?.count ?? 0, total: row?.total ?? 0 };
  }

  /** The rules of money paid to others, as on SQLite (payingRefusal there). */
  async function payingRefusal(
    tx: PgTx,
    wallet: WalletRow,
    amount: number,
    at: Date,
  ): Promise<Refusal | null> {
    const limits = TIER_LIMITS[wallet.tier];
    if (amount > limits.singlePayment) {
      await freezeIn(tx, wallet, RISK_MONITOR_ACTOR, 'SINGLE_PAYMENT_LIMIT', at);
      return new Refusal(
        new LedgerError(
          'LIMIT_EXCEEDED',
          'The payment is over the single-payment limit; the wallet has been frozen.',
          { limit: 'singlePayment', singlePayment: limits.singlePayment, walletFrozen: true },
        ),
      );
    }
    const recent = await paymentsSince(tx, wallet.id, {
      after: new Date(at.getTime() - RISK_WINDOW_MS),
    });
    if (recent.count >= RISK_MAX_PAYMENTS) {
      await freezeIn(tx, wallet, RISK_MONITOR_ACTOR, 'PAYMENT_VELOCITY', at);
      return new Refusal(
        new LedgerError(
          'WALLET_FROZEN',
          'Too many payments in a short time; the wallet has been frozen.',
          { walletStatus: 'FROZEN', walletFrozen: true },
        ),
      );
    }
    const today = await paymentsSince(tx, wallet.id, { from: chinaDayStart(at) });
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

  /** The wallet a transfer to this phone credits, as on SQLite (recipientWallet there). */
  async function recipientWallet(tx: PgExecutor, phoneIndex: string): Promise<WalletRow | null> {
    const [row] = await tx
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
      .limit(1);
    return row && row.wallet.status === 'ACTIVE' ? row.wallet : null;
  }

  async function priorTransfer(
    tx: PgExecutor,
    walletId: string,
    key: string,
    hash: string,
  ): Promise<TransferResult | null> {
    const prior = await priorResult(tx, walletId, key, hash);
    if (!prior) return null;
    const [row] = await tx
      .select({ counterparty: walletTransactions.counterpartyWalletId })
      .from(walletTransactions)
      .where(eq(walletTransactions.id, prior.transaction.transactionId));
    return { ...prior, toWalletId: row?.counterparty ?? '' };
  }

  async function chargeOf(tx: PgExecutor, transactionId: string | null) {
    if (!transactionId) return null;
    const [row] = await tx
      .select()
      .from(walletTransactions)
      .where(eq(walletTransactions.id, transactionId));
    return row ?? null;
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

  async function transactionEvent(
    tx: PgTx,
    walletId: string,
    result: MovementResult,
    at: Date,
  ): Promise<void> {
    if (!options.webhookEvents) return;
    const { transactionId, type, status } = result.transaction;
    await queueStatusEvent(tx, {
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
   * Locks both wallets of a transfer in the order of their ids, whoever pays whom, so that two
   * wallets paying each other at once wait for each other instead of deadlocking.
   */
  async function lockPair(tx: PgTx, a: string, b: string): Promise<Map<string, WalletRow>> {
    const locked = new Map<string, WalletRow>();
    for (const id of [a, b].sort()) locked.set(id, await walletRow(tx, id, 'lock'));
    return locked;
  }

  /**
   * Runs `decide` in a transaction holding the wallet's row lock. A refusal it returns (rather
   * than throws) is committed with whatever it wrote, e.g. a risk freeze, and thrown after.
   */
  async function movement<T extends MovementResult | null>(
    walletId: string,
    decide: (tx: PgTx, wallet: WalletRow, at: Date) => Promise<T | Refusal>,
  ): Promise<T> {
    const outcome = await db.transaction(async (tx) => {
      const wallet = await walletRow(tx, walletId, 'lock');
      return decide(tx, wallet, now());
    });
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
    const { ok: right, rehashed } =
      typeof password === 'string'
        ? await verifyAndRehash(password, charged)
        : { ok: false, rehashed: null };
    await settleAttempt(walletId, charged, right, rehashed);
  }

  /**
   * Charges one attempt and answers the hash to check it against. While the allowed attempts
   * are all being checked, waits for them to settle rather than calling that a lock.
   */
  async function chargeAttempt(walletId: string): Promise<string> {
    const deadline = Date.now() + PAYMENT_PASSWORD_QUEUE_MS;
    for (;;) {
      const charged = await tryCharge(walletId);
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

  async function tryCharge(walletId: string): Promise<string | typeof UNDER_WAY> {
    return db.transaction(async (tx) => {
      const wallet = await walletRow(tx, walletId, 'lock');
      const at = now();
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
      await tx
        .update(wallets)
        .set({ paymentPasswordFailures: failures + 1, paymentPasswordLockedUntil: null })
        .where(eq(wallets.id, walletId));
      return wallet.paymentPasswordHash;
    });
  }

  /** Refunds a right attempt (and stores its new hash), or counts a wrong one and maybe locks. */
  async function settleAttempt(
    walletId: string,
    charged: string,
    right: boolean,
    rehashed: string | null,
  ): Promise<void> {
    const refusal = await db.transaction(async (tx) => {
      const wallet = await walletRow(tx, walletId, 'lock');
      const at = now();
      if (right) {
        // The attempt was among the allowed ones; a lock set meanwhile by parallel wrong
        // guesses stays.
        if (!wallet.paymentPasswordLockedUntil)
          await tx
            .update(wallets)
            .set({ paymentPasswordFailures: 0 })
            .where(eq(wallets.id, walletId));
        // Only if the password was not changed meanwhile.
        if (rehashed && wallet.paymentPasswordHash === charged)
          await tx
            .update(wallets)
            .set({ paymentPasswordHash: rehashed })
            .where(eq(wallets.id, walletId));
        return null;
      }
      const failures = wallet.paymentPasswordFailures;
      if (failures >= PAYMENT_PASSWORD_MAX_FAILURES) {
        const lockedUntil =
          wallet.paymentPasswordLockedUntil ?? new Date(at.getTime() + PAYMENT_PASSWORD_LOCK_MS);
        if (!wallet.paymentPasswordLockedUntil) {
          await tx
            .update(wallets)
            .set({ paymentPasswordLockedUntil: lockedUntil })
            .where(eq(wallets.id, walletId));
          await audit(tx, walletId, 'system', 'PAYMENT_PASSWORD_LOCKED', at, {
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
    });
    if (refusal) throw refusal;
  }

  /**
   * Before a movement that needs the payment password: a replay's stored result (its password
   * was checked the first time), else the password checked; null when the movement may go on.
   * A frozen or closed wallet says so whatever the password.
   */
  async function replayOrCheckPassword(
    walletId: string,
    idempotencyKey: string,
    hash: string,
    paymentPassword: string | null,
  ): Promise<MovementResult | null> {
    if (paymentPassword === null) return null;
    const wallet = await walletRow(db, walletId);
    const prior = await priorResult(db, walletId, idempotencyKey, hash);
    if (prior) return prior;
    assertMovable(wallet);
    await verifyPaymentPassword(walletId, paymentPassword);
    return null;
  }

  async function summary(walletId: string): Promise<WalletSummary> {
    const wallet = await walletRow(db, walletId);
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

  return {
    /** Top-up from the bound card. The balance cap may be reached exactly, not passed. */
    async topUp(walletId: string, amount: number, idempotencyKey: string) {
      assertAmount(amount);
      assertKey(idempotencyKey);
      const hash = requestHashOf('TOP_UP', { amount });
      return movement(walletId, async (tx, wallet, at) => {
        const prior = await priorResult(tx, walletId, idempotencyKey, hash);
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

    /** Withdrawal to the bound card, bounded by the balance only (SPEC §3). */
    async withdraw(
      walletId: string,
      amount: number,
      idempotencyKey: string,
      paymentPassword: string | null,
    ) {
      assertAmount(amount);
      assertKey(idempotencyKey);
      const hash = requestHashOf('WITHDRAWAL', { amount });
      const replay = await replayOrCheckPassword(walletId, idempotencyKey, hash, paymentPassword);
      if (replay) return replay;
      return movement(walletId, async (tx, wallet, at) => {
        const prior = await priorResult(tx, walletId, idempotencyKey, hash);
        if (prior) return prior;
        assertMovable(wallet);
        if (wallet.balance < amount)
          throw new LedgerError('INSUFFICIENT_BALANCE', 'The balance is too low.', {
            balance: wallet.balance,
          });
        return record(tx, wallet, 'WITHDRAWAL', amount, idempotencyKey, hash, at);
      });
    },

    /** Withdraws the whole balance (deregistration, SPEC §3); null with nothing to withdraw. */
    async withdrawAll(walletId: string, idempotencyKey: string) {
      assertKey(idempotencyKey);
      const hash = requestHashOf('WITHDRAW_ALL');
      return movement<MovementResult | null>(walletId, async (tx, wallet, at) => {
        const prior = await priorResult(tx, walletId, idempotencyKey, hash);
        if (prior) return prior;
        assertMovable(wallet);
        if (wallet.balance === 0) return null;
        return record(tx, wallet, 'WITHDRAWAL', wallet.balance, idempotencyKey, hash, at);
      });
    },

    /** Payment to a merchant, with risk monitoring's freezes (SPEC §2). */
    async pay(
      walletId: string,
      amount: number,
      merchantId: string,
      idempotencyKey: string,
      paymentPassword: string | null,
      reference?: string,
    ) {
      assertAmount(amount);
      assertKey(idempotencyKey);
      const hash = requestHashOf('PAYMENT', { amount, merchantId, reference });
      const replay = await replayOrCheckPassword(walletId, idempotencyKey, hash, paymentPassword);
      if (replay) return replay;
      return movement(walletId, async (tx, wallet, at) => {
        const prior = await priorResult(tx, walletId, idempotencyKey, hash);
        if (prior) return prior;
        assertMovable(wallet);
        const refusal = await payingRefusal(tx, wallet, amount, at);
        if (refusal) return refusal;
        return record(tx, wallet, 'PAYMENT', amount, idempotencyKey, hash, at, merchantId, {
          ...(reference !== undefined ? { reference } : {}),
        });
      });
    },

    verifyPaymentPassword,

    /** Ops (or risk monitoring) freeze; freezing a frozen wallet changes nothing. */
    async freeze(walletId: string, actor: string, reason: string) {
      await db.transaction(async (tx) => {
        const wallet = await walletRow(tx, walletId, 'lock');
        if (wallet.status === 'CLOSED')
          throw new LedgerError('INVALID_STATE', 'The wallet is closed.');
        if (wallet.status !== 'FROZEN') await freezeIn(tx, wallet, actor, reason, now());
      });
      return summary(walletId);
    },

    /** Ops unfreeze; unfreezing an active wallet changes nothing. */
    async unfreeze(walletId: string, actor: string, reason?: string) {
      await db.transaction(async (tx) => {
        const wallet = await walletRow(tx, walletId, 'lock');
        const at = now();
        if (wallet.status === 'CLOSED')
          throw new LedgerError('INVALID_STATE', 'The wallet is closed.');
        if (wallet.status === 'ACTIVE') return;
        await tx
          .update(wallets)
          .set({ status: 'ACTIVE', frozenReason: null, frozenAt: null, updatedAt: at })
          .where(eq(wallets.id, walletId));
        const key = await audit(tx, walletId, actor, 'WALLET_UNFROZEN', at, {
          reason: reason ?? null,
          frozenReason: wallet.frozenReason,
          frozenAt: wallet.frozenAt?.toISOString() ?? null,
        });
        await statusEvent(tx, key, walletId, 'ACTIVE', at);
        await queueWalletNotice(tx, { key, walletId, kind: 'WALLET_UNFROZEN' }, at);
      });
      return summary(walletId);
    },

    summary,

    /** The balance in fen; NOT_FOUND for an unknown wallet. */
    async balanceOf(walletId: string) {
      return (await walletRow(db, walletId)).balance;
    },

    /** Movements not yet settled. Every movement here settles at once, so this is 0 today. */
    async pendingCount(walletId: string) {
      await walletRow(db, walletId);
      const [row] = await db
        .select({ count: count() })
        .from(walletTransactions)
        .where(
          and(eq(walletTransactions.walletId, walletId), eq(walletTransactions.status, 'PENDING')),
        );
      return row?.count ?? 0;
    },

    /** History, newest first. `cursor` is the `nextCursor` of the previous page. */
    async transactions(
      walletId: string,
      page: { limit?: number; cursor?: string } = {},
    ): Promise<TransactionPage> {
      await walletRow(db, walletId);
      const limit = Math.min(Math.max(Math.trunc(page.limit ?? 50), 1), 100);
      const filters: SQL[] = [eq(walletTransactions.walletId, walletId)];
      if (page.cursor !== undefined) {
        const before = Number(page.cursor);
        if (!Number.isSafeInteger(before) || before <= 0)
          throw new LedgerError('INVALID_INPUT', 'The cursor is not valid.');
        filters.push(lt(walletTransactions.seq, before));
      }
      const rows = await db
        .select()
        .from(walletTransactions)
        .where(and(...filters))
        .orderBy(desc(walletTransactions.seq))
        .limit(limit + 1);
      const items = rows.slice(0, limit);
      const last = items[items.length - 1];
      return {
        items: items.map(toTransaction),
        ...(rows.length > limit && last ? { nextCursor: String(last.seq) } : {}),
      };
    },

    /** A transfer to the wallet of a verified phone (SPEC §2.1), as on SQLite. */
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
        const prior = await priorTransfer(db, walletId, idempotencyKey, hash);
        if (prior) return prior;
        assertMovable(await walletRow(db, walletId));
        await verifyPaymentPassword(walletId, paymentPassword);
      }
      const outcome = await db.transaction(async (tx): Promise<TransferResult | Refusal> => {
        // Found before locking (the look-up reads other tables), then both rows locked in id order
        // and the payee's state read again under its lock.
        const found = await recipientWallet(tx, toPhoneIndex);
        const locked = await lockPair(tx, walletId, found?.id ?? walletId);
        const wallet = locked.get(walletId)!;
        const at = now();
        const prior = await priorTransfer(tx, walletId, idempotencyKey, hash);
        if (prior) return prior;
        assertMovable(wallet);
        const payee = found ? locked.get(found.id)! : null;
        if (!payee || payee.id === wallet.id || payee.status !== 'ACTIVE')
          throw recipientNotFound(payee?.id === wallet.id);
        const refusal = await payingRefusal(tx, wallet, amount, at);
        if (refusal) return refusal;
        payeeCapCheck(payee, amount);
        const out = await record(
          tx,
          wallet,
          'TRANSFER_OUT',
          amount,
          idempotencyKey,
          hash,
          at,
          null,
          {
            counterpartyWalletId: payee.id,
          },
        );
        const inKey = `in/${out.transaction.transactionId}`;
        const credit = await record(tx, payee, 'TRANSFER_IN', amount, inKey, hash, at, null, {
          counterpartyWalletId: wallet.id,
        });
        await transactionEvent(tx, wallet.id, out, at);
        await transactionEvent(tx, payee.id, credit, at);
        await queueWalletNotice(
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
      if (outcome instanceof Refusal) throw outcome.error;
      return outcome;
    },

    async recipientOf(toPhoneIndex: string) {
      const payee = await recipientWallet(db, toPhoneIndex);
      return payee ? { walletId: payee.id, applicationId: payee.applicationId } : null;
    },

    /** Issues a payment code (SPEC §2.1), as on SQLite. */
    async issuePaymentCode(walletId: string, codeDigest: string): Promise<IssuedPaymentCode> {
      if (typeof codeDigest !== 'string' || codeDigest.length === 0)
        throw new LedgerError('INVALID_INPUT', 'A code digest is required.');
      return db.transaction(async (tx) => {
        // Wallet, then its codes: the order a charge takes them in too.
        const wallet = await walletRow(tx, walletId, 'lock');
        const at = now();
        assertMovable(wallet);
        assertPaymentsUnlocked(wallet, at);
        const expiresAt = new Date(at.getTime() + PAYMENT_CODE_TTL_MS);
        await tx
          .update(paymentCodes)
          .set({ usedAt: at })
          .where(and(eq(paymentCodes.walletId, walletId), isNull(paymentCodes.usedAt)));
        await tx.insert(paymentCodes).values({
          id: `pc_${randomBytes(12).toString('hex')}`,
          walletId,
          codeDigest,
          createdAt: at,
          expiresAt,
        });
        return { expiresAt: expiresAt.toISOString() };
      });
    },

    /**
     * A merchant charges a payment code, as on SQLite. The code is found first, then its wallet
     * locked and the code locked and read again: of two merchants charging one code at once, the
     * second sees it used.
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
      const outcome = await db.transaction(async (tx): Promise<ChargeResult | Refusal> => {
        const [found] = await tx
          .select({ walletId: paymentCodes.walletId })
          .from(paymentCodes)
          .where(eq(paymentCodes.codeDigest, codeDigest));
        if (!found) throw codeInvalid();
        const wallet = await walletRow(tx, found.walletId, 'lock');
        const [code] = await tx
          .select()
          .from(paymentCodes)
          .where(eq(paymentCodes.codeDigest, codeDigest))
          .for('update');
        if (!code) throw codeInvalid();
        const at = now();
        if (code.usedAt) {
          const prior =
            code.chargeKey === chargeKey ? await chargeOf(tx, code.transactionId) : null;
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
        assertMovable(wallet);
        const refusal = await payingRefusal(tx, wallet, amount, at);
        if (refusal) return refusal;
        const paid = await record(
          tx,
          wallet,
          'PAYMENT',
          amount,
          `code/${code.id}`,
          hash,
          at,
          merchantId,
          reference !== undefined ? { reference } : {},
        );
        const used = await tx
          .update(paymentCodes)
          .set({ usedAt: at, chargeKey, transactionId: paid.transaction.transactionId })
          .where(and(eq(paymentCodes.id, code.id), isNull(paymentCodes.usedAt)));
        if (used.rowCount !== 1) throw new Error(`Payment code ${code.id} used twice`);
        await transactionEvent(tx, wallet.id, paid, at);
        return { ...paid, walletId: wallet.id };
      });
      if (outcome instanceof Refusal) throw outcome.error;
      return outcome;
    },
  };
}

/**
 * Erases the wallet's history (deregistration, SPEC §3 step 4, through erasePerson), inside the
 * caller's transaction when given one. The idempotency records go with it: a closed wallet moves
 * no money.
 */
export async function eraseWalletHistory(tx: PgExecutor, walletId: string): Promise<number> {
  await tx.delete(paymentCodes).where(eq(paymentCodes.walletId, walletId));
  const deleted = await tx
    .delete(walletTransactions)
    .where(eq(walletTransactions.walletId, walletId));
  return deleted.rowCount ?? 0;
}
