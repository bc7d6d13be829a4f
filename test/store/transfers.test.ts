// Transfers between wallets and payment codes (SPEC §2.1) through the Store, on SQLite and on
// PostgreSQL alike: both sides in one transaction, the payer's payment rules and the payee's cap,
// many wallets paying each other at once from two connections (no deadlock, no drift), and a
// payment code charged once, whoever races for it.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LedgerError, type Ledger, type Store } from '../../db/store';
import { TIER_LIMITS, type Tier } from '../../domain/tiers';
import { hashPassword } from '../../crypto/password-hash';
import { STORES, type Harness } from './harness';

const PASSWORD = '580314';
const GUARDIAN = TIER_LIMITS.GUARDIAN;

let passwordHash: string;
beforeAll(async () => {
  passwordHash = await hashPassword(PASSWORD);
});

describe.each(STORES)('transfers and payment codes on $dialect', ({ open }) => {
  let h: Harness;
  let clock: number;
  let ledger: Ledger;

  beforeAll(async () => {
    h = await open();
  });
  afterAll(async () => {
    await h?.close();
  });
  beforeEach(() => {
    // 10:00 in Shanghai.
    clock = Date.parse('2026-03-10T02:00:00Z');
    ledger = h.store.createLedger({ now: () => new Date(clock), webhookEvents: true });
  });

  /** A wallet whose owner verified a phone (its blind index is `phone`, made up here). */
  async function newWallet(tier: Tier = 'GUARDIAN', balance = 0) {
    const id = `w_${randomBytes(12).toString('hex')}`;
    const applicationId = `app-${id}`;
    const phone = `phone-${id}`;
    await h.insertWallet({
      id,
      applicationId,
      personId: `person-${id}`,
      tier,
      status: 'ACTIVE',
      balance,
      paymentPasswordHash: passwordHash,
      createdAt: new Date(clock),
      updatedAt: new Date(clock),
    });
    const at = new Date(clock);
    await h.store.upsertApplicantLogin({
      applicationId,
      personId: `person-${id}`,
      phoneIndex: phone,
      passwordHash,
      at,
    });
    await h.store.markLoginPhoneVerified(applicationId, phone, at);
    return { id, phone };
  }

  let keySerial = 0;
  const key = () => `k-${++keySerial}`;

  async function refusal(promise: Promise<unknown>): Promise<LedgerError> {
    const error = await promise.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(LedgerError);
    return error as LedgerError;
  }

  const balance = (id: string) => ledger.balanceOf(id);

  describe('transfers', () => {
    it('debits the payer and credits the payee in one step; both histories show it', async () => {
      const payer = await newWallet('GUARDIAN', 50_000);
      const payee = await newWallet('GUARDIAN', 1_000);
      const k = key();
      const sent = await ledger.transfer(payer.id, payee.phone, 12_345, k, PASSWORD);
      expect(sent).toMatchObject({
        replayed: false,
        balance: 37_655,
        toWalletId: payee.id,
        transaction: { type: 'TRANSFER_OUT', amount: 12_345, status: 'COMPLETED' },
      });
      expect(await balance(payee.id)).toBe(13_345);
      const [incoming] = (await ledger.transactions(payee.id)).items;
      expect(incoming).toMatchObject({ type: 'TRANSFER_IN', amount: 12_345, balanceAfter: 13_345 });
      expect((await ledger.transactions(payer.id)).items[0]).toEqual(sent.transaction);

      // A retry answers the first transfer; the same key for another amount is refused.
      const again = await ledger.transfer(payer.id, payee.phone, 12_345, k, PASSWORD);
      expect(again).toEqual({ ...sent, replayed: true });
      expect((await refusal(ledger.transfer(payer.id, payee.phone, 1, k, PASSWORD))).code).toBe(
        'IDEMPOTENCY_KEY_REUSED',
      );
      expect(await balance(payee.id)).toBe(13_345);

      // The payee hears of it through the one notice queue; both sides are webhook events.
      const notices = (await h.store.pendingWalletNotices()).filter((n) => n.walletId === payee.id);
      expect(notices).toEqual([
        {
          key: `transfer-in:${incoming!.transactionId}`,
          walletId: payee.id,
          kind: 'TRANSFER_RECEIVED',
          params: { amount: '12345' },
        },
      ]);
      const events = await h.rows(
        `SELECT subject_id, status, body FROM webhook_events WHERE kind = 'transaction'`,
      );
      const bodies = events.map((e) => JSON.parse(String(e.body)) as Record<string, unknown>);
      expect(bodies).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            type: 'transaction.status_changed',
            subjectId: sent.transaction.transactionId,
            status: 'COMPLETED',
            walletId: payer.id,
            transactionType: 'TRANSFER_OUT',
          }),
          expect.objectContaining({
            subjectId: incoming!.transactionId,
            walletId: payee.id,
            transactionType: 'TRANSFER_IN',
          }),
        ]),
      );
    });

    it('refuses an unknown phone, the payer’s own, a frozen payee and a wrong password', async () => {
      const payer = await newWallet('GUARDIAN', 50_000);
      const payee = await newWallet();
      for (const phone of ['phone-nobody', payer.phone]) {
        const error = await refusal(ledger.transfer(payer.id, phone, 100, key(), PASSWORD));
        expect(error.code).toBe('RECIPIENT_NOT_FOUND');
      }
      await ledger.freeze(payee.id, 'ops:olga', 'OPS');
      expect(
        (await refusal(ledger.transfer(payer.id, payee.phone, 100, key(), PASSWORD))).code,
      ).toBe('RECIPIENT_NOT_FOUND');
      await ledger.unfreeze(payee.id, 'ops:olga');
      expect((await refusal(ledger.transfer(payer.id, payee.phone, 100, key(), 'nope'))).code).toBe(
        'PAYMENT_PASSWORD_INVALID',
      );
      expect(await balance(payer.id)).toBe(50_000);
      expect(await balance(payee.id)).toBe(0);
    });

    it('holds the payee to its balance cap without telling its balance', async () => {
      const payer = await newWallet('STANDARD', 1_000_000);
      const payee = await newWallet('GUARDIAN', GUARDIAN.balanceCap - 500);
      const error = await refusal(ledger.transfer(payer.id, payee.phone, 501, key(), PASSWORD));
      expect(error.code).toBe('LIMIT_EXCEEDED');
      expect(error.details).toEqual({ limit: 'recipientBalanceCap' });
      await ledger.transfer(payer.id, payee.phone, 500, key(), PASSWORD);
      expect(await balance(payee.id)).toBe(GUARDIAN.balanceCap);
    });

    it('shares the payer’s single, daily and velocity rules with payments', async () => {
      const big = await newWallet('GUARDIAN', GUARDIAN.balanceCap);
      const payee = await newWallet('STANDARD');
      const over = await refusal(
        ledger.transfer(big.id, payee.phone, GUARDIAN.singlePayment + 1, key(), PASSWORD),
      );
      expect(over).toMatchObject({ code: 'LIMIT_EXCEEDED', details: { walletFrozen: true } });
      expect((await ledger.summary(big.id)).status).toBe('FROZEN');

      // Daily: payments and transfers out add up to one daily limit.
      const daily = await newWallet('GUARDIAN', GUARDIAN.balanceCap);
      await ledger.pay(daily.id, GUARDIAN.singlePayment, 'm_1', key(), null);
      clock += 11 * 60_000;
      await ledger.transfer(daily.id, payee.phone, GUARDIAN.singlePayment, key(), null);
      const left = GUARDIAN.dailyPayments - 2 * GUARDIAN.singlePayment;
      clock += 11 * 60_000;
      const error = await refusal(ledger.transfer(daily.id, payee.phone, left + 1, key(), null));
      expect(error).toMatchObject({ code: 'LIMIT_EXCEEDED', details: { limit: 'dailyPayments' } });

      // Velocity: the 6th of payments and transfers within 10 minutes freezes.
      const fast = await newWallet('GUARDIAN', 10_000);
      for (let i = 0; i < 3; i++) await ledger.pay(fast.id, 10, 'm_1', key(), null);
      for (let i = 0; i < 2; i++) await ledger.transfer(fast.id, payee.phone, 10, key(), null);
      const sixth = await refusal(ledger.transfer(fast.id, payee.phone, 10, key(), null));
      expect(sixth).toMatchObject({ code: 'WALLET_FROZEN', details: { walletFrozen: true } });
    });

    it('keeps the sum exact while many pairs pay each other at once from two connections', async () => {
      const other: Store = await h.openAnother();
      const ledgers = [ledger, other.createLedger({ now: () => new Date(clock) })];
      const start = 20_000;
      const pairs = await Promise.all(
        Array.from({ length: 8 }, async () => [
          await newWallet('STANDARD', start),
          await newWallet('STANDARD', start),
        ]),
      );
      const rounds = 4;
      // Each pair: a→b and b→a at once, over and over, half from each connection. Amounts stay
      // under the velocity rule's count (4 out per wallet per window).
      const started = Date.now();
      const outcomes = await Promise.allSettled(
        pairs.flatMap(([a, b], p) =>
          Array.from({ length: rounds }, (_, r) => [
            ledgers[(p + r) % 2]!.transfer(a!.id, b!.phone, 100 + r, key(), null),
            ledgers[(p + r + 1) % 2]!.transfer(b!.id, a!.phone, 200 + r, key(), null),
          ]).flat(),
        ),
      );
      const failed = outcomes.filter((o) => o.status === 'rejected');
      expect(failed, String(failed.map((f) => f.reason))).toEqual([]);
      let sum = 0;
      for (const [a, b] of pairs) {
        const [x, y] = [await balance(a!.id), await balance(b!.id)];
        const flow = [0, 1, 2, 3].reduce((s, r) => s + (200 + r) - (100 + r), 0);
        expect(x).toBe(start + flow);
        expect(y).toBe(start - flow);
        sum += x + y;
        // Each history replays to its balance.
        const items = (await ledger.transactions(a!.id)).items;
        expect(items[0]!.balanceAfter).toBe(x);
        expect(items).toHaveLength(2 * rounds);
      }
      expect(sum).toBe(pairs.length * 2 * start);
      console.info(`${outcomes.length} crossing transfers in ${Date.now() - started} ms`);
    });
  });

  describe('payment codes', () => {
    it('pays a merchant once; a replay by the same merchant answers that payment', async () => {
      const wallet = await newWallet('GUARDIAN', 10_000);
      const { expiresAt } = await ledger.issuePaymentCode(wallet.id, 'digest-1');
      expect(Date.parse(expiresAt)).toBe(clock + 60_000);
      const k = key();
      const paid = await ledger.chargePaymentCode('digest-1', 2_500, 'm_shop', k, 'E-2026-03');
      expect(paid).toMatchObject({
        walletId: wallet.id,
        balance: 7_500,
        replayed: false,
        transaction: { type: 'PAYMENT', merchantId: 'm_shop', reference: 'E-2026-03' },
      });
      expect(await ledger.chargePaymentCode('digest-1', 2_500, 'm_shop', k, 'E-2026-03')).toEqual({
        ...paid,
        replayed: true,
      });
      for (const [merchant, k2] of [
        ['m_shop', key()],
        ['m_other', k],
      ] as const) {
        const error = await refusal(ledger.chargePaymentCode('digest-1', 2_500, merchant, k2));
        expect(error.code).toBe('PAYMENT_CODE_INVALID');
      }
      expect((await refusal(ledger.chargePaymentCode('digest-x', 1, 'm_shop', key()))).code).toBe(
        'PAYMENT_CODE_INVALID',
      );
      expect(await balance(wallet.id)).toBe(7_500);
    });

    it('expires after 60 s; a newer code sets the older aside; a refusal keeps it', async () => {
      const wallet = await newWallet('GUARDIAN', 1_000);
      await ledger.issuePaymentCode(wallet.id, 'digest-old');
      await ledger.issuePaymentCode(wallet.id, 'digest-new');
      expect((await refusal(ledger.chargePaymentCode('digest-old', 1, 'm', key()))).code).toBe(
        'PAYMENT_CODE_INVALID',
      );
      const poor = await refusal(ledger.chargePaymentCode('digest-new', 1_001, 'm', key()));
      expect(poor.code).toBe('INSUFFICIENT_BALANCE');
      await ledger.chargePaymentCode('digest-new', 1_000, 'm', key());

      await ledger.issuePaymentCode(wallet.id, 'digest-late');
      clock += 60_000;
      expect((await refusal(ledger.chargePaymentCode('digest-late', 1, 'm', key()))).code).toBe(
        'PAYMENT_CODE_EXPIRED',
      );
      // A frozen wallet issues none.
      await ledger.freeze(wallet.id, 'ops:olga', 'OPS');
      expect((await refusal(ledger.issuePaymentCode(wallet.id, 'digest-f'))).code).toBe(
        'WALLET_FROZEN',
      );
      // Closing the wallet erases its codes with its history.
      const codes = () => h.rows(`SELECT id FROM payment_codes WHERE wallet_id = '${wallet.id}'`);
      expect(await codes()).toHaveLength(3);
      await h.eraseWalletHistory(wallet.id);
      expect(await codes()).toEqual([]);
    });

    it('of merchants charging one code at once from two connections, exactly one wins', async () => {
      const other = await h.openAnother();
      const ledgers = [ledger, other.createLedger({ now: () => new Date(clock) })];
      for (let round = 0; round < 5; round++) {
        const wallet = await newWallet('GUARDIAN', 10_000);
        const digest = `race-${round}-${wallet.id}`;
        await ledger.issuePaymentCode(wallet.id, digest);
        const outcomes = await Promise.allSettled(
          Array.from({ length: 6 }, (_, i) =>
            ledgers[i % 2]!.chargePaymentCode(digest, 1_000, `m_${i}`, key()),
          ),
        );
        expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
        for (const o of outcomes)
          if (o.status === 'rejected')
            expect((o.reason as LedgerError).code).toBe('PAYMENT_CODE_INVALID');
        expect(await balance(wallet.id)).toBe(9_000);
      }
    });
  });
});
