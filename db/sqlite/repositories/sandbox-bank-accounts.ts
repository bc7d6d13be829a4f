// The sandbox's core-banking system (SPEC §6): bank accounts in a table of the app's own
// database, sealed, filled through POST /v1/sandbox/bank-accounts, each with a balance that
// transfers move. A transfer changes the account's balance and writes its record in one
// IMMEDIATE transaction, so it is applied once whatever the retries (db/shared/sandbox-bank.ts).
import { randomBytes } from 'node:crypto';
import { asc, eq } from 'drizzle-orm';
import type {
  BankAccount,
  CoreBanking,
  TransferOutcome,
  TransferRequest,
} from '../../../adapters/core-banking';
import { blindIndex, openJson, sealJson } from '../../../crypto/pii';
import { normalizeBankCard, normalizeIdNumber, normalizeName } from '../../../domain/fields';
import type { AppDatabase } from '../client';
import { bankAccounts, bankTransfers, type BankAccountStatus } from '../schema';
import {
  DuplicateCardError,
  decideTransfer,
  sameTransfer,
  transferOutcomeOf,
  type SandboxAccountView,
} from '../../shared/sandbox-bank';
import { DEFAULT_BANK_BALANCE } from '../../shared/values';

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
  /** fen; DEFAULT_BANK_BALANCE when left out */
  balance?: number;
}

export interface SandboxAccountRow extends NewSandboxAccount {
  id: string;
  balance: number;
  createdAt: Date;
}

export type { SandboxAccountView };

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
    balance: account.balance ?? DEFAULT_BANK_BALANCE,
    createdAt: new Date(),
  };
  const inserted = db.insert(bankAccounts).values(row).onConflictDoNothing().run();
  if (inserted.changes === 0) throw new DuplicateCardError();
  return {
    ...record,
    id: row.id,
    status: row.status,
    realNameVerified: row.realNameVerified,
    balance: row.balance,
    createdAt: row.createdAt,
  };
}

/** An account as GET /v1/sandbox/bank-accounts/:accountId shows it, or null. */
export function sandboxAccountById(db: AppDatabase, accountId: string): SandboxAccountView | null {
  const row = db.select().from(bankAccounts).where(eq(bankAccounts.id, accountId)).get();
  if (!row) return null;
  const transfers = db
    .select()
    .from(bankTransfers)
    .where(eq(bankTransfers.accountId, accountId))
    .orderBy(asc(bankTransfers.createdAt))
    .all();
  return {
    accountId: row.id,
    status: row.status,
    realNameVerified: row.realNameVerified,
    balance: row.balance,
    createdAt: row.createdAt,
    transfers: transfers.map(transferOutcomeOf),
  };
}

/** Sets an account's status at the bank (tests freeze an account after a wallet is opened). */
export function setSandboxAccountStatus(
  db: AppDatabase,
  accountId: string,
  status: BankAccountStatus,
): boolean {
  return (
    db.update(bankAccounts).set({ status }).where(eq(bankAccounts.id, accountId)).run().changes ===
    1
  );
}

function applyTransfer(db: AppDatabase, piiKey: Buffer, request: TransferRequest): TransferOutcome {
  return db.transaction(
    (tx) => {
      const prior = tx
        .select()
        .from(bankTransfers)
        .where(eq(bankTransfers.transferId, request.transferId))
        .get();
      const cardIndex = blindIndex(piiKey, 'bank-card', normalizeBankCard(request.cardNumber));
      const account = tx
        .select()
        .from(bankAccounts)
        .where(eq(bankAccounts.cardIndex, cardIndex))
        .get();
      if (prior) return sameTransfer(prior, request, account?.id ?? null);
      const decision = decideTransfer(account ?? null, request);
      if (decision.applied && account)
        tx.update(bankAccounts)
          .set({ balance: decision.balanceAfter })
          .where(eq(bankAccounts.id, account.id))
          .run();
      const row = tx
        .insert(bankTransfers)
        .values({
          transferId: request.transferId,
          accountId: account?.id ?? null,
          direction: request.direction,
          amount: request.amount,
          refusal: decision.applied ? null : decision.refusal,
          balanceAfter: decision.applied ? decision.balanceAfter : null,
          createdAt: new Date(),
        })
        .returning()
        .get();
      return transferOutcomeOf(row);
    },
    { behavior: 'immediate' },
  );
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
    async transfer(request) {
      return applyTransfer(db, piiKey, request);
    },
    async getTransfer(transferId) {
      const row = db
        .select()
        .from(bankTransfers)
        .where(eq(bankTransfers.transferId, transferId))
        .get();
      return row ? transferOutcomeOf(row) : null;
    },
    async listTransfers() {
      return db.select().from(bankTransfers).all().map(transferOutcomeOf);
    },
  };
}
