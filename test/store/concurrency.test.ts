// Money movements racing on one wallet through two Stores on one database (two processes' pools
// on PostgreSQL, two connections on SQLite): the balance comes out exact, never below zero, and
// each idempotency key moves money once, answering the same result to every sender.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerOutcome } from '../../db/sqlite/repositories/ledger';
import type { Store } from '../../db/store';
import { STORES, type Harness } from './harness';

describe.each(STORES)('concurrent withdrawals on $dialect', ({ open }) => {
  let h: Harness;
  let other: Store;
  beforeAll(async () => {
    h = await open();
    other = await h.openAnother();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('20 keys each sent through both stores at once: 15 withdrawals of 100 from 1500', async () => {
    const walletId = `w_${randomBytes(12).toString('hex')}`;
    const at = new Date();
    await h.insertWallet({
      id: walletId,
      applicationId: `app-${walletId}`,
      personId: `person-${walletId}`,
      tier: 'GUARDIAN',
      status: 'ACTIVE',
      balance: 1500,
      paymentPasswordHash: 'unused',
      createdAt: at,
      updatedAt: at,
    });
    const ledgers = [h.store.createLedger(), other.createLedger()];
    const keys = Array.from({ length: 20 }, (_, i) => `wd-${i}`);
    const sends = keys.flatMap((key) =>
      ledgers.map((ledger) => ledgerOutcome(() => ledger.withdraw(walletId, 100, key, null))),
    );
    const outcomes = await Promise.all(sends);

    expect(outcomes.filter((o) => !o.ok).map((o) => !o.ok && o.code)).toEqual(
      Array(outcomes.filter((o) => !o.ok).length).fill('INSUFFICIENT_BALANCE'),
    );
    const moved = new Map<string, string>();
    for (const [i, key] of keys.entries()) {
      const [a, b] = [outcomes[2 * i]!, outcomes[2 * i + 1]!];
      // Both senders of one key got the same answer: one movement, or both refused.
      expect(a.ok, key).toBe(b.ok);
      if (a.ok && b.ok) {
        expect(a.value.transaction.transactionId).toBe(b.value.transaction.transactionId);
        expect([a.value.replayed, b.value.replayed].sort()).toEqual([false, true]);
        moved.set(key, a.value.transaction.transactionId);
      }
    }
    expect(moved.size).toBe(15);
    const ledger = h.store.createLedger();
    expect(await ledger.balanceOf(walletId)).toBe(0);
    const history = (await ledger.transactions(walletId, { limit: 100 })).items;
    expect(history).toHaveLength(15);
    expect(new Set(history.map((t) => t.transactionId))).toEqual(new Set(moved.values()));
    // Each movement's balance follows the one before it: no two saw the same balance.
    expect(history.map((t) => t.balanceAfter).sort((x, y) => x - y)).toEqual(
      Array.from({ length: 15 }, (_, i) => i * 100),
    );
  });
});
