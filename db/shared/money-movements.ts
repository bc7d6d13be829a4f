// The rules of a top-up or withdrawal that moves money at the bank (SPEC §2), shared by both
// databases' repositories (db/*/repositories/money-movements.ts). A movement is one wallet
// transaction that starts PENDING and ends COMPLETED or FAILED:
// - a top-up changes no balance while pending; the credit comes once the bank has debited the
//   card's account. Its balance cap counts the top-ups still pending, so that several pending
//   ones cannot together pass it.
// - a withdrawal reserves its amount at once (the balance drops, so it cannot be spent twice);
//   a refusal at the bank releases it.
import { createHash } from 'node:crypto';
import { TIER_LIMITS, type Tier } from '../../domain/tiers';
import { LedgerError, requestHashOf } from './ledger-rules';
import type { LedgerTransactionType } from './values';

export type BankMovementKind = 'TOP_UP' | 'WITHDRAWAL' | 'WITHDRAW_ALL';

export interface BeginBankMovement {
  /** The wallet transaction's id, also the bank's transfer id (docs/core-banking.md). */
  transactionId: string;
  walletId: string;
  kind: BankMovementKind;
  /** fen; left out for WITHDRAW_ALL, which takes the whole balance */
  amount?: number;
  idempotencyKey: string;
}

export interface SettleBankMovement {
  transactionId: string;
  /** The bank applied the transfer, or refused it with this reason code. */
  outcome: { applied: true } | { applied: false; failureCode: string };
}

/** A movement as the reconciliation reads it. */
export interface BankMovementRow {
  seq: number;
  transactionId: string;
  walletId: string;
  type: LedgerTransactionType;
  status: 'PENDING' | 'COMPLETED' | 'FAILED';
  amount: number;
  failureCode: string | null;
}

export const movementType = (kind: BankMovementKind): LedgerTransactionType =>
  kind === 'TOP_UP' ? 'TOP_UP' : 'WITHDRAWAL';

export const movementHash = (kind: BankMovementKind, amount?: number) =>
  requestHashOf(kind, kind === 'WITHDRAW_ALL' ? {} : { amount });

/**
 * The amount to record and the balance while pending, or null (withdraw-all of nothing).
 * Throws the ledger's refusals.
 */
export function decideBegin(
  input: BeginBankMovement,
  wallet: { tier: Tier; balance: number },
  pendingTopUps: number,
): { amount: number; balanceAfter: number } | null {
  if (input.kind === 'WITHDRAW_ALL') {
    if (wallet.balance === 0) return null;
    return { amount: wallet.balance, balanceAfter: 0 };
  }
  const amount = input.amount!;
  if (input.kind === 'TOP_UP') {
    const { balanceCap } = TIER_LIMITS[wallet.tier];
    if (wallet.balance + pendingTopUps + amount > balanceCap)
      throw new LedgerError('LIMIT_EXCEEDED', 'The top-up would pass the balance cap.', {
        limit: 'balanceCap',
        balanceCap,
        available: Math.max(0, balanceCap - wallet.balance - pendingTopUps),
      });
    return { amount, balanceAfter: wallet.balance };
  }
  if (wallet.balance < amount)
    throw new LedgerError('INSUFFICIENT_BALANCE', 'The balance is too low.', {
      balance: wallet.balance,
    });
  return { amount, balanceAfter: wallet.balance - amount };
}

/** What settling does to the wallet's balance: the top-up's credit, a withdrawal's release. */
export function settleDelta(type: LedgerTransactionType, input: SettleBankMovement): number {
  return input.outcome.applied ? (type === 'TOP_UP' ? 1 : 0) : type === 'TOP_UP' ? 0 : 1;
}

/**
 * The transaction id (and bank transfer id) of the movement a request under this key makes: the
 * same for every retry of the request, whichever API instance gets it, and for nothing else.
 */
export function movementTransactionId(walletId: string, idempotencyKey: string): string {
  return `tx_${createHash('sha256').update(`${walletId}\n${idempotencyKey}`).digest('hex').slice(0, 32)}`;
}
