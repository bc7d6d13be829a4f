// The sandbox bank's side of money movements (SPEC §2), on both databases: accounts hold a
// balance, a transfer is applied at most once per transfer id (its first answer, applied or
// refused, comes back on every repeat), and refusals move nothing.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransferConflictError, type NewSandboxAccount } from '../../db/store';
import type { CoreBanking } from '../../adapters/core-banking';
import { applicant } from '../helpers/people';
import { STORES, type Harness } from './harness';

const PII_KEY = randomBytes(32);
const tid = () => `tx_${randomBytes(8).toString('hex')}`;

describe.each(STORES)('the sandbox bank on $dialect', ({ open }) => {
  let h: Harness;
  let bank: CoreBanking;
  beforeAll(async () => {
    h = await open();
    bank = await h.store.sandboxCoreBanking(PII_KEY);
  });
  afterAll(async () => {
    await h?.close();
  });

  async function account(extra: Partial<NewSandboxAccount> = {}) {
    const person = applicant();
    const row = await h.store.insertSandboxAccount(PII_KEY, {
      holderName: person.name,
      idNumber: person.idNumber,
      cardNumber: person.bankCardNumber,
      status: 'NORMAL',
      realNameVerified: true,
      ...extra,
    });
    return { id: row.id, card: person.bankCardNumber, row };
  }
  const balance = async (id: string) => (await h.store.sandboxAccountById(id))!.balance;

  it('opens accounts with 100,000,000 fen unless told otherwise', async () => {
    const a = await account();
    expect(a.row.balance).toBe(100_000_000);
    const b = await account({ balance: 500 });
    expect(await h.store.sandboxAccountById(b.id)).toMatchObject({
      accountId: b.id,
      status: 'NORMAL',
      balance: 500,
      transfers: [],
    });
    expect(await h.store.sandboxAccountById('ba_nope')).toBeNull();
  });

  it('debits and credits once per transfer id, answering repeats with the first outcome', async () => {
    const a = await account({ balance: 1_000 });
    const debit = {
      transferId: tid(),
      cardNumber: a.card,
      direction: 'DEBIT' as const,
      amount: 300,
    };
    const first = await bank.transfer(debit);
    expect(first).toEqual({
      transferId: debit.transferId,
      status: 'APPLIED',
      direction: 'DEBIT',
      amount: 300,
    });
    expect(await bank.transfer(debit)).toEqual(first);
    expect(await balance(a.id)).toBe(700);
    const credit = { ...debit, transferId: tid(), direction: 'CREDIT' as const, amount: 50 };
    await Promise.all([bank.transfer(credit), bank.transfer(credit), bank.transfer(credit)]);
    expect(await balance(a.id)).toBe(750);
    expect(await bank.getTransfer(credit.transferId)).toMatchObject({ status: 'APPLIED' });
    expect(await bank.getTransfer(tid())).toBeNull();
    const view = await h.store.sandboxAccountById(a.id);
    expect(view!.transfers.map((t) => t.transferId)).toEqual([debit.transferId, credit.transferId]);
  });

  it('refuses for want of funds or a frozen account, and keeps the refusal', async () => {
    const a = await account({ balance: 100 });
    const debit = {
      transferId: tid(),
      cardNumber: a.card,
      direction: 'DEBIT' as const,
      amount: 101,
    };
    expect(await bank.transfer(debit)).toMatchObject({
      status: 'REFUSED',
      refusal: 'INSUFFICIENT_FUNDS',
    });
    // Money arriving later does not turn a refused transfer id into an applied one.
    await bank.transfer({ ...debit, transferId: tid(), direction: 'CREDIT', amount: 1_000 });
    expect(await bank.transfer(debit)).toMatchObject({
      status: 'REFUSED',
      refusal: 'INSUFFICIENT_FUNDS',
    });
    expect(await balance(a.id)).toBe(1_100);
    expect(await h.store.setSandboxAccountStatus(a.id, 'FROZEN')).toBe(true);
    const frozen = { ...debit, transferId: tid(), direction: 'CREDIT' as const, amount: 5 };
    expect(await bank.transfer(frozen)).toMatchObject({
      status: 'REFUSED',
      refusal: 'ACCOUNT_NOT_NORMAL',
    });
    expect(await balance(a.id)).toBe(1_100);
    const unknown = { ...debit, transferId: tid(), cardNumber: '6222020000000000000' };
    expect(await bank.transfer(unknown)).toMatchObject({
      status: 'REFUSED',
      refusal: 'ACCOUNT_NOT_FOUND',
    });
  });

  it('refuses one transfer id reused for another amount', async () => {
    const a = await account();
    const t = { transferId: tid(), cardNumber: a.card, direction: 'DEBIT' as const, amount: 10 };
    await bank.transfer(t);
    await expect(bank.transfer({ ...t, amount: 11 })).rejects.toBeInstanceOf(TransferConflictError);
    await expect(bank.transfer({ ...t, direction: 'CREDIT' })).rejects.toBeInstanceOf(
      TransferConflictError,
    );
  });

  it('applies many transfers on one account in parallel without losing one', async () => {
    const a = await account({ balance: 0 });
    const transfers = Array.from({ length: 20 }, () => ({
      transferId: tid(),
      cardNumber: a.card,
      direction: 'CREDIT' as const,
      amount: 7,
    }));
    await Promise.all(transfers.map((t) => bank.transfer(t)));
    expect(await balance(a.id)).toBe(140);
  });
});
