// Money movements under faults (SPEC §2, issue 25), with real processes: a worker process and an
// API against the example core bank (scripts/example-core-bank.ts, SANDBOX=0) and a real Temporal
// server. The bank applies a transfer and its answer is lost; the bank is down (for seconds
// here: BANK_RETRY_* make the retries 200 ms..1 s instead of 1 s..60 s, so an outage of minutes
// and one of seconds differ only in the number of retries); the worker is killed between the
// two legs; the API is killed after starting one. Every movement ends COMPLETED or FAILED, and
// the reconciliation finds the ledger and the bank agree.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { httpCoreBanking } from '../../adapters/core-banking';
import { reconcile } from '../../adapters/reconciliation';
import { buildApi } from '../../api/build';
import { signStaffToken } from '../../api/tokens';
import { loadConfig, type Config } from '../../config/config';
import { openStore } from '../../db/open-store';
import { movementTransactionId, type Store } from '../../db/store';
import { startExampleCoreBank, type ExampleCoreBank } from '../../scripts/example-core-bank';
import { walletWithCard } from '../helpers/money';
import { bearer, TEST_PAYMENT_PASSWORD } from '../helpers/onboarding';
import { freePort } from '../helpers/ports';
import { freshPostgresUrl } from '../helpers/postgres';
import { runTs, waitFor, type RunningProcess } from '../helpers/processes';

let bank: ExampleCoreBank;
let env: Record<string, string>;
let config: Config;
let store: Store;
let api: Awaited<ReturnType<typeof buildApi>>;
let worker: RunningProcess;
const cleanups: (() => Promise<unknown> | void)[] = [];

async function startWorker(): Promise<RunningProcess> {
  const started = runTs('worker.ts', env);
  cleanups.push(() => started.stop('SIGKILL'));
  await waitFor(
    async () => started.output().includes('polling task queue'),
    120_000,
    'the worker',
  ).catch((error: Error) => {
    throw new Error(`${error.message}; its output:\n${started.output().slice(-2000)}`);
  });
  return started;
}

beforeAll(async () => {
  bank = await startExampleCoreBank();
  cleanups.push(() => bank.close());
  const dataDir = mkdtempSync(join(tmpdir(), 'wallet-bank-faults-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  env = {
    DATA_DIR: dataDir,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_TASK_QUEUE: `bank-faults-${randomUUID()}`,
    LOG_LEVEL: 'silent',
    SANDBOX: '0',
    CORE_BANKING_URL: bank.url,
    // Nothing here sends texts; the gateway only has to be configured.
    SMS_WEBHOOK_URL: `${bank.url}/sms`,
    BANK_RETRY_INITIAL_MS: '200',
    BANK_RETRY_MAX_MS: '1000',
    BANK_ATTEMPT_TIMEOUT_MS: '3000',
    MONEY_ANSWER_WITHIN_MS: '2000',
    // In the PostgreSQL project, every process shares a fresh database of the run's cluster.
    ...(process.env.TEST_DATABASE === 'postgres' ? { DATABASE_URL: await freshPostgresUrl() } : {}),
  };
  config = loadConfig(env);
  store = await openStore(config);
  cleanups.push(() => store.close());
  api = await buildApi(config, { logger: false });
  cleanups.push(() => api.close());
  worker = await startWorker();
}, 180_000);

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function wallet(bankBalance = 1_000_000, walletBalance = 0) {
  const w = await walletWithCard(store, config, { balance: walletBalance });
  bank.addAccount({
    cardNumber: w.person.bankCardNumber,
    holderName: w.person.name,
    idNumber: w.person.idNumber,
    status: 'NORMAL',
    realNameVerified: true,
    balance: bankBalance,
  });
  return { ...w, bankBalance: () => bank.accounts.get(w.person.bankCardNumber)!.balance };
}

const topUp = (w: { walletId: string; token: string }, amount: number, key: string) =>
  api.inject({
    method: 'POST',
    url: `/v1/wallets/${w.walletId}/top-ups`,
    headers: { ...bearer(w.token), 'idempotency-key': key },
    payload: { amount },
  });
const withdraw = (w: { walletId: string; token: string }, amount: number, key: string) =>
  api.inject({
    method: 'POST',
    url: `/v1/wallets/${w.walletId}/withdrawals`,
    headers: { ...bearer(w.token), 'idempotency-key': key },
    payload: { amount, paymentPassword: TEST_PAYMENT_PASSWORD },
  });

async function settled(walletId: string, key: string) {
  const id = movementTransactionId(walletId, key);
  await waitFor(
    async () => (await store.bankMovement(id))?.transaction.status !== 'PENDING',
    60_000,
    'the movement to settle',
  );
  return (await store.bankMovement(id))!;
}

/** Both sides agree: nothing pending, no mismatch. */
async function agree() {
  const result = await reconcile(store, httpCoreBanking(bank.url));
  expect(result.mismatches).toEqual([]);
  expect(result.pending).toEqual([]);
  expect(result.checked).toBeGreaterThan(0);
}

describe('money movements under faults', () => {
  it('the bank applies a transfer and its answer is lost: applied once, completed', async () => {
    const w = await wallet(10_000);
    bank.faults.dropAnswers = 1;
    const key = randomUUID();
    const res = await topUp(w, 3_000, key);
    expect([201, 202], res.body).toContain(res.statusCode);
    expect((await settled(w.walletId, key)).transaction.status).toBe('COMPLETED');
    expect(w.bankBalance()).toBe(7_000);
    const replay = await topUp(w, 3_000, key);
    expect(replay.statusCode).toBe(200);
    expect(replay.json()).toMatchObject({ balance: 3_000, transaction: { status: 'COMPLETED' } });
    expect(w.bankBalance()).toBe(7_000);
    await agree();
  });

  it('the bank is down: 202 PENDING, closing refused, both complete once it is back', async () => {
    const w = await wallet(10_000, 5_000);
    bank.faults.down = true;
    try {
      const inKey = randomUUID();
      const outKey = randomUUID();
      const pendingIn = await topUp(w, 1_000, inKey);
      expect(pendingIn.statusCode, pendingIn.body).toBe(202);
      expect(pendingIn.json()).toMatchObject({
        transaction: { status: 'PENDING' },
        balance: 5_000,
      });
      const pendingOut = await withdraw(w, 2_000, outKey);
      expect(pendingOut.statusCode, pendingOut.body).toBe(202);
      // The withdrawal's amount is reserved: it cannot be spent meanwhile.
      expect(pendingOut.json()).toMatchObject({
        transaction: { status: 'PENDING' },
        balance: 3_000,
      });
      const list = await api.inject({
        method: 'GET',
        url: `/v1/wallets/${w.walletId}/transactions`,
        headers: bearer(w.token),
      });
      const items = list.json<{ items: { status: string; type: string }[] }>().items;
      expect(items.slice(0, 2)).toMatchObject([
        { status: 'PENDING', type: 'WITHDRAWAL' },
        { status: 'PENDING', type: 'TOP_UP' },
      ]);
      const closing = await store.closeWalletAndErasePerson(
        config.piiKey,
        { walletId: w.walletId, applicationId: w.applicationId },
        { webhooks: false },
      );
      expect(closing).toMatchObject({ ok: false });
      expect((await store.walletStatusAndBalance(w.walletId))!.pending).toBe(2);
      // Ops reconciling meanwhile are told the bank is unreachable, not a 500.
      const reconciling = await api.inject({
        method: 'GET',
        url: '/v1/ops/reconciliation',
        headers: bearer(signStaffToken(config.authSecret, 'ops', 'olga')),
      });
      expect(reconciling.statusCode, reconciling.body).toBe(503);
      expect(reconciling.json()).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
      // Down for a while: several retries find it so.
      const before = bank.requests();
      await waitFor(async () => bank.requests() - before >= 4, 30_000, 'retries');
    } finally {
      bank.faults.down = false;
    }
    await waitFor(
      async () => (await store.walletStatusAndBalance(w.walletId))!.pending === 0,
      60_000,
      'both movements to settle',
    );
    expect((await store.walletStatusAndBalance(w.walletId))!.balance).toBe(5_000 + 1_000 - 2_000);
    expect(w.bankBalance()).toBe(10_000 - 1_000 + 2_000);
    await agree();
  });

  it('the worker is killed between the two legs: a new worker finishes the movement', async () => {
    const w = await wallet(10_000, 4_000);
    bank.faults.holdAnswers = 1;
    const key = randomUUID();
    const id = movementTransactionId(w.walletId, key);
    const answer = withdraw(w, 1_500, key);
    // The bank has applied the credit; its answer is held while the worker dies.
    await waitFor(async () => bank.transfers.has(id), 30_000, 'the transfer at the bank');
    await worker.stop('SIGKILL');
    // No worker answers the request's wait: the API answers from the ledger.
    const pending = await answer;
    expect(pending.statusCode, pending.body).toBe(202);
    expect((await store.bankMovement(id))!.transaction.status).toBe('PENDING');
    // A new one while no worker runs at all: its start is durable, so 202 PENDING (not a 503),
    // though no worker has recorded it yet; it runs once a worker is back.
    const laterKey = randomUUID();
    const laterId = movementTransactionId(w.walletId, laterKey);
    const started = await topUp(w, 500, laterKey);
    expect(started.statusCode, started.body).toBe(202);
    expect(started.json()).toMatchObject({
      transaction: { transactionId: laterId, type: 'TOP_UP', status: 'PENDING', amount: 500 },
      balance: 2_500,
    });
    expect(await store.bankMovement(laterId)).toBeNull();
    worker = await startWorker();
    expect((await settled(w.walletId, key)).transaction.status).toBe('COMPLETED');
    expect((await settled(w.walletId, laterKey)).transaction.status).toBe('COMPLETED');
    expect(w.bankBalance()).toBe(11_500 - 500);
    expect((await store.walletStatusAndBalance(w.walletId))!.balance).toBe(2_500 + 500);
    // Asked again with the same key, it answers the movement as it ended.
    const again = await topUp(w, 500, laterKey);
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toMatchObject({
      transaction: { transactionId: laterId, status: 'COMPLETED' },
    });
    await agree();
  }, 240_000);

  it('the API is killed after starting one: the movement completes by itself', async () => {
    const w = await wallet(10_000);
    const port = await freePort();
    const apiProcess = runTs('api/server.ts', { ...env, PORT: String(port) });
    cleanups.push(() => apiProcess.stop('SIGKILL'));
    await waitFor(
      async () =>
        fetch(`http://127.0.0.1:${port}/healthz`).then(
          (r) => r.ok,
          () => false,
        ),
      60_000,
      'the API process',
    );
    bank.faults.down = true;
    const key = randomUUID();
    const id = movementTransactionId(w.walletId, key);
    void fetch(`http://127.0.0.1:${port}/v1/wallets/${w.walletId}/top-ups`, {
      method: 'POST',
      headers: { ...bearer(w.token), 'idempotency-key': key, 'content-type': 'application/json' },
      body: JSON.stringify({ amount: 2_000 }),
    }).catch(() => undefined);
    await waitFor(async () => (await store.bankMovement(id)) !== null, 30_000, 'the movement');
    await apiProcess.stop('SIGKILL');
    bank.faults.down = false;
    expect((await settled(w.walletId, key)).transaction.status).toBe('COMPLETED');
    expect(w.bankBalance()).toBe(8_000);
    // The client's retry, on another API instance, finds the same movement.
    const retry = await topUp(w, 2_000, key);
    expect(retry.statusCode).toBe(200);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(w.bankBalance()).toBe(8_000);
    await agree();
  }, 180_000);
});
