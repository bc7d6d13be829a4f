// The sandbox bank's rules, the same whichever database holds its accounts: its refusal of a
// duplicate card, and how a transfer is decided and answered again.
import type { TransferOutcome, TransferRequest } from '../../adapters/core-banking';
import type { BankAccountStatus, BankTransferDirection, BankTransferRefusal } from './values';

/** The same transfer id sent again with another direction, amount or card: a bug, never retried. */
export class TransferConflictError extends Error {
  constructor(transferId: string) {
    super(`Transfer ${transferId} was already sent with other details.`);
    this.name = 'TransferConflictError';
  }
}

export class DuplicateCardError extends Error {
  constructor() {
    super('A bank account with this card number already exists.');
    this.name = 'DuplicateCardError';
  }
}

/** A sandbox account as ops see it: no personal data, its balance and the transfers applied. */
export interface SandboxAccountView {
  accountId: string;
  status: BankAccountStatus;
  realNameVerified: boolean;
  balance: number;
  createdAt: Date;
  transfers: TransferOutcome[];
}

interface TransferRow {
  transferId: string;
  accountId: string | null;
  direction: BankTransferDirection;
  amount: number;
  refusal: BankTransferRefusal | null;
}

export function transferOutcomeOf(row: TransferRow): TransferOutcome {
  const base = { transferId: row.transferId, direction: row.direction, amount: row.amount };
  return row.refusal === null
    ? { ...base, status: 'APPLIED' }
    : { ...base, status: 'REFUSED', refusal: row.refusal };
}

/** A transfer id seen before: its first outcome, if the request is the same one. */
export function sameTransfer(
  prior: TransferRow,
  request: TransferRequest,
  accountId: string | null,
): TransferOutcome {
  if (
    prior.direction !== request.direction ||
    prior.amount !== request.amount ||
    prior.accountId !== accountId
  )
    throw new TransferConflictError(request.transferId);
  return transferOutcomeOf(prior);
}

export type TransferDecision =
  { applied: true; balanceAfter: number } | { applied: false; refusal: BankTransferRefusal };

/** What the bank does with a new transfer on this account (null: no account for the card). */
export function decideTransfer(
  account: { status: BankAccountStatus; balance: number } | null,
  request: TransferRequest,
): TransferDecision {
  if (!account) return { applied: false, refusal: 'ACCOUNT_NOT_FOUND' };
  if (account.status !== 'NORMAL') return { applied: false, refusal: 'ACCOUNT_NOT_NORMAL' };
  if (request.direction === 'DEBIT' && account.balance < request.amount)
    return { applied: false, refusal: 'INSUFFICIENT_FUNDS' };
  const delta = request.direction === 'DEBIT' ? -request.amount : request.amount;
  return { applied: true, balanceAfter: account.balance + delta };
}
