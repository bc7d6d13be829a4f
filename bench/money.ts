// Money movements at the bank (issue 25), on the bench stack's real worker and API processes and
// the sandbox bank: a top-up's round trip (API → workflow → bank debit → wallet credit → answer)
// against a movement that only writes the ledger, in the same run — a payment, through the same
// API (it also checks the payment password), and the bare ledger credit in this process — and
// movements per second on one wallet and across many.
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../config/config';
import { openStore } from '../db/open-store';
import { movementTransactionId } from '../db/store';
import { moneyMovementWorkflowId } from '../domain/contract';
import { createTemporalClient } from '../temporal/client';
import { walletWithCard } from '../test/helpers/money';
import { TEST_PAYMENT_PASSWORD } from '../test/helpers/onboarding';
import { mapConcurrent, percentile, round, row, type BenchRow, type BenchStack } from './stack';

export interface MoneyOptions {
  samples: number;
  wallets: number;
  concurrency: number;
}

export async function runMoneyBench(stack: BenchStack, options: MoneyOptions): Promise<BenchRow[]> {
  const config = loadConfig(stack.env);
  const store = await openStore(config);
  try {
    const wallets = await Promise.all(
      Array.from({ length: options.wallets }, async () => {
        const w = await walletWithCard(store, config, { balance: 1_000_000 });
        await store.insertSandboxAccount(config.piiKey, {
          holderName: w.person.name,
          idNumber: w.person.idNumber,
          cardNumber: w.person.bankCardNumber,
          status: 'NORMAL',
          realNameVerified: true,
        });
        return w;
      }),
    );
    /** Top-ups sampled one at a time: their workflow ids and the wall clock around each. */
    const timed: { workflowId: string; sent: number; answered: number }[] = [];
    const post = async (
      w: (typeof wallets)[number],
      path: string,
      body: object,
      keep?: typeof timed,
    ) => {
      const key = randomUUID();
      const sent = Date.now();
      const started = performance.now();
      const res = await fetch(`${stack.baseUrl}/v1/wallets/${w.walletId}/${path}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${w.token}`,
          'content-type': 'application/json',
          'idempotency-key': key,
        },
        body: JSON.stringify(body),
      });
      await res.arrayBuffer();
      if (res.status !== 201) throw new Error(`${path} answered ${res.status}`);
      const took = performance.now() - started;
      keep?.push({
        workflowId: moneyMovementWorkflowId(movementTransactionId(w.walletId, key)),
        sent,
        answered: Date.now(),
      });
      return took;
    };
    const one = wallets[0]!;
    // Warm-up: workflow code cached, connections open.
    for (let i = 0; i < 5; i++) await post(one, 'top-ups', { amount: 1 });
    const topUps: number[] = [];
    const payments: number[] = [];
    const bare: number[] = [];
    const ledger = store.createLedger();
    for (let i = 0; i < options.samples; i++) {
      topUps.push(await post(one, 'top-ups', { amount: 1 }, timed));
      // Across wallets: more than 5 payments in 10 minutes on one would freeze it (risk rule).
      payments.push(
        await post(wallets[i % wallets.length]!, 'payments', {
          amount: 1,
          merchantId: 'bench',
          paymentPassword: TEST_PAYMENT_PASSWORD,
        }),
      );
      const started = performance.now();
      await ledger.topUp(wallets[1 % wallets.length]!.walletId, 1, randomUUID());
      bare.push(performance.now() - started);
    }
    const topUpP50 = percentile(topUps, 50);
    const phases = await topUpPhases(config, store, timed);
    const paymentP50 = percentile(payments, 50);
    const rate = async (targets: typeof wallets, count: number) => {
      const started = performance.now();
      await mapConcurrent(
        Array.from({ length: count }, (_, i) => targets[i % targets.length]!),
        options.concurrency,
        (w) => post(w, 'top-ups', { amount: 1 }),
      );
      return count / ((performance.now() - started) / 1000);
    };
    const oneWallet = await rate([one], options.samples);
    const many = await rate(wallets, options.samples);
    return [
      row('top-up round trip p50 (bank debit + wallet credit)', round(topUpP50, 1), 'ms'),
      row('top-up round trip p95', round(percentile(topUps, 95), 1), 'ms'),
      row('payment round trip p50 (ledger only, same API)', round(paymentP50, 1), 'ms'),
      row('bare ledger credit p50 (in process)', round(percentile(bare, 50), 2), 'ms'),
      row(
        'top-up p50 / payment p50',
        round(topUpP50 / paymentP50, 2),
        '×',
        '≤ 3',
        topUpP50 / paymentP50 <= 3,
      ),
      row('  of which: request → workflow started (API, update-with-start)', phases.toStart, 'ms'),
      row('  of which: started → workflow task at the worker', phases.toTask, 'ms'),
      row('  of which: the workflow task (one local activity)', phases.task, 'ms'),
      row('  of which: task completed → answer at the client', phases.toAnswer, 'ms'),
      row(
        `top-ups per second, one wallet (${options.concurrency} in flight)`,
        round(oneWallet, 1),
        '/s',
      ),
      row(
        `top-ups per second, ${wallets.length} wallets (${options.concurrency} in flight)`,
        round(many, 1),
        '/s',
      ),
    ];
  } finally {
    await store.close();
  }
}

/**
 * Where a top-up's round trip goes, p50 of each phase, from its workflow history's event times
 * (the Temporal server's clock, the same machine's) and the bench's wall clock around the request.
 */
async function topUpPhases(
  config: ReturnType<typeof loadConfig>,
  store: Parameters<typeof createTemporalClient>[0]['store'],
  timed: { workflowId: string; sent: number; answered: number }[],
) {
  const client = createTemporalClient({ config, store });
  try {
    const toStart: number[] = [];
    const toTask: number[] = [];
    const task: number[] = [];
    const toAnswer: number[] = [];
    const at = (e: { eventTime?: { seconds?: unknown; nanos?: number | null } | null }) =>
      Number(e.eventTime?.seconds ?? 0) * 1000 + (e.eventTime?.nanos ?? 0) / 1e6;
    for (const t of timed) {
      const events = (await client.workflow.getHandle(t.workflowId).fetchHistory()).events ?? [];
      const started = events.find((e) => e.workflowExecutionStartedEventAttributes);
      const taskStarted = events.find((e) => e.workflowTaskStartedEventAttributes);
      // The task that answered the update: the first completed one.
      const taskDone = events.find((e) => e.workflowTaskCompletedEventAttributes);
      if (!started || !taskStarted || !taskDone) continue;
      toStart.push(at(started) - t.sent);
      toTask.push(at(taskStarted) - at(started));
      task.push(at(taskDone) - at(taskStarted));
      toAnswer.push(t.answered - at(taskDone));
    }
    const p50 = (xs: number[]) => round(percentile(xs, 50), 1);
    return { toStart: p50(toStart), toTask: p50(toTask), task: p50(task), toAnswer: p50(toAnswer) };
  } finally {
    await client.connection.close();
  }
}
