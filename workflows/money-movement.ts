// One top-up or withdrawal that moves money at the bank (SPEC §2), as a durable process:
// - top-up: record it PENDING (balance cap checked), DEBIT the card's account, credit the wallet;
// - withdrawal: reserve the amount (PENDING), CREDIT the account, settle — or release the
//   reservation when the bank refuses.
// The bank's transfer id is the transaction id, so a retry of any step, or a new run of this
// workflow for the same transaction, never moves money twice. The bank leg retries until the bank
// answers (its answer may be lost, it may be down for hours): a movement ends COMPLETED or FAILED
// with both sides agreeing, never half-done.
import {
  condition,
  getExternalWorkflowHandle,
  proxyLocalActivities,
  setHandler,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { bankDirectionOf, deregistrationWorkflowId } from '../domain/contract';
import {
  awaitMovementUpdate,
  balanceChangedSignal,
  getMovementQuery,
  type MoneyMovementInput,
  type MoneyMovementState,
} from './messages';

const ledger = proxyLocalActivities<Activities>({
  startToCloseTimeout: '15 seconds',
  retry: {
    initialInterval: '200 milliseconds',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    nonRetryableErrorTypes: ['INVALID_INPUT'],
  },
});

export async function moneyMovement(input: MoneyMovementInput): Promise<MoneyMovementState> {
  let state: MoneyMovementState | null = null;
  let finished = false;
  setHandler(getMovementQuery, () => state);
  // Requests joining the run (the same key sent again while it is under way) are replays: only
  // the first update, in history order, answers as the one that moved the money.
  let answered = false;
  setHandler(awaitMovementUpdate, async ({ waitMs }) => {
    const first = !answered;
    answered = true;
    await condition(() => state !== null);
    if (!finished) await condition(() => finished, Math.max(0, Math.min(waitMs, 60_000)));
    const now = state!;
    if (first || now.state !== 'RECORDED') return now;
    return { state: 'RECORDED', result: { ...now.result, replayed: true } };
  });

  // One try of the whole movement (activities/money-movements.ts moveAtBank): its bank call gives
  // up before the attempt does (adapters/core-banking.ts), so it returns how far it got.
  const once = proxyLocalActivities<Activities>({
    startToCloseTimeout: (input.bankRetry.attemptTimeoutMs ?? 30_000) + 15_000,
    retry: { maximumAttempts: 1 },
  });

  // A local activity: run by the worker inside the workflow task, no round trip through the
  // server (a top-up's latency, docs/performance.md); retried the same, and idempotent at the bank.
  const bank = proxyLocalActivities<Activities>({
    startToCloseTimeout: input.bankRetry.attemptTimeoutMs ?? 30_000,
    retry: {
      initialInterval: input.bankRetry.initialMs,
      backoffCoefficient: 2,
      maximumInterval: input.bankRetry.maxMs,
      // Unlimited: an unknown outcome is asked again until the bank answers.
      nonRetryableErrorTypes: ['INVALID_INPUT', 'TRANSFER_CONFLICT'],
    },
  });

  const request = {
    transactionId: input.transactionId,
    walletId: input.walletId,
    kind: input.kind,
    ...(input.amount !== undefined ? { amount: input.amount } : {}),
    idempotencyKey: input.idempotencyKey,
  };
  // The whole movement in one local activity (one round trip between the workflow and the
  // worker instead of three); from a step it could not do on, the steps below go on under their
  // own retry policies. If it fails outright (the worker could not run it), it all starts over:
  // each step is idempotent by the transaction id.
  const moved = await once.moveAtBank(request).catch(() => null);
  const begun = moved?.begun ?? (await ledger.beginBankMovement(request));
  if (!begun.ok) {
    state = { state: 'REFUSED', code: begun.code, message: begun.message, details: begun.details };
  } else if (begun.value === null) {
    state = { state: 'NOTHING' };
  } else {
    state = { state: 'RECORDED', result: begun.value };
    const { transaction } = begun.value;
    if (transaction.status === 'PENDING') {
      const outcome =
        moved?.outcome ??
        (await bank.bankTransfer({
          transactionId: transaction.transactionId,
          walletId: input.walletId,
          direction: bankDirectionOf(transaction.type),
          amount: transaction.amount,
          // moveAtBank sent it and lost the answer: the bank may have applied it.
          askFirst: moved?.bankFailed === true,
        }));
      const settled =
        moved?.settled ??
        (await ledger.settleBankMovement({
          transactionId: transaction.transactionId,
          outcome,
        }));
      state = { state: 'RECORDED', result: { ...settled, replayed: begun.value.replayed } };
      // The request is answered now, not after the signal's round trip.
      finished = true;
      // A deregistration waiting for the balance hears of it at once (none running: nothing).
      await getExternalWorkflowHandle(deregistrationWorkflowId(input.walletId))
        .signal(balanceChangedSignal)
        .catch(() => undefined);
    }
  }
  finished = true;
  // Let an update that is being answered finish before the workflow completes.
  await condition(() => true);
  return state;
}
