// Durability of money (issue 7): a process killed in the middle of a money movement leaves no
// half of it in the database. Every movement is one IMMEDIATE SQLite transaction (db/sqlite/repositories/ledger.ts);
// here a separate Node process runs real movements on a real file and dies by SIGKILL inside
// one, at a chosen write or at random moments, and the file is then checked from the outside.
import { and, eq } from 'drizzle-orm';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../db/sqlite/client';
import { auditLog, wallets } from '../../db/sqlite/schema';
import { TIER_LIMITS } from '../../domain/tiers';
import { createLedger } from '../../db/sqlite/repositories/ledger';
import {
  insertWallet,
  ledgerClock,
  ledgerViolations,
  rowsWithKey,
  runMovement,
  seeded,
  type CrashPoint,
  type Job,
  type Movement,
  type Outcome,
} from '../helpers/ledger-crash';
import { runTs, waitFor } from '../helpers/processes';

let dir: string;
let dbFile: string;
let handle: DatabaseHandle;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wallet-money-crash-'));
  dbFile = join(dir, 'app.db');
  handle = openDatabase(dbFile);
});
afterAll(() => {
  handle?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

type ChildEvent =
  | { event: 'ready' }
  | { event: 'survived'; outcome: Outcome }
  | { event: 'begin'; movement: Movement }
  | { event: 'wrote'; what: string }
  | { event: 'done'; key: string; outcome: Outcome }
  | { event: 'unfrozen'; walletId: string };

/** Starts the child on `job`; `killAfterMs` after it is ready the parent kills it (loop mode). */
async function runChild(job: Job, killAfterMs?: number) {
  const child = runTs('test/helpers/ledger-crash-child.ts', {}, [JSON.stringify(job)]);
  const events = () =>
    child
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as ChildEvent);
  await waitFor(
    async () => events().some((e) => e.event === 'ready') || child.child.exitCode !== null,
    60_000,
    'the ledger child',
  );
  if (killAfterMs !== undefined) {
    await new Promise((r) => setTimeout(r, killAfterMs));
    child.child.kill('SIGKILL');
  }
  await child.exited;
  const signal = child.child.signalCode;
  expect(signal, `the child was to die by SIGKILL; its output:\n${child.output()}`).toBe('SIGKILL');
  return events();
}

/** The parent's own ledger on the file, its clock after whatever the child wrote. */
function parentLedger() {
  return createLedger(handle.db, { now: ledgerClock(handle.sqlite) });
}

function balanceOf(walletId: string): number {
  return handle.db.select().from(wallets).where(eq(wallets.id, walletId)).get()!.balance;
}

/** A wallet with 1,000.00 yuan in it, topped up by the parent. */
async function fundedWallet(): Promise<string> {
  const walletId = insertWallet(handle, 'STANDARD');
  const funded = await runMovement(parentLedger(), {
    kind: 'topUp',
    walletId,
    amount: 100_000,
    key: `fund-${walletId}`,
  });
  expect(funded).toMatchObject({ ok: true, replayed: false });
  return walletId;
}

const MOVEMENTS: Record<string, (walletId: string, key: string) => Movement> = {
  'a top-up': (walletId, key) => ({ kind: 'topUp', walletId, amount: 25_000, key }),
  'a withdrawal': (walletId, key) => ({ kind: 'withdraw', walletId, amount: 30_000, key }),
  'a withdraw-all': (walletId, key) => ({ kind: 'withdrawAll', walletId, key }),
  'a payment': (walletId, key) => ({
    kind: 'pay',
    walletId,
    amount: 40_000,
    merchantId: 'merchant-1',
    key,
  }),
};
const DELTA: Record<Movement['kind'], (balance: number) => number> = {
  topUp: () => 25_000,
  withdraw: () => -30_000,
  withdrawAll: (balance) => -balance,
  pay: () => -40_000,
};
const CRASH_POINTS: CrashPoint[] = ['after-first-write', 'after-transaction-row', 'after-commit'];

describe('a crash inside one money movement', () => {
  const cases = Object.keys(MOVEMENTS).flatMap((name) =>
    CRASH_POINTS.map((crash) => [name, crash] as const),
  );

  it.each(cases)('%s killed %s', async (name, crash) => {
    const walletId = await fundedWallet();
    const key = `crash-${name.replace(/\W/g, '')}-${crash}`;
    const movement = MOVEMENTS[name]!(walletId, key);
    const before = balanceOf(walletId);

    const events = await runChild({ mode: 'once', dbFile, movement, crash });
    expect(events.map((e) => e.event)).toEqual(['ready']);

    expect(ledgerViolations(handle.sqlite, [walletId])).toEqual([]);
    const committed = crash === 'after-commit';
    // Inside the transaction: nothing of it, the key still free. After commit: all of it.
    expect(rowsWithKey(handle.sqlite, walletId, key)).toHaveLength(committed ? 1 : 0);
    const moved = before + DELTA[movement.kind](before);
    expect(balanceOf(walletId)).toBe(committed ? moved : before);

    // The caller never got an answer and retries the same request: it moves money once.
    const retried = await runMovement(parentLedger(), movement);
    expect(retried).toMatchObject({ ok: true, replayed: committed, balance: moved });
    const again = await runMovement(parentLedger(), movement);
    expect(again).toEqual({ ...retried, replayed: true });
    expect(rowsWithKey(handle.sqlite, walletId, key)).toHaveLength(1);
    expect(balanceOf(walletId)).toBe(moved);
    expect(ledgerViolations(handle.sqlite, [walletId])).toEqual([]);
  });

  it('a risk freeze killed between the freeze and its audit row leaves neither', async () => {
    const walletId = await fundedWallet();
    const movement: Movement = {
      kind: 'pay',
      walletId,
      amount: TIER_LIMITS.STANDARD.singlePayment + 100,
      merchantId: 'merchant-1',
      key: 'crash-freeze',
    };
    const frozenRows = () =>
      handle.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.subjectId, walletId), eq(auditLog.action, 'WALLET_FROZEN')))
        .all();

    await runChild({ mode: 'once', dbFile, movement, crash: 'after-first-write' });
    expect(ledgerViolations(handle.sqlite, [walletId])).toEqual([]);
    const wallet = handle.db.select().from(wallets).where(eq(wallets.id, walletId)).get()!;
    expect(wallet).toMatchObject({ status: 'ACTIVE', frozenReason: null, balance: 100_000 });
    expect(frozenRows()).toEqual([]);

    // Sent again, the payment is refused and the wallet frozen, with its audit row, once.
    const retried = await runMovement(parentLedger(), movement);
    expect(retried).toEqual({ ok: false, code: 'LIMIT_EXCEEDED', walletFrozen: true });
    expect(frozenRows()).toHaveLength(1);
    expect(rowsWithKey(handle.sqlite, walletId, movement.key)).toEqual([]);
    expect(ledgerViolations(handle.sqlite, [walletId])).toEqual([]);
  });
});

describe('a process killed at random moments while it moves money', () => {
  it('never leaves a half-done movement, loses no committed one, and retries once', async () => {
    const walletIds = [insertWallet(handle, 'GUARDIAN'), insertWallet(handle, 'STANDARD')];
    const random = seeded(20_260_310);
    let reported = 0;
    let midTransaction = 0;
    for (let round = 0; round < 8; round++) {
      const killAfterMs = 50 + Math.floor(random() * 400);
      const keyPrefix = `r${round}`;
      const events = await runChild(
        { mode: 'loop', dbFile, walletIds, seed: round + 1, keyPrefix },
        killAfterMs,
      );
      const context = `round ${round}, killed ${killAfterMs} ms in`;
      expect(ledgerViolations(handle.sqlite, walletIds), context).toEqual([]);

      // Every movement the child was told about is in the file, exactly as it was told.
      for (const e of events) {
        if (e.event !== 'done') continue;
        const movedBy = walletIds.flatMap((w) => rowsWithKey(handle.sqlite, w, e.key));
        if (e.outcome.ok && e.outcome.transactionId) {
          expect(
            movedBy.map((r) => r.id),
            context,
          ).toEqual([e.outcome.transactionId]);
          reported += 1;
        } else {
          expect(movedBy, context).toEqual([]);
        }
      }

      // The movement it was in the middle of, if any: all or nothing, then retried once.
      const begun = events.filter((e) => e.event === 'begin');
      const last = begun[begun.length - 1];
      if (!last || events.some((e) => e.event === 'done' && e.key === last.movement.key)) continue;
      const { movement } = last;
      const found = rowsWithKey(handle.sqlite, movement.walletId, movement.key);
      expect(found.length, context).toBeLessThanOrEqual(1);
      const wroteInside = events.slice(events.indexOf(last)).some((e) => e.event === 'wrote');
      if (found.length === 0 && wroteInside) midTransaction += 1;

      const retried = await runMovement(parentLedger(), movement);
      const after = rowsWithKey(handle.sqlite, movement.walletId, movement.key);
      if (found.length === 1) {
        // It had committed: the retry answers that movement and moves nothing more.
        expect(retried, context).toMatchObject({ ok: true, transactionId: found[0]!.id });
        expect(retried.ok && retried.transactionId !== null && retried.replayed).toBe(true);
      } else if (retried.ok && retried.transactionId) {
        expect(retried.replayed, context).toBe(false);
        expect(
          after.map((r) => r.id),
          context,
        ).toEqual([retried.transactionId]);
        const again = await runMovement(parentLedger(), movement);
        expect(again, context).toEqual({ ...retried, replayed: true });
      } else {
        // Refused this time (balance, a limit, a freeze): still nothing under its key.
        expect(after, context).toEqual([]);
      }
      if (!retried.ok)
        await parentLedger().unfreeze(movement.walletId, 'ops:crash-test', 'cleared by test');
      expect(ledgerViolations(handle.sqlite, walletIds), context).toEqual([]);
    }
    // The rounds did real work, and the kills did land inside open transactions.
    expect(reported).toBeGreaterThanOrEqual(16);
    expect(midTransaction).toBeGreaterThanOrEqual(1);
  });
});
