// Shared by test/integration/fault-money-crash.test.ts and its child process
// (ledger-crash-child.ts): the movements they run, one clock for both, and the ledger's
// invariants as read straight from the SQLite file after a crash.
import type Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import type { DatabaseHandle } from '../../db/sqlite/client';
import { wallets } from '../../db/sqlite/schema';
import { TIER_LIMITS, type Tier } from '../../domain/tiers';
import {
  chinaDayStart,
  LedgerError,
  RISK_MAX_PAYMENTS,
  RISK_WINDOW_MS,
  type Ledger,
} from '../../db/sqlite/repositories/ledger';

export type Movement =
  | { kind: 'topUp'; walletId: string; amount: number; key: string }
  | { kind: 'withdraw'; walletId: string; amount: number; key: string }
  | { kind: 'withdrawAll'; walletId: string; key: string }
  | { kind: 'pay'; walletId: string; amount: number; merchantId: string; key: string };

/**
 * Where a single movement dies: once its first write is done (the balance, or a risk freeze's
 * status) and before the next one starts; right after its transaction row, the last write,
 * before the commit; or just after the commit, before its caller hears of it.
 */
export type CrashPoint = 'after-first-write' | 'after-transaction-row' | 'after-commit';

/** What ledger-crash-child.ts is asked to do. */
export type Job =
  | { mode: 'once'; dbFile: string; movement: Movement; crash: CrashPoint }
  | { mode: 'loop'; dbFile: string; walletIds: string[]; seed: number; keyPrefix: string };

export type Outcome =
  | { ok: true; transactionId: string; amount: number; balance: number; replayed: boolean }
  /** withdrawAll of an empty wallet: nothing recorded. */
  | { ok: true; transactionId: null }
  | { ok: false; code: string; walletFrozen: boolean };

/** Runs `m` as the API or an activity would: a refusal is an outcome, anything else throws. */
export async function runMovement(ledger: Ledger, m: Movement): Promise<Outcome> {
  try {
    const result =
      m.kind === 'topUp'
        ? await ledger.topUp(m.walletId, m.amount, m.key)
        : m.kind === 'withdraw'
          ? await ledger.withdraw(m.walletId, m.amount, m.key, null)
          : m.kind === 'withdrawAll'
            ? await ledger.withdrawAll(m.walletId, m.key)
            : await ledger.pay(m.walletId, m.amount, m.merchantId, m.key, null);
    if (!result) return { ok: true, transactionId: null };
    return {
      ok: true,
      transactionId: result.transaction.transactionId,
      amount: result.transaction.amount,
      balance: result.balance,
      replayed: result.replayed,
    };
  } catch (error) {
    if (!(error instanceof LedgerError)) throw error;
    return { ok: false, code: error.code, walletFrozen: error.details.walletFrozen === true };
  }
}

/** A deterministic pseudo-random source (mulberry32), so that a failing round can be replayed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A mix of every movement, some refused (balance, caps, limits) and some that freeze. */
export function randomMovement(random: () => number, walletIds: string[], key: string): Movement {
  const walletId = walletIds[Math.floor(random() * walletIds.length)]!;
  const amount = (max: number) => 100 * (1 + Math.floor(random() * (max / 100)));
  const r = random();
  if (r < 0.35) return { kind: 'topUp', walletId, amount: amount(300_000), key };
  if (r < 0.7) return { kind: 'pay', walletId, amount: amount(120_000), merchantId: 'm-1', key };
  if (r < 0.88) return { kind: 'withdraw', walletId, amount: amount(200_000), key };
  if (r < 0.95) return { kind: 'withdrawAll', walletId, key };
  // Over a GUARDIAN wallet's single-payment limit: refused, and the wallet frozen.
  return { kind: 'pay', walletId, amount: 250_000, merchantId: 'm-2', key };
}

const CLOCK_STEP_MS = 90_000;

/**
 * The ledger's clock for every process that writes the file: 90 s after the latest time written,
 * then 90 s per reading. Days pass within a run (daily totals restart), and a few payments in a
 * row can still trip the 10-minute velocity rule.
 */
export function ledgerClock(sqlite: Database.Database): () => Date {
  const latest = sqlite
    .prepare(
      `select max(coalesce((select max(created_at) from wallet_transactions), 0),
                  coalesce((select max(at) from audit_log), 0),
                  coalesce((select max(updated_at) from wallets), 0)) as t`,
    )
    .get() as { t: number };
  let at = Math.max(latest.t, Date.parse('2026-03-10T02:00:00Z'));
  return () => new Date((at += CLOCK_STEP_MS));
}

export function insertWallet(handle: DatabaseHandle, tier: Tier): string {
  const id = `w_${randomBytes(12).toString('hex')}`;
  const at = new Date(Date.parse('2026-03-10T00:00:00Z'));
  handle.db
    .insert(wallets)
    .values({
      id,
      applicationId: `app-${id}`,
      personId: `person-${id}`,
      tier,
      status: 'ACTIVE',
      balance: 0,
      paymentPasswordHash: 'unused: these movements are confirmed by their caller',
      createdAt: at,
      updatedAt: at,
    })
    .run();
  return id;
}

interface TxRow {
  seq: number;
  id: string;
  type: 'TOP_UP' | 'WITHDRAWAL' | 'PAYMENT';
  amount: number;
  balance_after: number;
  idempotency_key: string;
  created_at: number;
}

/**
 * Every way a half-done movement would show in the file, as readable violations (none: []), for
 * `walletIds` (default: every wallet). Wallets start empty here, so a balance is exactly the sum
 * of its movements.
 */
export function ledgerViolations(sqlite: Database.Database, walletIds?: string[]): string[] {
  const problems: string[] = [];
  const integrity = sqlite.pragma('integrity_check', { simple: true });
  if (integrity !== 'ok') problems.push(`integrity_check: ${String(integrity)}`);
  const orphans = sqlite.pragma('foreign_key_check') as unknown[];
  if (orphans.length > 0) problems.push(`foreign_key_check: ${JSON.stringify(orphans)}`);

  const walletRows = sqlite
    .prepare('select id, tier, status, balance from wallets order by id')
    .all() as { id: string; tier: Tier; status: string; balance: number }[];
  for (const w of walletRows.filter((row) => !walletIds || walletIds.includes(row.id))) {
    const limits = TIER_LIMITS[w.tier];
    const rows = sqlite
      .prepare('select * from wallet_transactions where wallet_id = ? order by seq')
      .all(w.id) as TxRow[];
    let running = 0;
    const keys = new Set<string>();
    const paidPerDay = new Map<number, number>();
    const payments: number[] = [];
    for (const row of rows) {
      const where = `wallet ${w.id} transaction ${row.seq} (${row.type} ${row.amount})`;
      if (!(row.amount > 0)) problems.push(`${where}: amount not positive`);
      running += row.type === 'TOP_UP' ? row.amount : -row.amount;
      if (row.balance_after !== running)
        problems.push(`${where}: balanceAfter ${row.balance_after}, movements sum to ${running}`);
      if (running < 0) problems.push(`${where}: balance went negative (${running})`);
      if (running > limits.balanceCap) problems.push(`${where}: over the balance cap`);
      if (keys.has(row.idempotency_key))
        problems.push(`${where}: idempotency key ${row.idempotency_key} used twice`);
      keys.add(row.idempotency_key);
      if (row.type === 'PAYMENT') {
        if (row.amount > limits.singlePayment) problems.push(`${where}: over the single limit`);
        const day = chinaDayStart(new Date(row.created_at)).getTime();
        const total = (paidPerDay.get(day) ?? 0) + row.amount;
        paidPerDay.set(day, total);
        if (total > limits.dailyPayments)
          problems.push(`${where}: day total ${total} over ${limits.dailyPayments}`);
        const recent = payments.filter((t) => t > row.created_at - RISK_WINDOW_MS).length;
        if (recent >= RISK_MAX_PAYMENTS) problems.push(`${where}: past the velocity limit`);
        payments.push(row.created_at);
      }
    }
    if (w.balance !== running)
      problems.push(`wallet ${w.id}: balance ${w.balance}, its movements sum to ${running}`);
    if (w.balance < 0) problems.push(`wallet ${w.id}: negative balance ${w.balance}`);
    // A freeze or unfreeze is a status change and its audit row, in one transaction.
    const last = sqlite
      .prepare(
        `select action from audit_log where subject_type = 'wallet' and subject_id = ?
           and action in ('WALLET_FROZEN', 'WALLET_UNFROZEN') order by id desc limit 1`,
      )
      .get(w.id) as { action: string } | undefined;
    const expected = last?.action === 'WALLET_FROZEN' ? 'FROZEN' : 'ACTIVE';
    if (w.status !== expected)
      problems.push(`wallet ${w.id}: status ${w.status}, its audit trail says ${expected}`);
  }
  return problems;
}

/** The rows holding `key` (0 or 1 for a sound ledger). */
export function rowsWithKey(sqlite: Database.Database, walletId: string, key: string): TxRow[] {
  return sqlite
    .prepare('select * from wallet_transactions where wallet_id = ? and idempotency_key = ?')
    .all(walletId, key) as TxRow[];
}
