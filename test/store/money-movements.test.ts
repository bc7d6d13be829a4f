// The ledger's side of top-ups and withdrawals at the bank (db/*/repositories/money-movements.ts),
// on both databases: PENDING then COMPLETED or FAILED, a withdrawal's reservation and its
// release, the balance cap counting pending top-ups, idempotent begins and settles.
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LedgerError, movementTransactionId } from '../../db/store';
import { TIER_LIMITS } from '../../domain/tiers';
import { STORES, type Harness } from './harness';

const PII_KEY = randomBytes(32);
const CARD = '6222021234567890128';

describe.each(STORES)('money movements on $dialect', ({ open }) => {
  let h: Harness;
  beforeAll(async () => {
    h = await open();
  });
  afterAll(async () => {
    await h?.close();
  });

  async function wallet(balance = 0) {
    const walletId = `w_${randomBytes(8).toString('hex')}`;
    const created = await h.store.createWalletOnce(PII_KEY, {
      walletId,
      applicationId: randomUUID(),
      personId: `person-${walletId}`,
      tier: 'GUARDIAN',
      paymentPasswordHash: 'hash',
      ownerPhone: '13800138000',
      bankCard: CARD,
      webhooks: false,
    });
    expect(created).toEqual({ walletId });
    if (balance) await h.rawSql(`update wallets set balance = ${balance} where id = '${walletId}'`);
    return walletId;
  }
  const begin = (
    walletId: string,
    kind: 'TOP_UP' | 'WITHDRAWAL' | 'WITHDRAW_ALL',
    amount?: number,
    key = randomUUID(),
  ) =>
    h.store.beginBankMovement({
      transactionId: movementTransactionId(walletId, key),
      walletId,
      kind,
      ...(amount !== undefined ? { amount } : {}),
      idempotencyKey: key,
    });
  const balance = async (walletId: string) =>
    (await h.store.walletStatusAndBalance(walletId))!.balance;

  it('binds the card to the wallet, sealed', async () => {
    const w = await wallet();
    expect(await h.store.walletBankCard(PII_KEY, w)).toBe(CARD);
    const [row] = await h.rows(`select bank_card from wallets where id = '${w}'`);
    expect(String(row!.bank_card)).not.toContain(CARD);
  });

  it('credits a top-up only once the bank has applied it', async () => {
    const w = await wallet(100);
    const begun = (await begin(w, 'TOP_UP', 50))!;
    expect(begun.transaction).toMatchObject({ type: 'TOP_UP', status: 'PENDING', amount: 50 });
    expect(await balance(w)).toBe(100);
    expect((await h.store.walletStatusAndBalance(w))!.pending).toBe(1);
    const id = begun.transaction.transactionId;
    const settled = await h.store.settleBankMovement({
      transactionId: id,
      outcome: { applied: true },
    });
    expect(settled).toMatchObject({
      balance: 150,
      transaction: { status: 'COMPLETED', balanceAfter: 150 },
    });
    // A repeated settle (a retried activity) changes nothing, whatever it says.
    const again = await h.store.settleBankMovement({
      transactionId: id,
      outcome: { applied: false, failureCode: 'BANK_INSUFFICIENT_FUNDS' },
    });
    expect(again.transaction.status).toBe('COMPLETED');
    expect(await balance(w)).toBe(150);
    expect((await h.store.walletStatusAndBalance(w))!.pending).toBe(0);
  });

  it('fails a refused top-up without touching the balance', async () => {
    const w = await wallet(10);
    const begun = (await begin(w, 'TOP_UP', 50))!;
    const failed = await h.store.settleBankMovement({
      transactionId: begun.transaction.transactionId,
      outcome: { applied: false, failureCode: 'BANK_INSUFFICIENT_FUNDS' },
    });
    expect(failed.transaction).toMatchObject({
      status: 'FAILED',
      failureCode: 'BANK_INSUFFICIENT_FUNDS',
    });
    expect(await balance(w)).toBe(10);
  });

  it('reserves a withdrawal at once and releases it when the bank refuses', async () => {
    const w = await wallet(100);
    const begun = (await begin(w, 'WITHDRAWAL', 70))!;
    expect(begun).toMatchObject({ balance: 30, transaction: { status: 'PENDING' } });
    // The reserved money cannot be withdrawn again meanwhile.
    await expect(begin(w, 'WITHDRAWAL', 70)).rejects.toMatchObject({
      code: 'INSUFFICIENT_BALANCE',
    });
    const released = await h.store.settleBankMovement({
      transactionId: begun.transaction.transactionId,
      outcome: { applied: false, failureCode: 'BANK_ACCOUNT_NOT_NORMAL' },
    });
    expect(released).toMatchObject({ balance: 100, transaction: { status: 'FAILED' } });
    const ok = (await begin(w, 'WITHDRAWAL', 100))!;
    await h.store.settleBankMovement({
      transactionId: ok.transaction.transactionId,
      outcome: { applied: true },
    });
    expect(await balance(w)).toBe(0);
  });

  it('answers a repeated key with the first movement, and refuses it for another request', async () => {
    const w = await wallet(100);
    const key = randomUUID();
    const first = (await begin(w, 'WITHDRAWAL', 10, key))!;
    const again = (await begin(w, 'WITHDRAWAL', 10, key))!;
    expect(again.replayed).toBe(true);
    expect(again.transaction.transactionId).toBe(first.transaction.transactionId);
    expect(await balance(w)).toBe(90);
    await expect(begin(w, 'WITHDRAWAL', 11, key)).rejects.toBeInstanceOf(LedgerError);
    const found = await h.store.bankMovement(first.transaction.transactionId);
    expect(found).toMatchObject({ walletId: w, transaction: { status: 'PENDING' } });
    expect(await h.store.bankMovement('tx_none')).toBeNull();
  });

  it('counts pending top-ups against the balance cap', async () => {
    const cap = TIER_LIMITS.GUARDIAN.balanceCap;
    const w = await wallet(cap - 100);
    await begin(w, 'TOP_UP', 60);
    await expect(begin(w, 'TOP_UP', 60)).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED' });
    expect(await begin(w, 'TOP_UP', 40)).toMatchObject({ transaction: { status: 'PENDING' } });
  });

  it('withdraws all of the balance, or answers null with nothing to withdraw', async () => {
    const w = await wallet(321);
    expect(await begin(w, 'WITHDRAW_ALL')).toMatchObject({
      balance: 0,
      transaction: { amount: 321 },
    });
    expect(await begin(w, 'WITHDRAW_ALL')).toBeNull();
  });

  it('refuses a frozen wallet, and a closing wallet with a movement pending', async () => {
    const w = await wallet(0);
    const begun = (await begin(w, 'TOP_UP', 5))!;
    const closed = await h.store.closeWalletAndErasePerson(
      PII_KEY,
      { walletId: w, applicationId: randomUUID() },
      { webhooks: false },
    );
    expect(closed).toEqual({ ok: false, code: 'PENDING_TRANSACTIONS' });
    await h.store.settleBankMovement({
      transactionId: begun.transaction.transactionId,
      outcome: { applied: false, failureCode: 'BANK_INSUFFICIENT_FUNDS' },
    });
    await h.rawSql(`update wallets set status = 'FROZEN' where id = '${w}'`);
    await expect(begin(w, 'TOP_UP', 5)).rejects.toMatchObject({ code: 'WALLET_FROZEN' });
  });

  it('lists the movements with a bank leg for the reconciliation', async () => {
    const w = await wallet(50);
    const t = (await begin(w, 'WITHDRAWAL', 20))!;
    const rows = await h.store.bankMovementsPage({ limit: 1000 });
    expect(rows.find((r) => r.transactionId === t.transaction.transactionId)).toMatchObject({
      walletId: w,
      type: 'WITHDRAWAL',
      status: 'PENDING',
      amount: 20,
    });
    const after = await h.store.bankMovementsPage({ afterSeq: rows[rows.length - 1]!.seq });
    expect(after).toEqual([]);
  });

  it('settles parallel withdrawals on one wallet without losing money', async () => {
    const w = await wallet(1_000);
    const begun = await Promise.all(Array.from({ length: 10 }, () => begin(w, 'WITHDRAWAL', 100)));
    expect(await balance(w)).toBe(0);
    await Promise.all(
      begun.map((b, i) =>
        h.store.settleBankMovement({
          transactionId: b!.transaction.transactionId,
          outcome:
            i % 2 ? { applied: true } : { applied: false, failureCode: 'BANK_ACCOUNT_NOT_NORMAL' },
        }),
      ),
    );
    expect(await balance(w)).toBe(500);
  });
});
