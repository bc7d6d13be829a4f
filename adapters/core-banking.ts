// The bank's core system: the account lookup of eligibility and the transfers of top-ups and
// withdrawals (SPEC §2, §6). SANDBOX=1 keeps it in the app database (filled through POST
// /v1/sandbox/bank-accounts); SANDBOX=0 asks the real one over HTTP at CORE_BANKING_URL, whose
// contract is docs/core-banking.md.
import { ApplicationFailure } from '@temporalio/common';
import { normalizeBankCard } from '../domain/fields';
import {
  BANK_ACCOUNT_STATUSES,
  BANK_TRANSFER_REFUSALS,
  type BankAccountStatus,
  type BankTransferDirection,
  type BankTransferRefusal,
  type Store,
  TransferConflictError,
} from '../db/store';

export { TransferConflictError };
import type { Config } from '../config/config';

export interface BankAccount {
  holderName: string;
  idNumber: string;
  status: BankAccountStatus;
  realNameVerified: boolean;
}

export interface TransferRequest {
  /** Chosen by us, unique per movement: the bank applies one transfer id at most once. */
  transferId: string;
  cardNumber: string;
  /** DEBIT takes money from the card's account (a top-up); CREDIT pays it in (a withdrawal). */
  direction: BankTransferDirection;
  /** fen, positive */
  amount: number;
}

/** The bank's final word on a transfer: applied, or refused (nothing moved). */
export type TransferOutcome =
  | { transferId: string; status: 'APPLIED'; direction: BankTransferDirection; amount: number }
  | {
      transferId: string;
      status: 'REFUSED';
      direction: BankTransferDirection;
      amount: number;
      refusal: BankTransferRefusal;
    };

export interface CoreBanking {
  /** The account the card belongs to, or null when the bank knows no such card. */
  findAccountByCard(cardNumber: string): Promise<BankAccount | null>;
  /**
   * Applies the transfer once: a repeat of a transfer id answers its first outcome (applied or
   * refused) and moves nothing. Throws on anything else (network, 5xx): the caller retries.
   */
  transfer(request: TransferRequest): Promise<TransferOutcome>;
  /** The outcome of a transfer id, or null when the bank has never seen it. */
  getTransfer(transferId: string): Promise<TransferOutcome | null>;
  /** Every transfer the bank recorded, for the reconciliation; optional for real banks. */
  listTransfers?(): Promise<TransferOutcome[]>;
}

function isBankAccount(value: unknown): value is BankAccount {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.holderName === 'string' &&
    typeof v.idNumber === 'string' &&
    typeof v.status === 'string' &&
    (BANK_ACCOUNT_STATUSES as readonly string[]).includes(v.status) &&
    typeof v.realNameVerified === 'boolean'
  );
}

function isTransferOutcome(value: unknown): value is TransferOutcome {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.transferId === 'string' &&
    (v.direction === 'DEBIT' || v.direction === 'CREDIT') &&
    typeof v.amount === 'number' &&
    (v.status === 'APPLIED' ||
      (v.status === 'REFUSED' &&
        (BANK_TRANSFER_REFUSALS as readonly string[]).includes(String(v.refusal))))
  );
}

function outcomeOf(body: TransferOutcome): TransferOutcome {
  const base = { transferId: body.transferId, direction: body.direction, amount: body.amount };
  return body.status === 'APPLIED'
    ? { ...base, status: 'APPLIED' }
    : { ...base, status: 'REFUSED', refusal: body.refusal };
}

/**
 * GET `${baseUrl}/accounts/${card}` → 404 or `{holderName, idNumber, status, realNameVerified}`.
 * Network errors, timeouts and 5xx are thrown as ordinary errors so Temporal retries them; an
 * answer we cannot understand is also retried (the bank may be mid-deployment), but loudly.
 */
export function httpCoreBanking(
  baseUrl: string,
  { fetchImpl = fetch, timeoutMs = 10_000 }: { fetchImpl?: typeof fetch; timeoutMs?: number } = {},
): CoreBanking {
  const root = baseUrl.replace(/\/+$/, '');
  return {
    async findAccountByCard(cardNumber) {
      const card = normalizeBankCard(cardNumber);
      if (!/^\d{1,40}$/.test(card))
        throw ApplicationFailure.nonRetryable('Bank card number is not digits', 'INVALID_INPUT');
      const response = await fetchImpl(`${root}/accounts/${card}`, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (response.status === 404) {
        await response.body?.cancel();
        return null;
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw new Error(`Core banking answered ${response.status}`);
      }
      const body: unknown = await response.json();
      if (!isBankAccount(body)) throw new Error('Core banking answered an unexpected shape');
      return {
        holderName: body.holderName,
        idNumber: body.idNumber,
        status: body.status,
        realNameVerified: body.realNameVerified,
      };
    },

    async transfer(request) {
      const cardNumber = normalizeBankCard(request.cardNumber);
      const response = await fetchImpl(`${root}/transfers`, {
        method: 'POST',
        headers: { accept: 'application/json', 'content-type': 'application/json' },
        body: JSON.stringify({ ...request, cardNumber }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (response.status === 409) {
        await response.body?.cancel();
        throw new TransferConflictError(request.transferId);
      }
      if (response.status === 400) {
        await response.body?.cancel();
        throw ApplicationFailure.nonRetryable(
          'Core banking refused the request as malformed',
          'INVALID_INPUT',
        );
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw new Error(`Core banking answered ${response.status}`);
      }
      const body: unknown = await response.json();
      if (!isTransferOutcome(body) || body.transferId !== request.transferId)
        throw new Error('Core banking answered an unexpected shape');
      return outcomeOf(body);
    },

    async listTransfers() {
      const response = await fetchImpl(`${root}/transfers`, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!response.ok) throw new Error(`Core banking answered ${response.status}`);
      const body = (await response.json()) as { items?: unknown[] };
      return (body.items ?? []).filter(isTransferOutcome).map(outcomeOf);
    },

    async getTransfer(transferId) {
      const response = await fetchImpl(`${root}/transfers/${encodeURIComponent(transferId)}`, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (response.status === 404) {
        await response.body?.cancel();
        return null;
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw new Error(`Core banking answered ${response.status}`);
      }
      const body: unknown = await response.json();
      if (!isTransferOutcome(body) || body.transferId !== transferId)
        throw new Error('Core banking answered an unexpected shape');
      return outcomeOf(body);
    },
  };
}

export function defaultCoreBanking(store: Store, config: Config): CoreBanking {
  if (config.sandbox) {
    const sandbox = store.sandboxCoreBanking(config.piiKey);
    return {
      findAccountByCard: async (card) => (await sandbox).findAccountByCard(card),
      transfer: async (request) => (await sandbox).transfer(request),
      getTransfer: async (id) => (await sandbox).getTransfer(id),
      listTransfers: async () => (await sandbox).listTransfers!(),
    };
  }
  if (!config.coreBankingUrl) throw new Error('CORE_BANKING_URL is required when SANDBOX=0');
  // An HTTP call gives up before its attempt does, so that a retry follows rather than a timeout.
  return httpCoreBanking(config.coreBankingUrl, {
    timeoutMs: Math.max(500, Math.min(10_000, config.money.bankRetry.attemptTimeoutMs - 500)),
  });
}
