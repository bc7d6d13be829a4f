// The deregistration workflow of SPEC §3: one per wallet at a time. It waits for the balance to
// reach zero (the owner spends it, withdraws it, or asks for all of it to go to the bound card),
// asks for a last confirmation, then closes the wallet and erases the person's data.
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  ParentClosePolicy,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { DeregistrationStatus, ReasonCode } from '../domain/codes';
import {
  DEFAULT_BANK_RETRY,
  DEREGISTRATION_RULES as RULES,
  moneyMovementWorkflowId,
  WorkflowErrors,
  type DeregistrationInput,
  type DeregistrationStepResult,
  type DeregistrationView,
  type Reason,
} from '../domain/contract';
import {
  balanceChangedSignal,
  cancelDeregistrationUpdate,
  confirmDeregistrationUpdate,
  getDeregistrationQuery,
  requestDeregistrationUpdate,
  searchAttributes,
  withdrawAllUpdate,
} from './messages';
import { reasonMessage } from '../domain/messages';
import { moneyMovement } from './money-movement';
import { noticeQueue } from './notice-queue';
import { db, messaging } from './onboarding-activities';

const FINAL: DeregistrationStatus[] = ['CLOSED', 'CANCELLED'];

function reason(code: ReasonCode): Reason {
  return { code, message: reasonMessage(code) };
}

export async function deregistration(input: DeregistrationInput): Promise<DeregistrationView> {
  const { walletId } = input;
  const started = workflowInfo().startTime.toISOString();
  const view: DeregistrationView = {
    walletId,
    status: 'AWAITING_BALANCE_CLEARANCE',
    balance: 0,
    reasons: [],
    createdAt: started,
    updatedAt: started,
  };
  let evaluated = false;
  let cancelRequested = false;
  let confirmed = false;
  let balanceHint = 0;
  /** balanceHint when the last balance read started: a movement told during a read is not lost. */
  let hintAtRead = 0;
  let statusSeq = 0;
  let recordedSeq = 0;
  let closing = false;
  let erased = false;

  setHandler(getDeregistrationQuery, () => view);
  setHandler(balanceChangedSignal, () => {
    balanceHint += 1;
  });

  const invalidState = (action: string): never => {
    throw ApplicationFailure.create({
      type: WorkflowErrors.InvalidState,
      message: `Cannot ${action} while the deregistration is ${view.status}`,
      nonRetryable: true,
    });
  };
  const result = (ok: boolean, code?: ReasonCode): DeregistrationStepResult => ({
    ok,
    ...(code ? { code, message: reasonMessage(code) } : {}),
    view,
  });

  /**
   * The owner's notices, in status order behind the process: steps answer once the new status is
   * recorded, and an SMS gateway that is down never holds up a closure.
   */
  const notices = noticeQueue();

  async function moveTo(status: DeregistrationStatus, reasons: Reason[] = [], deadlineMs?: number) {
    view.status = status;
    view.reasons = reasons;
    view.deadline = deadlineMs ? new Date(deadlineMs).toISOString() : undefined;
    view.updatedAt = new Date().toISOString();
    statusSeq += 1;
    const seq = statusSeq;
    upsertSearchAttributes([{ key: searchAttributes.deregistrationStatus, value: status }]);
    notices.enqueue(seq, () =>
      messaging.notify({
        key: `${workflowInfo().workflowId}:${workflowInfo().runId}:status:${seq}`,
        // The number stays in the app database: this history holds nothing of the owner.
        walletOwner: walletId,
        channel: 'sms',
        template: 'DEREGISTRATION_STATUS',
        params: { status, reason: reasons[0]?.message ?? '' },
      }),
    );
    await db.recordDeregistrationStatus({
      walletId,
      status,
      seq,
      at: view.updatedAt,
      reasons: reasons.map((r) => r.code),
    });
    recordedSeq = Math.max(recordedSeq, seq);
  }

  async function refreshBalance() {
    hintAtRead = balanceHint;
    const state = await db.walletBalance({ walletId });
    view.balance = state.balance;
    return state;
  }

  setHandler(requestDeregistrationUpdate, async () => {
    await condition(() => evaluated);
    return view;
  });

  let withdrawAlls = 0;
  setHandler(
    withdrawAllUpdate,
    async () => {
      const seq = statusSeq;
      // One key per withdraw-all: money may arrive again after the first (back to clearance),
      // and a retry of this activity keeps its own key.
      withdrawAlls += 1;
      // The same durable process as a withdrawal the owner asks for (workflows/money-movement.ts),
      // left running if this workflow ends first; its transaction id names this run and request.
      const { runId } = workflowInfo();
      const transactionId = `tx_wa_${runId.replace(/-/g, '')}_${withdrawAlls}`;
      const movement = await startChild(moneyMovement, {
        workflowId: moneyMovementWorkflowId(transactionId),
        parentClosePolicy: ParentClosePolicy.ABANDON,
        args: [
          {
            transactionId,
            walletId,
            kind: 'WITHDRAW_ALL',
            idempotencyKey: `${workflowInfo().workflowId}:${runId}:withdraw-all:${withdrawAlls}`,
            bankRetry: input.bankRetry ?? DEFAULT_BANK_RETRY,
          },
        ],
      });
      let ended: Awaited<ReturnType<typeof moneyMovement>> | undefined;
      void movement.result().then((state) => {
        ended = state;
        balanceHint += 1;
      });
      // The owner is answered once the bank has, or after a few seconds with it still pending
      // (the reservation already leaves the balance at zero; clearance waits for the rest).
      await condition(() => ended !== undefined, RULES.withdrawAllAnswerWithinMs);
      if (ended?.state === 'REFUSED')
        return result(false, ended.code === 'WALLET_FROZEN' ? 'WALLET_FROZEN' : 'INVALID_STATE');
      const failed = ended?.state === 'RECORDED' ? ended.result.transaction.failureCode : undefined;
      if (failed) return result(false, failed as ReasonCode);
      balanceHint += 1;
      await condition(() => recordedSeq > seq || FINAL.includes(view.status));
      return result(true);
    },
    {
      validator: (_request: unknown) => {
        if (view.status !== 'AWAITING_BALANCE_CLEARANCE') invalidState('withdraw the balance');
      },
    },
  );

  setHandler(
    confirmDeregistrationUpdate,
    async () => {
      const seq = statusSeq;
      confirmed = true;
      // A closure answers once nothing of the person is left to erase.
      await condition(() => recordedSeq > seq && (view.status !== 'CLOSED' || erased));
      return result(
        view.status === 'CLOSED',
        view.status === 'CLOSED' ? undefined : view.reasons[0]?.code,
      );
    },
    {
      validator: (_request: unknown) => {
        if (view.status !== 'AWAITING_CONFIRMATION' || confirmed) invalidState('confirm');
      },
    },
  );

  setHandler(
    cancelDeregistrationUpdate,
    async () => {
      cancelRequested = true;
      await condition(() => FINAL.includes(view.status));
      return result(view.status === 'CANCELLED');
    },
    {
      validator: (_request: unknown) => {
        if (FINAL.includes(view.status) || closing || cancelRequested) invalidState('cancel');
      },
    },
  );

  /** Waits until the balance is zero (true), the owner cancels, or the window closes (false). */
  async function balanceCleared(deadline: number): Promise<boolean> {
    for (;;) {
      const state = await refreshBalance();
      if (state.frozen || state.status !== 'ACTIVE') return false;
      // A movement still at the bank (a withdraw-all under way) is waited for, not refused.
      if (state.balance === 0 && state.pending === 0) return true;
      const remaining = deadline - Date.now();
      if (remaining <= 0) return false;
      await condition(
        () => balanceHint !== hintAtRead || cancelRequested,
        Math.min(remaining, RULES.balanceRecheckEveryMs),
      );
      if (cancelRequested) return false;
    }
  }

  /**
   * Waits for the owner's confirmation. A movement told meanwhile (balanceChanged) is looked at
   * at once, so that the view never says zero while there is money in the wallet.
   */
  async function confirmation(deadline: number): Promise<'SETTLED' | 'EXPIRED' | 'MONEY_ARRIVED'> {
    for (;;) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return 'EXPIRED';
      const settled = await condition(
        () => confirmed || cancelRequested || balanceHint !== hintAtRead,
        remaining,
      );
      if (!settled) return 'EXPIRED';
      if (confirmed || cancelRequested) return 'SETTLED';
      await refreshBalance();
      if (confirmed || cancelRequested) return 'SETTLED';
      if (view.balance > 0) return 'MONEY_ARRIVED';
    }
  }

  async function run(): Promise<void> {
    const state = await refreshBalance();
    if (state.status !== 'ACTIVE' && state.status !== 'FROZEN') {
      evaluated = true;
      return moveTo('CANCELLED', [reason('INVALID_STATE')]);
    }
    if (state.frozen) {
      evaluated = true;
      return moveTo('CANCELLED', [reason('WALLET_FROZEN')]);
    }
    if (state.pending > 0) {
      evaluated = true;
      return moveTo('CANCELLED', [reason('PENDING_TRANSACTIONS')]);
    }
    for (;;) {
      if (view.balance > 0) {
        const deadline = Date.now() + RULES.balanceClearanceWindowMs;
        await moveTo('AWAITING_BALANCE_CLEARANCE', [reason('BALANCE_NOT_ZERO')], deadline);
        evaluated = true;
        if (!(await balanceCleared(deadline))) {
          const now = await refreshBalance();
          if (cancelRequested) return moveTo('CANCELLED');
          if (now.frozen) return moveTo('CANCELLED', [reason('WALLET_FROZEN')]);
          if (now.pending > 0) return moveTo('CANCELLED', [reason('PENDING_TRANSACTIONS')]);
          return moveTo('CANCELLED', [reason('BALANCE_NOT_ZERO')]);
        }
      }
      const deadline = Date.now() + RULES.confirmationWindowMs;
      confirmed = false;
      await moveTo('AWAITING_CONFIRMATION', [], deadline);
      evaluated = true;
      const outcome = await confirmation(deadline);
      // Money arrived while the owner was asked to confirm: back to clearing it.
      if (outcome === 'MONEY_ARRIVED') continue;
      if (cancelRequested || outcome === 'EXPIRED') return moveTo('CANCELLED');
      closing = true;
      const closed = await db.closeWallet({
        walletId,
        applicationId: input.applicationId,
        photoRefs: input.photoRefs,
      });
      if (closed.ok) {
        view.balance = 0;
        await moveTo('CLOSED');
        // Temporal keeps no history of the person's applications (SPEC §6); then the owner is
        // answered. The sandbox outbox keeps no trace of the number once the closing message,
        // the last one, is out.
        await db.eraseWorkflowHistories({ walletId });
        erased = true;
        await notices.drained();
        await db.eraseOutboxFor({ walletId });
        return;
      }
      // Money arrived after the owner was asked to confirm: back to clearing it.
      closing = false;
      confirmed = false;
      await refreshBalance();
    }
  }

  await run();
  evaluated = true;
  await notices.drained();
  await condition(allHandlersFinished);
  return view;
}
