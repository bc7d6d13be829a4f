// The sandbox's core-banking system (SPEC §6): bank accounts in a table of the app's own
// database, sealed, filled through POST /v1/sandbox/bank-accounts.
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { BankAccount, CoreBanking } from '../../../adapters/core-banking';
import { blindIndex, openJson, sealJson } from '../../../crypto/pii';
import { normalizeBankCard, normalizeIdNumber, normalizeName } from '../../../domain/fields';
import type { AppDatabase } from '../client';
import { bankAccounts, type BankAccountStatus } from '../schema';
import { DuplicateCardError } from '../../shared/sandbox-bank';

export type { BankAccount };

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

export { DuplicateCardError };

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
