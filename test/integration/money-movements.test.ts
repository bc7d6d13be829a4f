// Money moves at the bank (SPEC §2) through the HTTP API, on the sandbox bank: a top-up debits
// the card's account and then credits the wallet, a withdrawal credits it; the bank's refusals
// are 422 with the transaction FAILED and the wallet unchanged; replays move nothing; a pending
// movement blocks closing the wallet; and after each, the reconciliation finds both sides agree
// (also as ops run it through the API).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcile } from '../../adapters/reconciliation';
import { defaultCoreBanking } from '../../adapters/core-banking';
import { bearer, TEST_PAYMENT_PASSWORD } from '../helpers/onboarding';
import { walletWithCard } from '../helpers/money';
import { startStack, type Stack } from '../helpers/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ BANK_RETRY_INITIAL_MS: '100', BANK_RETRY_MAX_MS: '500' });
});
afterAll(async () => {
  await stack?.close();
});

let serial = 0;
const key = () => `money-${Date.now()}-${++serial}`;
const post = (url: string, token: string, payload: object, idem: string = key()) =>
  stack.api.inject({
    method: 'POST',
    url,
    headers: { ...bearer(token), 'idempotency-key': idem },
    payload,
  });
const ops = () => stack.staffToken('ops', 'olga');

/** A wallet whose card reaches a sandbox account holding `bankBalance`. */
async function setUp(bankBalance?: number, walletBalance = 0) {
  const wallet = await walletWithCard(stack.store, stack.config, { balance: walletBalance });
  const res = await stack.api.inject({
    method: 'POST',
    url: '/v1/sandbox/bank-accounts',
    headers: bearer(ops()),
    payload: {
      holderName: wallet.person.name,
      idNumber: wallet.person.idNumber,
      cardNumber: wallet.person.bankCardNumber,
      status: 'NORMAL',
      realNameVerified: true,
      ...(bankBalance !== undefined ? { balance: bankBalance } : {}),
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  const accountId = res.json<{ accountId: string }>().accountId;
  const account = async () => {
    const got = await stack.api.inject({
      method: 'GET',
      url: `/v1/sandbox/bank-accounts/${accountId}`,
      headers: bearer(ops()),
    });
    expect(got.statusCode, got.body).toBe(200);
    return got.json<{ balance: number; status: string; transfers: { status: string }[] }>();
  };
  return { ...wallet, accountId, account };
}

async function agree() {
  const result = await reconcile(stack.store, defaultCoreBanking(stack.store, stack.config));
  expect(result.mismatches).toEqual([]);
  expect(result.pending).toEqual([]);
  return result;
}

describe('top-ups and withdrawals at the bank', () => {
  it('opens sandbox accounts with 100,000,000 fen, and shows them to ops only', async () => {
    const w = await setUp();
    expect(await w.account()).toMatchObject({
      balance: 100_000_000,
      status: 'NORMAL',
      transfers: [],
    });
    const asOwner = await stack.api.inject({
      method: 'GET',
      url: `/v1/sandbox/bank-accounts/${w.accountId}`,
      headers: bearer(w.token),
    });
    expect(asOwner.statusCode).toBe(403);
    const unknown = await stack.api.inject({
      method: 'GET',
      url: '/v1/sandbox/bank-accounts/ba_nope',
      headers: bearer(ops()),
    });
    expect(unknown.statusCode).toBe(404);
  });

  it('debits the account, then credits the wallet: 201 COMPLETED; a replay moves nothing', async () => {
    const w = await setUp(10_000);
    const idem = key();
    const res = await post(`/v1/wallets/${w.walletId}/top-ups`, w.token, { amount: 2_500 }, idem);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      balance: 2_500,
      transaction: { status: 'COMPLETED', type: 'TOP_UP' },
    });
    expect((await w.account()).balance).toBe(7_500);
    const replay = await post(
      `/v1/wallets/${w.walletId}/top-ups`,
      w.token,
      { amount: 2_500 },
      idem,
    );
    expect(replay.statusCode).toBe(200);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json()).toEqual(res.json());
    const reused = await post(`/v1/wallets/${w.walletId}/top-ups`, w.token, { amount: 1 }, idem);
    expect(reused.json()).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    expect((await w.account()).balance).toBe(7_500);
    await agree();
  });

  it('answers 422 BANK_INSUFFICIENT_FUNDS from an empty account, the transaction FAILED', async () => {
    const w = await setUp(100);
    const idem = key();
    const res = await post(`/v1/wallets/${w.walletId}/top-ups`, w.token, { amount: 101 }, idem);
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json()).toMatchObject({
      code: 'BANK_INSUFFICIENT_FUNDS',
      transaction: { status: 'FAILED', failureCode: 'BANK_INSUFFICIENT_FUNDS' },
      balance: 0,
    });
    const again = await post(`/v1/wallets/${w.walletId}/top-ups`, w.token, { amount: 101 }, idem);
    expect(again.statusCode).toBe(422);
    expect(again.headers['idempotent-replayed']).toBe('true');
    const list = await stack.api.inject({
      method: 'GET',
      url: `/v1/wallets/${w.walletId}/transactions`,
      headers: bearer(w.token),
    });
    expect(list.json()).toMatchObject({ items: [{ status: 'FAILED', amount: 101 }] });
    expect((await w.account()).balance).toBe(100);
    await agree();
  });

  it('credits the account on a withdrawal; a frozen account refuses it and the money stays', async () => {
    const w = await setUp(0, 5_000);
    const out = await post(`/v1/wallets/${w.walletId}/withdrawals`, w.token, {
      amount: 1_000,
      paymentPassword: TEST_PAYMENT_PASSWORD,
    });
    expect(out.statusCode, out.body).toBe(201);
    expect(out.json()).toMatchObject({ balance: 4_000, transaction: { status: 'COMPLETED' } });
    expect((await w.account()).balance).toBe(1_000);
    await stack.store.setSandboxAccountStatus(w.accountId, 'FROZEN');
    const refused = await post(`/v1/wallets/${w.walletId}/withdrawals`, w.token, {
      amount: 1_000,
      paymentPassword: TEST_PAYMENT_PASSWORD,
    });
    expect(refused.statusCode, refused.body).toBe(422);
    expect(refused.json()).toMatchObject({ code: 'BANK_ACCOUNT_NOT_NORMAL', balance: 4_000 });
    const wallet = await stack.api.inject({
      method: 'GET',
      url: `/v1/wallets/${w.walletId}`,
      headers: bearer(w.token),
    });
    expect(wallet.json()).toMatchObject({ balance: 4_000 });
    expect((await w.account()).balance).toBe(1_000);
    await agree();
  });

  it('checks the password and the wallet before anything reaches the bank', async () => {
    const w = await setUp(0, 100);
    const wrong = await post(`/v1/wallets/${w.walletId}/withdrawals`, w.token, {
      amount: 10,
      paymentPassword: 'wrong-password-1',
    });
    expect(wrong.json()).toMatchObject({ code: 'PAYMENT_PASSWORD_INVALID' });
    const tooMuch = await post(`/v1/wallets/${w.walletId}/withdrawals`, w.token, {
      amount: 101,
      paymentPassword: TEST_PAYMENT_PASSWORD,
    });
    expect(tooMuch.json()).toMatchObject({ code: 'INSUFFICIENT_BALANCE' });
    expect((await w.account()).transfers).toEqual([]);
  });

  // Last: it leaves a transfer the ledger does not know, which every later check would report.
  it('reconciles for ops through the API, audited, and reports a transfer the ledger lacks', async () => {
    const w = await setUp(10_000);
    const topUp = await post(`/v1/wallets/${w.walletId}/top-ups`, w.token, { amount: 100 });
    expect(topUp.statusCode, topUp.body).toBe(201);
    const run = () =>
      stack.api.inject({
        method: 'GET',
        url: '/v1/ops/reconciliation',
        headers: bearer(ops()),
      });
    const clean = await run();
    expect(clean.statusCode, clean.body).toBe(200);
    expect(clean.json()).toMatchObject({ ok: true, pending: [], mismatches: [] });
    expect(clean.json<{ checked: number }>().checked).toBeGreaterThan(0);
    const asOwner = await stack.api.inject({
      method: 'GET',
      url: '/v1/ops/reconciliation',
      headers: bearer(w.token),
    });
    expect(asOwner.statusCode).toBe(403);
    // Money the bank moved that no wallet movement accounts for.
    const bank = await stack.store.sandboxCoreBanking(stack.config.piiKey);
    await bank.transfer({
      transferId: 'tx_unknown_to_the_ledger',
      cardNumber: w.person.bankCardNumber,
      direction: 'DEBIT',
      amount: 7,
    });
    const off = await run();
    expect(off.statusCode, off.body).toBe(200);
    expect(off.json()).toMatchObject({
      ok: false,
      mismatches: [
        {
          transactionId: 'tx_unknown_to_the_ledger',
          ledger: null,
          bank: { status: 'APPLIED', direction: 'DEBIT', amount: 7 },
        },
      ],
    });
    const audit = await stack.api.inject({
      method: 'GET',
      url: '/v1/ops/audit?actor=ops:olga&subjectType=bank',
      headers: bearer(ops()),
    });
    expect(audit.json<{ items: unknown[] }>().items.slice(0, 2)).toMatchObject([
      { action: 'RECONCILED', detail: { ok: false, mismatches: 1 } },
      { action: 'RECONCILED', detail: { ok: true, mismatches: 0 } },
    ]);
  });
});
