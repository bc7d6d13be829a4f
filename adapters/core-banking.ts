// The bank's core system as eligibility sees it: one lookup by card. SANDBOX=1 keeps it in the
// app database (filled through POST /v1/sandbox/bank-accounts); SANDBOX=0 asks the real one
// over HTTP at CORE_BANKING_URL.
import { ApplicationFailure } from '@temporalio/common';
import { normalizeBankCard } from '../domain/fields';
import { BANK_ACCOUNT_STATUSES, type BankAccountStatus, type Store } from '../db/store';
import type { Config } from '../config/config';

export interface BankAccount {
  holderName: string;
  idNumber: string;
  status: BankAccountStatus;
  realNameVerified: boolean;
}

export interface CoreBanking {
  /** The account the card belongs to, or null when the bank knows no such card. */
  findAccountByCard(cardNumber: string): Promise<BankAccount | null>;
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
  };
}

export function defaultCoreBanking(store: Store, config: Config): CoreBanking {
  if (config.sandbox) {
    const sandbox = store.sandboxCoreBanking(config.piiKey);
    return { findAccountByCard: async (card) => (await sandbox).findAccountByCard(card) };
  }
  if (!config.coreBankingUrl) throw new Error('CORE_BANKING_URL is required when SANDBOX=0');
  return httpCoreBanking(config.coreBankingUrl);
}
