// A transfer's round trip against a payment's (issue #27: ≤ 1.5× at p50), through the API
// process over loopback HTTP, side by side in one run. Both check the payment password (one slow
// hash) and signal a waiting deregistration; a transfer writes two wallets and two history rows
// and queues the payee's notice in that one transaction, and signals two deregistrations.
//
// The wallets are made through the Store on the stack's database, as onboarding would leave them
// (a verified login phone, a sealed owner phone), so that the numbers are about the movements.
// Each wallet pays at most 4 times (payments and transfers share the 5-in-10-minutes rule).
import { randomBytes, randomUUID } from 'node:crypto';
import { createSigner } from 'fast-jwt';
import { applicantClaims, TOKEN_ALGORITHM, TOKEN_ISSUER } from '../api/tokens';
import { loadConfig } from '../config/config';
import { hashPassword } from '../crypto/password-hash';
import { blindIndex, personIdOf } from '../crypto/pii';
import { openStore } from '../db/open-store';
import type { Store } from '../db/store';
import { benchApplicant, percentile, round, row, type BenchRow, type BenchStack } from './stack';

export interface TransferBenchOptions {
  /** Round trips per series (payments, transfers). */
  samples: number;
  warmup: number;
  log?: (message: string) => void;
}

const PASSWORD = '580314';
const TARGET_RATIO = 1.5;

interface BenchWallet {
  walletId: string;
  phone: string;
  token: string;
}

async function makeWallets(stack: BenchStack, store: Store, count: number) {
  const { piiKey } = stack;
  const passwordHash = await hashPassword(PASSWORD);
  const sign = createSigner({
    key: stack.env.AUTH_SECRET,
    algorithm: TOKEN_ALGORITHM,
    expiresIn: '2h',
    iss: TOKEN_ISSUER,
  });
  const ledger = store.createLedger();
  const made: BenchWallet[] = [];
  for (let i = 0; i < count; i++) {
    const a = benchApplicant();
    const applicationId = randomUUID();
    const personId = personIdOf(piiKey, a.person.idNumber);
    const created = await store.createWalletOnce(piiKey, {
      walletId: `w_${randomBytes(12).toString('hex')}`,
      applicationId,
      personId,
      tier: 'STANDARD',
      paymentPasswordHash: passwordHash,
      ownerPhone: a.phone,
      webhooks: false,
    });
    if (!('walletId' in created)) throw new Error(`bench wallet refused: ${created.refused}`);
    const at = new Date();
    const phoneIndex = blindIndex(piiKey, 'phone', a.phone);
    await store.upsertApplicantLogin({ applicationId, personId, phoneIndex, passwordHash, at });
    await store.markLoginPhoneVerified(applicationId, phoneIndex, at);
    await ledger.topUp(created.walletId, 10_000_000, `bench-seed-${applicationId}`);
    made.push({
      walletId: created.walletId,
      phone: a.phone,
      token: sign({ ...applicantClaims(applicationId) }),
    });
  }
  return made;
}

async function timedPost(
  stack: BenchStack,
  path: string,
  token: string,
  body: object,
): Promise<number> {
  const started = performance.now();
  const response = await fetch(`${stack.baseUrl}${path}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'idempotency-key': `bench-${randomUUID()}`,
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  const ms = performance.now() - started;
  if (response.status !== 201) throw new Error(`${path}: HTTP ${response.status} ${text}`);
  return ms;
}

export async function runTransferBench(
  stack: BenchStack,
  options: TransferBenchOptions,
): Promise<BenchRow[]> {
  const log = options.log ?? console.log;
  const total = options.samples + options.warmup;
  // Each wallet makes 2 payments and 2 transfers; one more wallet is every transfer's payee.
  const config = loadConfig({ ...process.env, ...stack.env });
  const store = await openStore(config);
  const payments: number[] = [];
  const transfers: number[] = [];
  try {
    log(`transfers: making ${Math.ceil(total / 2) + 1} wallets`);
    const [payee, ...payers] = await makeWallets(stack, store, Math.ceil(total / 2) + 1);
    for (let i = 0; i < total; i++) {
      const payer = payers[Math.floor(i / 2)]!;
      // Alternating, so that whatever the machine does meanwhile falls on both series alike.
      const pay = await timedPost(stack, `/v1/wallets/${payer.walletId}/payments`, payer.token, {
        amount: 100,
        merchantId: 'm_bench',
        paymentPassword: PASSWORD,
      });
      const send = await timedPost(stack, `/v1/wallets/${payer.walletId}/transfers`, payer.token, {
        toPhone: payee!.phone,
        amount: 100,
        paymentPassword: PASSWORD,
      });
      if (i < options.warmup) continue;
      payments.push(pay);
      transfers.push(send);
    }
  } finally {
    await store.close();
  }
  const p50 = (v: number[]) => round(percentile(v, 50), 1);
  const p95 = (v: number[]) => round(percentile(v, 95), 1);
  const ratio = round(percentile(transfers, 50) / percentile(payments, 50), 2);
  return [
    row('payment round trip p50', p50(payments), 'ms'),
    row('payment round trip p95', p95(payments), 'ms'),
    row('transfer round trip p50', p50(transfers), 'ms'),
    row('transfer round trip p95', p95(transfers), 'ms'),
    row('transfer / payment at p50', ratio, '×', `≤ ${TARGET_RATIO}`, ratio <= TARGET_RATIO),
  ];
}
