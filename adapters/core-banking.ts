// The bank's core system as eligibility sees it: one lookup by card. SANDBOX=1 keeps it in the
// app database (filled through POST /v1/sandbox/bank-accounts); SANDBOX=0 asks the real one
// over HTTP at CORE_BANKING_URL.
import { ApplicationFailure } from '@temporalio/common';
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { AppDatabase } from '../db/client';
import { bankAccounts, BANK_ACCOUNT_STATUSES, type BankAccountStatus } from '../db/schema';
import { normalizeBankCard, normalizeIdNumber, normalizeName } from '../domain/fields';
import type { Config } from '../config/config';
import { blindIndex, openJson, sealJson } from '../crypto/pii';

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

interface SealedAccount {
  holderName: string;
  idNumber: string;
  phone?: string;
  cardNumber: string;
}

const sealContext = (cardIndex: string) => `bank-account:${cardIndex}`;

export interface NewSandboxAccount extends SealedAccount {
  status: BankAccountStatus;
  realNameVerified: boolean;
}

export interface SandboxAccountRow extends NewSandboxAccount {
  id: string;
  createdAt: Date;
}

export class DuplicateCardError extends Error {
  constructor() {
    super('A bank account with this card number already exists.');
    this.name = 'DuplicateCardError';
  }
}

/** Adds an account to the sandbox core-banking table; DuplicateCardError for a known card. */
export function insertSandboxAccount(
  db: AppDatabase,
  piiKey: Buffer,
  account: NewSandboxAccount,
): SandboxAccountRow {
  const record: SealedAccount = {
    holderName: normalizeName(account.holderName),
    idNumber: normalizeIdNumber(account.idNumber),
    cardNumber: normalizeBankCard(account.cardNumber),
    ...(account.phone ? { phone: account.phone.trim() } : {}),
  };
  const cardIndex = blindIndex(piiKey, 'bank-card', record.cardNumber);
  const row = {
    id: `ba_${randomBytes(12).toString('hex')}`,
    cardIndex,
    idNumberIndex: blindIndex(piiKey, 'id-number', record.idNumber),
    sealed: sealJson(piiKey, record, sealContext(cardIndex)),
    status: account.status,
    realNameVerified: account.realNameVerified,
    createdAt: new Date(),
  };
  const inserted = db.insert(bankAccounts).values(row).onConflictDoNothing().run();
  if (inserted.changes === 0) throw new DuplicateCardError();
  return {
    ...record,
    id: row.id,
    status: row.status,
    realNameVerified: row.realNameVerified,
    createdAt: row.createdAt,
  };
}

export function sandboxCoreBanking(db: AppDatabase, piiKey: Buffer): CoreBanking {
  return {
    async findAccountByCard(cardNumber) {
      const cardIndex = blindIndex(piiKey, 'bank-card', cardNumber);
      const row = db.select().from(bankAccounts).where(eq(bankAccounts.cardIndex, cardIndex)).get();
      if (!row) return null;
      const record = openJson<SealedAccount>(piiKey, row.sealed, sealContext(cardIndex));
      return {
        holderName: record.holderName,
        idNumber: record.idNumber,
        status: row.status,
        realNameVerified: row.realNameVerified,
      };
    },
  };
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

export function defaultCoreBanking(db: AppDatabase, config: Config): CoreBanking {
  if (config.sandbox) return sandboxCoreBanking(db, config.piiKey);
  if (!config.coreBankingUrl) throw new Error('CORE_BANKING_URL is required when SANDBOX=0');
  return httpCoreBanking(config.coreBankingUrl);
}
