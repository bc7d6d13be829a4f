// The ledger through the Store, on SQLite and on PostgreSQL alike: limits at their exact
// boundaries, idempotent replays, risk freezes, the payment password lock, and movements racing
// from two processes on their own connections to one database.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Ledger } from '../../db/store';
import { TIER_LIMITS, type Tier } from '../../domain/tiers';
import { chinaDayStart, LedgerError, ledgerOutcome } from '../../db/sqlite/repositories/ledger';
import { hashPassword, needsRehash } from '../../crypto/password-hash';
import { hashUnderOlderParameters } from '../helpers/older-hashes';
import { STORES, type Harness } from './harness';

const PASSWORD = '580314';
const GUARDIAN = TIER_LIMITS.GUARDIAN;

let passwordHash: string;
beforeAll(async () => {
  passwordHash = await hashPassword(PASSWORD);
});

describe.each(STORES)('ledger on $dialect', ({ open }) => {
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
    ledger = h.store.createLedger({ now: () => new Date(clock) });
  });

  async function newWallet(tier: Tier = 'GUARDIAN', balance = 0, hash = passwordHash) {
    const id = `w_${randomBytes(12).toString('hex')}`;
    await h.insertWallet({
      id,
      applicationId: `app-${id}`,
      personId: `person-${id}`,
      tier,
      status: 'ACTIVE',
      balance,
      paymentPasswordHash: hash,
      createdAt: new Date(clock),
      updatedAt: new Date(clock),
    });
    return id;
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

  /** The wallet's audit rows, oldest first. */
  async function walletAudit(walletId: string) {
    const rows = await h.store.auditPage({
      subjectType: 'wallet',
      subjectId: walletId,
      limit: 100,
    });
    return rows.reverse();
  }

  const statusOf = async (walletId: string) => (await ledger.summary(walletId)).status;

  /** The owner notices queued, in the freezing transactions, for wallet `w`. */
  const noticesOf = async (w: string) =>
    (await h.store.pendingWalletNotices()).filter((n) => n.walletId === w);

  const race = (count: number, job: (name: string) => RacerJob) => raceOn(h, count, job);

  describe('amounts', () => {
    it.each([0, -1, 1.5, Number.NaN, 2 ** 53])('refuses %s fen', async (amount) => {
      const w = await newWallet();
      expect((await refusal(ledger.topUp(w, amount, key()))).code).toBe('INVALID_INPUT');
      expect(await ledger.balanceOf(w)).toBe(0);
    });

    it('refuses an unknown wallet', async () => {
      expect((await refusal(ledger.topUp('w_nope', 1, key()))).code).toBe('NOT_FOUND');
    });
  });

  describe('balance cap', () => {
    it('may be reached exactly but not passed by one fen', async () => {
      const w = await newWallet('GUARDIAN');
      await ledger.topUp(w, GUARDIAN.balanceCap - 1, key());
      const over = await refusal(ledger.topUp(w, 2, key()));
      expect(over).toMatchObject({ code: 'LIMIT_EXCEEDED', details: { available: 1 } });
      const exact = await ledger.topUp(w, 1, key());
      expect(exact.balance).toBe(GUARDIAN.balanceCap);
      expect((await refusal(ledger.topUp(w, 1, key()))).code).toBe('LIMIT_EXCEEDED');
      expect(await ledger.balanceOf(w)).toBe(GUARDIAN.balanceCap);
      // A refused top-up is not a risk event.
      expect(await statusOf(w)).toBe('ACTIVE');
    });
  });

  describe('payments', () => {
    it('may be exactly the single-payment limit; one fen more is refused and freezes', async () => {
      const w = await newWallet('GUARDIAN', GUARDIAN.balanceCap);
      const ok = await ledger.pay(w, GUARDIAN.singlePayment, 'm1', key(), null);
      expect(ok.transaction).toMatchObject({
        type: 'PAYMENT',
        amount: GUARDIAN.singlePayment,
        merchantId: 'm1',
        status: 'COMPLETED',
      });
      expect(await statusOf(w)).toBe('ACTIVE');

      const over = await refusal(ledger.pay(w, GUARDIAN.singlePayment + 1, 'm1', key(), null));
      expect(over).toMatchObject({
        code: 'LIMIT_EXCEEDED',
        details: { limit: 'singlePayment', walletFrozen: true },
      });
      expect(await ledger.balanceOf(w)).toBe(GUARDIAN.balanceCap - GUARDIAN.singlePayment);
      expect(await ledger.summary(w)).toMatchObject({
        status: 'FROZEN',
        frozenReason: 'SINGLE_PAYMENT_LIMIT',
      });
      expect(await walletAudit(w)).toMatchObject([
        {
          action: 'WALLET_FROZEN',
          actor: 'risk-monitor',
          detail: { reason: 'SINGLE_PAYMENT_LIMIT' },
        },
      ]);
      expect(await noticesOf(w)).toMatchObject([{ kind: 'WALLET_FROZEN', walletId: w }]);
    });

    it('refuses more than the balance, and moves nothing', async () => {
      const w = await newWallet('GUARDIAN', 999);
      const short = await refusal(ledger.pay(w, 1000, 'm1', key(), null));
      expect(short).toMatchObject({ code: 'INSUFFICIENT_BALANCE' });
      expect((await refusal(ledger.withdraw(w, 1000, key(), null))).code).toBe(
        'INSUFFICIENT_BALANCE',
      );
      expect(await ledger.balanceOf(w)).toBe(999);
      expect((await ledger.pay(w, 999, 'm1', key(), null)).balance).toBe(0);
      expect((await ledger.transactions(w)).items).toHaveLength(1);
    });

    it('counts the daily total per Shanghai calendar day, which starts at 16:00 UTC', async () => {
      const w = await newWallet('GUARDIAN', GUARDIAN.balanceCap);
      clock = Date.parse('2026-03-10T15:50:00Z');
      await ledger.pay(w, GUARDIAN.singlePayment, 'm1', key(), null);
      clock += 60_000;
      await ledger.pay(w, GUARDIAN.singlePayment, 'm1', key(), null);
      clock += 60_000;
      const third = GUARDIAN.dailyPayments - 2 * GUARDIAN.singlePayment;
      await ledger.pay(w, third - 1, 'm1', key(), null);
      // The day's total reaches the limit exactly...
      await ledger.pay(w, 1, 'm1', key(), null);
      // ...and one fen more is refused, without a freeze, up to the last millisecond of the day.
      clock = Date.parse('2026-03-10T15:59:59.999Z');
      const over = await refusal(ledger.pay(w, 1, 'm1', key(), null));
      expect(over).toMatchObject({
        code: 'LIMIT_EXCEEDED',
        details: { limit: 'dailyPayments', available: 0 },
      });
      expect(await statusOf(w)).toBe('ACTIVE');
      clock = Date.parse('2026-03-10T16:00:00.000Z');
      expect((await ledger.pay(w, 1, 'm1', key(), null)).transaction.amount).toBe(1);
    });

    it('computes the Shanghai day start', () => {
      expect(chinaDayStart(new Date('2026-03-10T15:59:59.999Z')).toISOString()).toBe(
        '2026-03-09T16:00:00.000Z',
      );
      expect(chinaDayStart(new Date('2026-03-10T16:00:00.000Z')).toISOString()).toBe(
        '2026-03-10T16:00:00.000Z',
      );
    });
  });

  describe('risk monitoring', () => {
    it('freezes on the 6th payment within 10 minutes, refusing it WALLET_FROZEN', async () => {
      const w = await newWallet('STANDARD', 100_000);
      for (let i = 0; i < 5; i++) {
        await ledger.pay(w, 100, 'm1', key(), null);
        clock += 60_000;
      }
      const sixth = await refusal(ledger.pay(w, 100, 'm1', key(), null));
      expect(sixth).toMatchObject({ code: 'WALLET_FROZEN', details: { walletFrozen: true } });
      expect(await ledger.balanceOf(w)).toBe(100_000 - 500);
      expect(await ledger.summary(w)).toMatchObject({
        status: 'FROZEN',
        frozenReason: 'PAYMENT_VELOCITY',
      });
      expect(await noticesOf(w)).toMatchObject([{ kind: 'WALLET_FROZEN' }]);

      // Frozen: no money moves, whichever way.
      expect((await refusal(ledger.topUp(w, 1, key()))).code).toBe('WALLET_FROZEN');
      expect((await refusal(ledger.withdraw(w, 1, key(), PASSWORD))).code).toBe('WALLET_FROZEN');
      expect((await refusal(ledger.pay(w, 1, 'm1', key(), PASSWORD))).code).toBe('WALLET_FROZEN');
      expect((await refusal(ledger.withdrawAll(w, key()))).code).toBe('WALLET_FROZEN');

      await ledger.unfreeze(w, 'ops:olga', 'customer called');
      expect(await statusOf(w)).toBe('ACTIVE');
      expect((await walletAudit(w)).map((a) => [a.action, a.actor])).toEqual([
        ['WALLET_FROZEN', 'risk-monitor'],
        ['WALLET_UNFROZEN', 'ops:olga'],
      ]);
      expect((await noticesOf(w)).map((n) => n.kind)).toEqual(['WALLET_FROZEN', 'WALLET_UNFROZEN']);
      // Ten minutes after the first payment it has left the window.
      clock = Date.parse('2026-03-10T02:10:00Z');
      expect((await ledger.topUp(w, 1, key())).balance).toBe(100_000 - 500 + 1);
      expect((await ledger.pay(w, 100, 'm1', key(), null)).replayed).toBe(false);
    });

    it('allows a 6th payment exactly 10 minutes after the first', async () => {
      const w = await newWallet('STANDARD', 100_000);
      for (let i = 0; i < 5; i++) {
        await ledger.pay(w, 100, 'm1', key(), null);
        clock += 60_000;
      }
      clock = Date.parse('2026-03-10T02:10:00Z');
      await ledger.pay(w, 100, 'm1', key(), null);
      expect(await statusOf(w)).toBe('ACTIVE');
      // ...but not a 7th a moment later: payments 2–6 plus this one are 6 in 10 minutes.
      clock += 1;
      expect((await refusal(ledger.pay(w, 100, 'm1', key(), null))).code).toBe('WALLET_FROZEN');
    });

    it('audits ops freezes; freezing twice or unfreezing an active wallet changes nothing', async () => {
      const w = await newWallet();
      await ledger.freeze(w, 'ops:olga', 'court order');
      await ledger.freeze(w, 'ops:olga', 'again');
      expect(await ledger.summary(w)).toMatchObject({
        status: 'FROZEN',
        frozenReason: 'court order',
      });
      await ledger.unfreeze(w, 'ops:olga');
      await ledger.unfreeze(w, 'ops:olga');
      expect(await walletAudit(w)).toMatchObject([
        { action: 'WALLET_FROZEN', actor: 'ops:olga', detail: { reason: 'court order' } },
        { action: 'WALLET_UNFROZEN', actor: 'ops:olga' },
      ]);
    });
  });

  describe('idempotency', () => {
    it('answers a replay with the first result and moves money once', async () => {
      const w = await newWallet('GUARDIAN', 0);
      const first = await ledger.topUp(w, 5000, 'same');
      const again = await ledger.topUp(w, 5000, 'same');
      expect(again).toEqual({ ...first, replayed: true });
      expect(await ledger.balanceOf(w)).toBe(5000);

      const paid = await ledger.pay(w, 1000, 'm1', 'pay-1', PASSWORD);
      await ledger.topUp(w, 7, key());
      // The replay answers the balance right after the first payment, not today's.
      const repaid = await ledger.pay(w, 1000, 'm1', 'pay-1', PASSWORD);
      expect(repaid).toEqual({ ...paid, replayed: true });
      expect(repaid.balance).toBe(4000);
      expect(await ledger.balanceOf(w)).toBe(4007);
      expect((await ledger.transactions(w)).items).toHaveLength(3);
    });

    it('refuses the same key for a different request', async () => {
      const w = await newWallet('GUARDIAN', 10_000);
      await ledger.pay(w, 1000, 'm1', 'k', null);
      // One at a time: a refusal not awaited yet would be an unhandled rejection.
      for (const other of [
        () => ledger.pay(w, 1001, 'm1', 'k', null),
        () => ledger.pay(w, 1000, 'm2', 'k', PASSWORD),
        () => ledger.withdraw(w, 1000, 'k', null),
        () => ledger.topUp(w, 1000, 'k'),
      ])
        expect((await refusal(other())).code).toBe('IDEMPOTENCY_KEY_REUSED');
      expect(await ledger.balanceOf(w)).toBe(9000);
    });

    it('keys are per wallet', async () => {
      const a = await newWallet();
      const b = await newWallet();
      await ledger.topUp(a, 10, 'k');
      expect((await ledger.topUp(b, 20, 'k')).replayed).toBe(false);
    });

    it('withdraws everything once per key, and nothing from an empty wallet', async () => {
      const w = await newWallet('GUARDIAN', 4321);
      const first = await ledger.withdrawAll(w, 'dereg-1');
      expect(first).toMatchObject({
        balance: 0,
        transaction: { type: 'WITHDRAWAL', amount: 4321 },
        replayed: false,
      });
      await ledger.topUp(w, 5, key());
      expect(await ledger.withdrawAll(w, 'dereg-1')).toEqual({ ...first, replayed: true });
      expect(await ledger.balanceOf(w)).toBe(5);
      expect(await ledger.withdrawAll(await newWallet(), 'dereg-1')).toBeNull();
      expect(await ledgerOutcome(() => ledger.withdrawAll('w_nope', 'x'))).toMatchObject({
        ok: false,
        code: 'NOT_FOUND',
      });
      expect(await ledger.pendingCount(w)).toBe(0);
    });
  });

  describe('payment password', () => {
    it('locks payments and withdrawals for 24 h after 5 wrong in a row', async () => {
      const w = await newWallet('GUARDIAN', 10_000);
      for (let left = 4; left >= 1; left--) {
        const wrong = await refusal(ledger.pay(w, 100, 'm1', key(), '000000'));
        expect(wrong).toMatchObject({
          code: 'PAYMENT_PASSWORD_INVALID',
          details: { attemptsLeft: left },
        });
      }
      const fifth = await refusal(ledger.withdraw(w, 100, key(), '000000'));
      expect(fifth.code).toBe('PAYMENT_PASSWORD_LOCKED');
      const lockedUntil = new Date(clock + 24 * 3600_000).toISOString();
      expect(fifth.details).toMatchObject({ lockedUntil });
      // Even the right password is refused while locked, and no money moved.
      const locked = await refusal(ledger.pay(w, 100, 'm1', key(), PASSWORD));
      expect(locked).toMatchObject({ code: 'PAYMENT_PASSWORD_LOCKED', details: { lockedUntil } });
      expect(await ledger.balanceOf(w)).toBe(10_000);
      expect((await walletAudit(w)).map((a) => a.action)).toEqual(['PAYMENT_PASSWORD_LOCKED']);
      // Top-ups need no password.
      await ledger.topUp(w, 1, key());

      clock += 24 * 3600_000 - 1;
      expect((await refusal(ledger.verifyPaymentPassword(w, PASSWORD))).code).toBe(
        'PAYMENT_PASSWORD_LOCKED',
      );
      clock += 1;
      expect((await ledger.pay(w, 100, 'm1', key(), PASSWORD)).balance).toBe(10_000 + 1 - 100);
      // The count starts afresh after the lock.
      const wrong = await refusal(ledger.verifyPaymentPassword(w, '111111'));
      expect(wrong.details).toMatchObject({ attemptsLeft: 4 });
    });

    it('a right password resets the count of wrong ones', async () => {
      const w = await newWallet();
      for (let i = 0; i < 4; i++) await refusal(ledger.verifyPaymentPassword(w, '000000'));
      await ledger.verifyPaymentPassword(w, PASSWORD);
      const wrong = await refusal(ledger.verifyPaymentPassword(w, '000000'));
      expect(wrong.details).toMatchObject({ attemptsLeft: 4 });
    });

    it('replaces a hash under older parameters on the first right password, not on a wrong one', async () => {
      const older = await hashUnderOlderParameters(PASSWORD);
      const w = await newWallet('GUARDIAN', 10_000, older);
      const stored = () => h.paymentPasswordHash(w);
      await refusal(ledger.pay(w, 100, 'm1', key(), '000000'));
      expect(await stored()).toBe(older);
      expect((await ledger.pay(w, 100, 'm1', key(), PASSWORD)).balance).toBe(9_900);
      const upgraded = await stored();
      expect(upgraded).toMatch(/^\$argon2id\$/);
      expect(needsRehash(upgraded)).toBe(false);
      // The new hash is of the same password, and the count of wrong ones was reset.
      await ledger.verifyPaymentPassword(w, PASSWORD);
      expect((await refusal(ledger.verifyPaymentPassword(w, '000000'))).details).toMatchObject({
        attemptsLeft: 4,
      });
      expect(await stored()).toBe(upgraded);
    });

    it('counts guesses sent in parallel like guesses sent one by one', async () => {
      const w = await newWallet();
      const guesses = await Promise.all(
        Array.from({ length: 8 }, (_, i) => refusal(ledger.verifyPaymentPassword(w, `00000${i}`))),
      );
      expect(guesses.every((g) => g.code.startsWith('PAYMENT_PASSWORD_'))).toBe(true);
      expect(guesses.filter((g) => g.code === 'PAYMENT_PASSWORD_INVALID').length).toBeLessThan(5);
      expect((await refusal(ledger.verifyPaymentPassword(w, PASSWORD))).code).toBe(
        'PAYMENT_PASSWORD_LOCKED',
      );
    });
  });

  describe('history', () => {
    it('pages newest first', async () => {
      const w = await newWallet('GUARDIAN');
      for (let i = 1; i <= 5; i++) await ledger.topUp(w, i, key());
      const first = await ledger.transactions(w, { limit: 2 });
      expect(first.items.map((t) => t.amount)).toEqual([5, 4]);
      expect(first.items[0]).toMatchObject({ type: 'TOP_UP', balanceAfter: 15 });
      const second = await ledger.transactions(w, { limit: 2, cursor: first.nextCursor! });
      expect(second.items.map((t) => t.amount)).toEqual([3, 2]);
      const last = await ledger.transactions(w, { limit: 2, cursor: second.nextCursor! });
      expect(last.items.map((t) => t.amount)).toEqual([1]);
      expect(last.nextCursor).toBeUndefined();
      expect(await h.eraseWalletHistory(w)).toBe(5);
      expect((await ledger.transactions(w)).items).toEqual([]);
    });
  });

  describe('concurrency', () => {
    it('in one process: payments that together exceed the balance, exactly one wins', async () => {
      const w = await newWallet('GUARDIAN', 1000);
      const results = await Promise.all(
        [1, 2, 3].map((i) => ledgerOutcome(() => ledger.pay(w, 600, 'm1', `race-${i}`, PASSWORD))),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(results.filter((r) => !r.ok).map((r) => !r.ok && r.code)).toEqual([
        'INSUFFICIENT_BALANCE',
        'INSUFFICIENT_BALANCE',
      ]);
      expect(await ledger.balanceOf(w)).toBe(400);
    });

    it('across two processes on two connections: exactly one payment wins per wallet', async () => {
      const raced = await Promise.all(
        Array.from({ length: 40 }, () => newWallet('GUARDIAN', 1000)),
      );
      const outcomes = await race(2, (name) => ({
        walletIds: raced,
        rounds: 1,
        op: 'pay',
        amount: 600,
        keyPrefix: `pay-${name}`,
        slotMs: 8,
      }));
      for (const [i, w] of raced.entries()) {
        const mine = outcomes.map((o) => o[i]);
        expect(
          mine.filter((r) => r === 'ok'),
          w,
        ).toHaveLength(1);
        expect(
          mine.filter((r) => r === 'INSUFFICIENT_BALANCE'),
          w,
        ).toHaveLength(1);
        expect(await ledger.balanceOf(w)).toBe(400);
        expect((await ledger.transactions(w)).items).toHaveLength(1);
      }
    });

    it('across two processes: interleaved withdrawals never take the balance below zero', async () => {
      const w = await newWallet('GUARDIAN', 300);
      const outcomes = await race(2, (name) => ({
        walletIds: [w],
        rounds: 250,
        op: 'withdraw',
        amount: 1,
        keyPrefix: `wd-${name}`,
        slotMs: 3,
      }));
      const wins = outcomes.map((o) => o.filter((r) => r === 'ok').length);
      expect(wins[0]! + wins[1]!).toBe(300);
      // Each process has 250 attempts for 300 fen: both won, so both wrote to the one wallet.
      expect(wins.every((n) => n >= 50)).toBe(true);
      expect(outcomes.flat().filter((r) => r !== 'ok' && r !== 'INSUFFICIENT_BALANCE')).toEqual([]);
      expect(await ledger.balanceOf(w)).toBe(0);
      const history = (await ledger.transactions(w, { limit: 100 })).items;
      expect(history.every((t) => t.balanceAfter >= 0)).toBe(true);
    });
  });
});

const ledgerModule = fileURLToPath(
  new URL('../../db/sqlite/repositories/ledger.ts', import.meta.url),
);
const openStoreModule = fileURLToPath(new URL('../../db/open-store.ts', import.meta.url));

interface RacerJob {
  walletIds: string[];
  rounds: number;
  op: 'pay' | 'withdraw';
  amount: number;
  keyPrefix: string;
  /** Milliseconds between the racers' shared start times of successive attempts (0: none). */
  slotMs: number;
}

/**
 * Separate Node processes, each with its own connection to the test database, released at the
 * same moment: each says "ready" once its modules are loaded, and all are given one start time.
 */
async function raceOn(
  h: Harness,
  count: number,
  job: (name: string) => RacerJob,
): Promise<string[][]> {
  const children = Array.from({ length: count }, (_, i) => racer(h, job(`r${i}`)));
  await Promise.all(children.map((c) => c.ready));
  const startAt = Number(process.hrtime.bigint()) + 100e6;
  for (const c of children) c.go(startAt);
  return Promise.all(children.map((c) => c.done));
}

function racer(h: Harness, job: RacerJob) {
  const script = `
    const { openStore } = await import(${JSON.stringify(openStoreModule)});
    const { ledgerOutcome } = await import(${JSON.stringify(ledgerModule)});
    const job = ${JSON.stringify(job)};
    const store = await openStore(${JSON.stringify(h.location)});
    const ledger = store.createLedger();
    process.stdout.write('ready\\n');
    // Nanoseconds of the system-wide monotonic clock, which all processes read alike.
    const startAt = await new Promise((resolve) =>
      process.stdin.once('data', (line) => resolve(Number(String(line)))),
    );
    const out = [];
    let slot = 0;
    for (let round = 0; round < job.rounds; round++)
      for (const id of job.walletIds) {
        // Time slots shared by all racers, so that each wallet is hit by all of them at once,
        // with a jitter well under a transaction's length so that no racer always comes first.
        const target = startAt + (slot + Math.random() / 2) * job.slotMs * 1e6;
        while (Number(process.hrtime.bigint()) < target);
        slot++;
        const key = job.keyPrefix + '-' + round;
        const r = await ledgerOutcome(() =>
          job.op === 'pay'
            ? ledger.pay(id, job.amount, 'm1', key, null)
            : ledger.withdraw(id, job.amount, key, null),
        );
        out.push(r.ok ? 'ok' : r.code);
      }
    await store.close();
    process.stdout.write(JSON.stringify(out));
    process.exit(0);
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (stdout.startsWith('ready\n')) onReady();
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<string[]>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`racer exited ${code}: ${stderr}`));
      else resolve(JSON.parse(stdout.slice('ready\n'.length)) as string[]);
    });
  });
  // A racer that dies before it is ready must fail the test, not hang it.
  void done.catch(() => onReady());
  return { ready, done, go: (startAt: number) => child.stdin.write(`${startAt}\n`) };
}
