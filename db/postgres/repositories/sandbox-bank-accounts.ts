// The sandbox's core-banking system (SPEC §6) on PostgreSQL: bank accounts in a table of the app's
// own database, sealed (see db/sqlite/repositories/sandbox-bank-accounts.ts).
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { CoreBanking } from '../../../adapters/core-banking';
import { blindIndex, openJson, sealJson } from '../../../crypto/pii';
import { normalizeBankCard, normalizeIdNumber, normalizeName } from '../../../domain/fields';
import {
  DuplicateCardError,
  type NewSandboxAccount,
  type SandboxAccountRow,
} from '../../sqlite/repositories/sandbox-bank-accounts';
import type { PgExecutor } from '../client';
import { bankAccounts } from '../schema';

interface SealedAccount {
  holderName: string;
  idNumber: string;
  phone?: string;
  cardNumber: string;
}

const sealContext = (cardIndex: string) => `bank-account:${cardIndex}`;

/** Adds an account to the sandbox core-banking table; DuplicateCardError for a known card. */
export async function insertSandboxAccount(
  db: PgExecutor,
  piiKey: Buffer,
  account: NewSandboxAccount,
): Promise<SandboxAccountRow> {
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
  const inserted = await db.insert(bankAccounts).values(row).onConflictDoNothing();
  if (inserted.rowCount === 0) throw new DuplicateCardError();
  return {
    ...record,
    id: row.id,
    status: row.status,
    realNameVerified: row.realNameVerified,
    createdAt: row.createdAt,
  };
}

export async function sandboxCoreBanking(db: PgExecutor, piiKey: Buffer): Promise<CoreBanking> {
  return {
    async findAccountByCard(cardNumber) {
      const cardIndex = blindIndex(piiKey, 'bank-card', cardNumber);
      const [row] = await db
        .select()
        .from(bankAccounts)
        .where(eq(bankAccounts.cardIndex, cardIndex));
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
