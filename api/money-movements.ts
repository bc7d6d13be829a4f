// A top-up or withdrawal request as the API handles it (SPEC §2): it starts the movement's
// workflow (workflows/money-movement.ts) under an id derived from the wallet and the
// Idempotency-Key, so that a retried request, on any API instance, finds the same one, and
// waits a few seconds for it. 201 COMPLETED; 202 PENDING (it finishes by itself); 422
// BANK_INSUFFICIENT_FUNDS / BANK_ACCOUNT_NOT_NORMAL when the bank refused (the transaction is
// FAILED, the wallet unchanged); a replay answers 200 (or its 422) with Idempotent-Replayed.
import { WithStartWorkflowOperation } from '@temporalio/client';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Config } from '../config/config';
import {
  LedgerError,
  movementHash,
  movementType,
  movementTransactionId,
  type BankMovementKind,
  type Ledger,
  type MovementResult,
  type WalletSummary,
} from '../db/store';
import { MONEY_MOVEMENT_WORKFLOW, moneyMovementWorkflowId } from '../domain/contract';
import { awaitMovementUpdate, type MoneyMovementInput } from '../workflows/messages';
import { ledgerCall, ledgerProblem } from './ledger-calls';
import { Problem } from './problem';

export interface MoneyRequest {
  wallet: WalletSummary;
  kind: Extract<BankMovementKind, 'TOP_UP' | 'WITHDRAWAL'>;
  amount: number;
  idempotencyKey: string;
  /** Checked before a new withdrawal (not before a replay: it was checked the first time). */
  paymentPassword?: string;
}

export async function moveMoney(
  app: FastifyInstance,
  config: Config,
  ledger: Ledger,
  reply: FastifyReply,
  request: MoneyRequest,
): Promise<{ result: MovementResult; replayed: boolean }> {
  const { wallet, kind, amount, idempotencyKey } = request;
  const transactionId = movementTransactionId(wallet.walletId, idempotencyKey);
  const prior = await app.store.bankMovement(transactionId);
  if (prior && prior.requestHash !== movementHash(kind, amount))
    throw ledgerProblem(
      new LedgerError(
        'IDEMPOTENCY_KEY_REUSED',
        'This Idempotency-Key was already used for a different request.',
      ),
    );
  if (prior && prior.transaction.status !== 'PENDING') return answer(reply, prior, true);
  if (!prior) {
    // The quick refusals first, whatever the password (as for payments).
    if (wallet.status === 'CLOSED')
      throw ledgerProblem(new LedgerError('INVALID_STATE', 'The wallet is closed.'));
    if (wallet.status === 'FROZEN')
      throw ledgerProblem(
        new LedgerError('WALLET_FROZEN', 'The wallet is frozen; money cannot move.', {
          walletStatus: 'FROZEN',
        }),
      );
    if (request.paymentPassword !== undefined) {
      const password = request.paymentPassword;
      await ledgerCall(() => ledger.verifyPaymentPassword(wallet.walletId, password));
    }
  }
  const input: MoneyMovementInput = {
    transactionId,
    walletId: wallet.walletId,
    kind,
    amount,
    idempotencyKey,
    bankRetry: config.money.bankRetry,
  };
  const waitMs = config.money.answerWithinMs;
  let state;
  try {
    state = await startAndWait(app, input, waitMs);
  } catch (error) {
    // Started, but no worker answered in time (one died, or all are busy): the movement goes on
    // by itself, and the ledger says where it stands.
    const recorded = await app.store.bankMovement(transactionId);
    if (recorded) return answer(reply, recorded, prior !== null);
    // Not even recorded yet (no worker has run it: none is up, or all are busy). Its start is
    // durable, so a worker will run it when one polls: it is PENDING, not a 503. Until a worker
    // records it, the transaction list does not show it; the same request again (same key)
    // joins it and answers as it then stands.
    if (await movementRunning(app, transactionId))
      return answer(reply, notYetRecorded(transactionId, request), false);
    throw error;
  }
  if (state.state === 'REFUSED')
    throw ledgerProblem(new LedgerError(state.code, state.message, state.details));
  if (state.state === 'NOTHING') throw new Error('A top-up or withdrawal of nothing');
  return answer(reply, state.result, prior !== null || state.result.replayed);
}

/**
 * Starts the movement's workflow, or joins the running one, and waits up to `waitMs` (and a
 * second for the round trip). The deadline is what keeps that promise: while the bank leg, a
 * local activity, is still running, the workflow task is held open, so neither the update's
 * acceptance nor its timer reaches the server until the bank answers or the worker heartbeats
 * the task (8 s in). After the deadline the ledger answers (moveMoney).
 */
function startAndWait(app: FastifyInstance, input: MoneyMovementInput, waitMs: number) {
  return app.temporal.call(
    () =>
      app.temporal.client.workflow.executeUpdateWithStart(awaitMovementUpdate, {
        args: [{ waitMs }],
        startWorkflowOperation: new WithStartWorkflowOperation(MONEY_MOVEMENT_WORKFLOW, {
          workflowId: moneyMovementWorkflowId(input.transactionId),
          taskQueue: app.temporal.taskQueue,
          args: [input],
          // A retry of the request while the first is under way joins it; after it ended, a new
          // run finds the transaction by its key and answers it.
          workflowIdConflictPolicy: 'USE_EXISTING',
        }),
      }),
    waitMs + 1_000,
  );
}

/** Whether the movement's workflow was started and runs (durable in Temporal). */
async function movementRunning(app: FastifyInstance, transactionId: string): Promise<boolean> {
  try {
    const described = await app.temporal.call(
      () =>
        app.temporal.client.workflow.getHandle(moneyMovementWorkflowId(transactionId)).describe(),
      3_000,
    );
    return described.status.name === 'RUNNING';
  } catch {
    // Not found, or Temporal itself unreachable: the caller's error (a 503) stands.
    return false;
  }
}

/** A movement started but not yet recorded by a worker: PENDING, nothing reserved or moved yet. */
function notYetRecorded(transactionId: string, request: MoneyRequest): MovementResult {
  const { wallet } = request;
  return {
    transaction: {
      transactionId,
      type: movementType(request.kind),
      status: 'PENDING',
      amount: request.amount,
      balanceAfter: wallet.balance,
      createdAt: new Date().toISOString(),
    },
    balance: wallet.balance,
    replayed: false,
  };
}

/** Sends the movement's answer; a FAILED one is the bank's refusal as a 422. */
function answer(reply: FastifyReply, result: MovementResult, replayed: boolean) {
  const { transaction } = result;
  if (replayed) void reply.header('Idempotent-Replayed', 'true');
  if (transaction.status === 'FAILED') {
    const code =
      transaction.failureCode === 'BANK_INSUFFICIENT_FUNDS'
        ? 'BANK_INSUFFICIENT_FUNDS'
        : 'BANK_ACCOUNT_NOT_NORMAL';
    throw new Problem(
      code,
      code === 'BANK_INSUFFICIENT_FUNDS'
        ? 'The bank account cannot pay this top-up.'
        : 'The bank account is frozen or closed at the bank.',
      { transaction, balance: result.balance },
      replayed ? { 'Idempotent-Replayed': 'true' } : {},
    );
  }
  void reply.code(replayed ? 200 : transaction.status === 'COMPLETED' ? 201 : 202);
  return { result, replayed };
}
