// The ledger's dialect-free rules (SPEC §2), shared by the SQLite and PostgreSQL ledgers and
// their callers: limits, refusals, result shapes, request hashing and the China calendar day.
import { createHash } from 'node:crypto';
import type { Limits, Tier } from '../../domain/tiers';
import type { LedgerTransactionStatus, LedgerTransactionType, WalletStatus } from './values';

export const PAYMENT_PASSWORD_MAX_FAILURES = 5;
export const PAYMENT_PASSWORD_LOCK_MS = 24 * 3600_000;
/**
 * How long a check waits its turn while as many attempts as the lock allows are already being
 * checked (each takes one slow hash); past this it answers PAYMENT_PASSWORD_BUSY (429).
 */
export const PAYMENT_PASSWORD_QUEUE_MS = 5_000;
/** Risk monitoring: more than this many payments within the window freezes the wallet. */
export const RISK_MAX_PAYMENTS = 5;
export const RISK_WINDOW_MS = 10 * 60_000;
export const RISK_MONITOR_ACTOR = 'risk-monitor';
/**
 * Money paid to others: payments and transfers out share the single-payment and daily limits and
 * the velocity rule (SPEC §2, §2.1), so that splitting between the two kinds gains nothing.
 */
export const PAID_TO_OTHERS = [
  'PAYMENT',
  'TRANSFER_OUT',
] as const satisfies LedgerTransactionType[];
/** The kinds that add to the balance; every other kind takes from it. */
export const CREDIT_TYPES: readonly LedgerTransactionType[] = ['TOP_UP', 'TRANSFER_IN'];
/** A payment code (付款码, SPEC §2.1) is good for this long after it is issued. */
export const PAYMENT_CODE_TTL_MS = 60_000;

const CHINA_OFFSET_MS = 8 * 3600_000;
const DAY_MS = 24 * 3600_000;

export type LedgerErrorCode =
  | 'NOT_FOUND'
  | 'INVALID_INPUT'
  | 'INVALID_STATE'
  | 'WALLET_FROZEN'
  | 'LIMIT_EXCEEDED'
  | 'INSUFFICIENT_BALANCE'
  | 'PAYMENT_PASSWORD_INVALID'
  | 'PAYMENT_PASSWORD_LOCKED'
  | 'PAYMENT_PASSWORD_BUSY'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'RECIPIENT_NOT_FOUND'
  | 'PAYMENT_CODE_INVALID'
  | 'PAYMENT_CODE_EXPIRED';

/**
 * A refusal: nothing moved (a risk freeze may have been committed, see `details.walletFrozen`).
 * Thrown rather than returned so that no caller can mistake a refusal for a movement.
 */
export class LedgerError extends Error {
  constructor(
    readonly code: LedgerErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'LedgerError';
  }
}

export interface LedgerTransaction {
  transactionId: string;
  type: LedgerTransactionType;
  status: LedgerTransactionStatus;
  amount: number;
  balanceAfter: number;
  merchantId?: string;
  /** What a payment was for (a bill number, 水电煤), as the payer or merchant gave it. */
  reference?: string;
  /** Why a FAILED top-up or withdrawal failed (BANK_INSUFFICIENT_FUNDS, BANK_ACCOUNT_NOT_NORMAL). */
  failureCode?: string;
  createdAt: string;
}

export interface MovementResult {
  transaction: LedgerTransaction;
  balance: number;
  /** True when the idempotency key had already moved money: this is that first result. */
  replayed: boolean;
}

/** A transfer as the payer's side sees it, with the payee's wallet (for its deregistration). */
export interface TransferResult extends MovementResult {
  toWalletId: string;
}

/** A payment-code charge: the customer's wallet and its payment. */
export interface ChargeResult extends MovementResult {
  walletId: string;
}

/** A payment code as issued: the code itself is never stored, only its digest. */
export interface IssuedPaymentCode {
  expiresAt: string;
}

export interface WalletSummary {
  walletId: string;
  applicationId: string;
  personId: string;
  status: WalletStatus;
  tier: Tier;
  balance: number;
  limits: Limits;
  frozenReason: string | null;
  createdAt: string;
}

export interface TransactionPage {
  items: LedgerTransaction[];
  nextCursor?: string;
}

export interface LedgerOptions {
  /** The clock (tests move it across day boundaries and lock expiries). */
  now?: () => Date;
  /**
   * Queue an event webhook (db/sqlite/repositories/status-events.ts) with every freeze and unfreeze, in its
   * transaction: pass `webhooksEnabled(config)`.
   */
  webhookEvents?: boolean;
}

export type LedgerOperation =
  'TOP_UP' | 'WITHDRAWAL' | 'WITHDRAW_ALL' | 'PAYMENT' | 'TRANSFER' | 'CHARGE';

/**
 * What makes two requests under one idempotency key "the same": the operation and its money
 * fields. The payment password is deliberately left out: a retry with a mistyped password is
 * still the same request, and nothing derived from a password is stored here.
 */
export function requestHashOf(
  operation: LedgerOperation,
  fields: { amount?: number; merchantId?: string; reference?: string; recipient?: string } = {},
): string {
  // Fields added later go at the end only when present, so earlier hashes stay what they were.
  const later = [fields.reference ?? null, fields.recipient ?? null];
  while (later.length > 0 && later[later.length - 1] === null) later.pop();
  return createHash('sha256')
    .update(JSON.stringify([operation, fields.amount ?? null, fields.merchantId ?? null, ...later]))
    .digest('hex');
}

/** Start of the Asia/Shanghai calendar day holding `at` (UTC+8, no daylight saving). */
export function chinaDayStart(at: Date): Date {
  const local = at.getTime() + CHINA_OFFSET_MS;
  return new Date(local - (((local % DAY_MS) + DAY_MS) % DAY_MS) - CHINA_OFFSET_MS);
}

export type LedgerOutcome<T> =
  | { ok: true; value: T }
  | { ok: false; code: LedgerErrorCode; message: string; details: Record<string, unknown> };

/**
 * A ledger call as a value instead of a throw: for Temporal activities, whose workflow decides
 * what a refusal means. Anything but a LedgerError (a database fault) still throws, so Temporal
 * retries it.
 */
export async function ledgerOutcome<T>(call: () => Promise<T> | T): Promise<LedgerOutcome<T>> {
  try {
    return { ok: true, value: await call() };
  } catch (error) {
    if (error instanceof LedgerError)
      return { ok: false, code: error.code, message: error.message, details: error.details };
    throw error;
  }
}

/** The columns of a ledger row both databases' schemas give (their row types differ only in name). */
export interface LedgerRow {
  id: string;
  type: LedgerTransaction['type'];
  status: LedgerTransaction['status'];
  amount: number;
  balanceAfter: number;
  merchantId: string | null;
  reference: string | null;
  failureCode?: string | null;
  createdAt: Date;
}

export function assertAmount(amount: number): void {
  if (!Number.isSafeInteger(amount) || amount <= 0)
    throw new LedgerError('INVALID_INPUT', 'The amount must be a positive whole number of fen.');
}

export function assertKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0 || key.length > 128)
    throw new LedgerError('INVALID_INPUT', 'An idempotency key of 1–128 characters is required.');
}

export function toTransaction(row: LedgerRow): LedgerTransaction {
  return {
    transactionId: row.id,
    type: row.type,
    status: row.status,
    amount: row.amount,
    balanceAfter: row.balanceAfter,
    ...(row.merchantId !== null ? { merchantId: row.merchantId } : {}),
    ...(row.reference !== null ? { reference: row.reference } : {}),
    ...(row.failureCode ? { failureCode: row.failureCode } : {}),
    createdAt: row.createdAt.toISOString(),
  };
}

/** A refusal decided inside a transaction that must still commit (a risk freeze). */
export class Refusal {
  constructor(readonly error: LedgerError) {}
}

/** A check that must wait: the allowed attempts are all being checked right now. */
export const UNDER_WAY = Symbol('under way');

/** No wallet takes transfers at that phone (also the payer's own: there is nobody else there). */
export function recipientNotFound(own: boolean): LedgerError {
  return new LedgerError(
    'RECIPIENT_NOT_FOUND',
    own
      ? 'That phone is your own wallet’s: transfers go to someone else’s.'
      : 'No active wallet has that phone number.',
  );
}

export function codeInvalid(): LedgerError {
  return new LedgerError('PAYMENT_CODE_INVALID', 'The payment code is not valid or already used.');
}

/** The stored first result of an idempotency key. */
export function replayOf(row: LedgerRow): MovementResult {
  return { transaction: toTransaction(row), balance: row.balanceAfter, replayed: true };
}
