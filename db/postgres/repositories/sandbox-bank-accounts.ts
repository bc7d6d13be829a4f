// The sandbox's core-banking system (SPEC §6) on PostgreSQL: bank accounts in a table of the app's
// own database, sealed (see db/sqlite/repositories/sandbox-bank-accounts.ts).
import { randomBytes } from 'node:crypto';
import { asc, eq } from 'drizzle-orm';
import type { CoreBanking, TransferOutcome, TransferRequest } from '../../../adapters/core-banking';
import { blindIndex, openJson, sealJson } from '../../../crypto/pii';
import { normalizeBankCard, normalizeIdNumber, normalizeName } from '../../../domain/fields';
import {
  DuplicateCardError,
  type NewSandboxAccount,
  type SandboxAccountRow,
} from '../../sqlite/repositories/sandbox-bank-accounts';
import type { PgExecutor } from '../client';
import { bankAccounts, bankTransfers, type BankAccountStatus } from '../schema';
import {
  decideTransfer,
  sameTransfer,
  transferOutcomeOf,
  type SandboxAccountView,
} from '../../shared/sandbox-bank';
import { DEFAULT_BANK_BALANCE } from '../../shared/values';

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
    balance: account.balance ?? DEFAULT_BANK_BALANCE,
    createdAt: new Date(),
  };
  const inserted = await db.insert(bankAccounts).values(row).onConflictDoNothing();
  if (inserted.rowCount === 0) throw new DuplicateCardError();
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
export async function sandboxAccountById(
  db: PgExecutor,
  accountId: string,
): Promise<SandboxAccountView | null> {
  const [row] = await db.select().from(bankAccounts).where(eq(bankAccounts.id, accountId));
  if (!row) return null;
  const transfers = await db
    .select()
    .from(bankTransfers)
    .where(eq(bankTransfers.accountId, accountId))
    .orderBy(asc(bankTransfers.createdAt));
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
export async function setSandboxAccountStatus(
  db: PgExecutor,
  accountId: string,
  status: BankAccountStatus,
): Promise<boolean> {
  const updated = await db
    .update(bankAccounts)
    .set({ status })
    .where(eq(bankAccounts.id, accountId));
  return updated.rowCount === 1;
}

/**
 * One transaction: the account row locked (FOR UPDATE) before the transfer record is read, so
 * two deliveries of one transfer id, or two transfers on one account, take turns.
 */
async function applyTransfer(
  db: PgExecutor,
  piiKey: Buffer,
  request: TransferRequest,
): Promise<TransferOutcome> {
  return db.transaction(async (tx) => {
    const cardIndex = blindIndex(piiKey, 'bank-card', normalizeBankCard(request.cardNumber));
    const [account] = await tx
      .select()
      .from(bankAccounts)
      .where(eq(bankAccounts.cardIndex, cardIndex))
      .for('update');
    const [prior] = await tx
      .select()
      .from(bankTransfers)
      .where(eq(bankTransfers.transferId, request.transferId));
    if (prior) return sameTransfer(prior, request, account?.id ?? null);
    const decision = decideTransfer(account ?? null, request);
    if (decision.applied && account)
      await tx
        .update(bankAccounts)
        .set({ balance: decision.balanceAfter })
        .where(eq(bankAccounts.id, account.id));
    const [row] = await tx
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
      .onConflictDoNothing()
      .returning();
    // Only a refusal for an unknown card takes no lock; a twin of it got in first.
    if (!row) {
      const [first] = await tx
        .select()
        .from(bankTransfers)
        .where(eq(bankTransfers.transferId, request.transferId));
      if (!first) throw new Error(`Transfer ${request.transferId} vanished`);
      return sameTransfer(first, request, account?.id ?? null);
    }
    return transferOutcomeOf(row);
  });
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
    async transfer(request) {
      return applyTransfer(db, piiKey, request);
    },
    async getTransfer(transferId) {
      const [row] = await db
        .select()
        .from(bankTransfers)
        .where(eq(bankTransfers.transferId, transferId));
      return row ? transferOutcomeOf(row) : null;
    },
    async listTransfers() {
      return (await db.select().from(bankTransfers)).map(transferOutcomeOf);
    },
  };
}
