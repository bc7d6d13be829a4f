// SPEC §3 over time: the 7 days to clear the balance (with the hourly re-check under the balance
// signals), the 7 days to confirm, and the closure's order of erasures.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { NotifyInput } from '../../notifications/notify';
import { type DeregistrationView } from '../../domain/contract';
import {
  balanceChangedSignal,
  cancelDeregistrationUpdate,
  confirmDeregistrationUpdate,
  getDeregistrationQuery,
  requestDeregistrationUpdate,
  withdrawAllUpdate,
} from '../../workflows/messages';
import { startWorkflowTier, type WorkflowTier } from '../helpers/time-skipping';

let tier: WorkflowTier;
beforeAll(async () => {
  tier = await startWorkflowTier();
});
afterAll(async () => {
  await tier?.close();
});
beforeEach(() => tier.use({}));

const DAY = 24 * 3600_000;

async function started(balance: number) {
  const walletId = `w_${randomBytes(12).toString('hex')}`;
  const handle = await tier.startDeregistration(walletId, balance);
  const first = await handle.executeUpdate(requestDeregistrationUpdate, { args: [{ version: 1 }] });
  return { walletId, handle, first };
}

type Handle = Awaited<ReturnType<typeof started>>['handle'];
const status = (handle: Handle): Promise<DeregistrationView> =>
  handle.query(getDeregistrationQuery);
const forWallet = (walletId: string) => (i: Record<string, unknown>) => i.walletId === walletId;

describe('the balance window', () => {
  it('cancels the deregistration when the balance is not cleared within 7 days', async () => {
    const { walletId, handle, first } = await started(100);
    expect(first).toMatchObject({
      status: 'AWAITING_BALANCE_CLEARANCE',
      balance: 100,
      reasons: [{ code: 'BALANCE_NOT_ZERO' }],
    });
    const window = Date.parse(first.deadline!) - Date.parse(first.updatedAt);
    expect(Math.abs(window - 7 * DAY)).toBeLessThan(1000);

    await tier.sleep('6 days');
    expect(await status(handle)).toMatchObject({ status: 'AWAITING_BALANCE_CLEARANCE' });
    await tier.sleep('2 days');
    expect(await handle.result()).toMatchObject({
      status: 'CANCELLED',
      reasons: [{ code: 'BALANCE_NOT_ZERO' }],
    });
    // The wallet stays as it was.
    expect(tier.inputs('closeWallet', forWallet(walletId))).toHaveLength(0);
  });

  it('moves on at once when told the balance changed and it is zero', async () => {
    const { walletId, handle } = await started(5_000);
    tier.balances.set(walletId, 0);
    await handle.signal(balanceChangedSignal);
    await tier.waitForCalls('recordDeregistrationStatus', 2, forWallet(walletId));
    expect(await status(handle)).toMatchObject({ status: 'AWAITING_CONFIRMATION', balance: 0 });
    await handle.executeUpdate(cancelDeregistrationUpdate, { args: [{ version: 1 }] });
  });

  it('does not miss a balance change told while it was reading the balance', async () => {
    // The waiting loop's first read answers what it saw before the owner's withdrawal landed;
    // the signal for that withdrawal reaches the workflow while the read is still under way.
    const started: { handle?: Handle } = {};
    let reads = 0;
    tier.use({
      walletBalance: async ({ walletId }) => {
        reads += 1;
        const seen = tier.balances.get(walletId) ?? 0;
        if (reads === 2) {
          tier.balances.set(walletId, 0);
          await started.handle!.signal(balanceChangedSignal);
          await new Promise((r) => setTimeout(r, 500));
        }
        return { status: 'ACTIVE', balance: seen, frozen: false, pending: 0 };
      },
    });
    const walletId = `w_${randomBytes(12).toString('hex')}`;
    const handle = (started.handle = await tier.startDeregistration(walletId, 5_000));
    await handle.executeUpdate(requestDeregistrationUpdate, { args: [{ version: 1 }] });
    // No hour passes: only the signal can move it on.
    await tier.waitForCalls('recordDeregistrationStatus', 2, forWallet(walletId), 10_000);
    expect(await status(handle)).toMatchObject({ status: 'AWAITING_CONFIRMATION', balance: 0 });
    await handle.executeUpdate(cancelDeregistrationUpdate, { args: [{ version: 1 }] });
  });

  it('re-checks the balance every hour without a signal', async () => {
    const { walletId, handle } = await started(5_000);
    // Once the waiting loop has read the balance (a second time, after the status was recorded).
    await tier.waitForCalls('walletBalance', 2, forWallet(walletId));
    tier.balances.set(walletId, 0);
    await tier.sleep('59 minutes');
    expect(await status(handle)).toMatchObject({ status: 'AWAITING_BALANCE_CLEARANCE' });
    await tier.sleep('2 minutes');
    await tier.waitForCalls('recordDeregistrationStatus', 2, forWallet(walletId));
    expect(await status(handle)).toMatchObject({ status: 'AWAITING_CONFIRMATION' });
    await handle.executeUpdate(cancelDeregistrationUpdate, { args: [{ version: 1 }] });
  });

  it('withdraws all of it on request and asks for the confirmation', async () => {
    const { walletId, handle } = await started(12_345);
    const withdrawn = await handle.executeUpdate(withdrawAllUpdate, { args: [{ version: 1 }] });
    expect(withdrawn).toMatchObject({ ok: true, view: { status: 'AWAITING_CONFIRMATION' } });
    const moved = tier.inputs<{ transactionId: string }>('moveAtBank', forWallet(walletId));
    expect(moved).toMatchObject([{ kind: 'WITHDRAW_ALL' }]);
    // When nothing fails the movement is that one local activity, none of the separate steps
    // (each costs the workflow task a round trip: docs/performance.md).
    const ofIt = (i: Record<string, unknown>) => i.transactionId === moved[0]!.transactionId;
    for (const step of ['beginBankMovement', 'bankTransfer', 'settleBankMovement'] as const)
      expect(tier.inputs(step, ofIt), step).toHaveLength(0);
    await handle.executeUpdate(cancelDeregistrationUpdate, { args: [{ version: 1 }] });
  });

  it('goes on from where the one-step movement stopped when the bank answer was lost', async () => {
    const { walletId, handle } = await started(12_345);
    // Recorded (the balance reserved), sent to the bank, its answer lost.
    tier.use({
      moveAtBank: ({ transactionId }) => {
        tier.balances.set(walletId, 0);
        const transaction = {
          transactionId,
          type: 'WITHDRAWAL' as const,
          status: 'PENDING' as const,
          amount: 12_345,
          balanceAfter: 0,
          createdAt: new Date().toISOString(),
        };
        return {
          begun: { ok: true, value: { transaction, balance: 0, replayed: false } },
          bankFailed: true,
        };
      },
    });
    const withdrawn = await handle.executeUpdate(withdrawAllUpdate, { args: [{ version: 1 }] });
    expect(withdrawn).toMatchObject({ ok: true, view: { status: 'AWAITING_CONFIRMATION' } });
    // Not recorded again; the bank asked first (it may have applied it), then settled once.
    expect(tier.inputs('beginBankMovement', forWallet(walletId))).toHaveLength(0);
    expect(tier.inputs('bankTransfer', forWallet(walletId))).toMatchObject([
      { direction: 'CREDIT', amount: 12_345, askFirst: true },
    ]);
    expect(tier.inputs('settleBankMovement')).toContainEqual(
      expect.objectContaining({ outcome: { applied: true } }),
    );
    await handle.executeUpdate(cancelDeregistrationUpdate, { args: [{ version: 1 }] });
  });

  it('ends CANCELLED when the owner cancels while the balance is not cleared', async () => {
    const { handle } = await started(100);
    const cancelled = await handle.executeUpdate(cancelDeregistrationUpdate, {
      args: [{ version: 1 }],
    });
    expect(cancelled).toMatchObject({ ok: true, view: { status: 'CANCELLED', reasons: [] } });
  });
});

describe('the confirmation window', () => {
  it('cancels the deregistration when it is not confirmed within 7 days', async () => {
    const { walletId, handle, first } = await started(0);
    expect(first.status).toBe('AWAITING_CONFIRMATION');
    const window = Date.parse(first.deadline!) - Date.parse(first.updatedAt);
    expect(Math.abs(window - 7 * DAY)).toBeLessThan(1000);
    await tier.sleep('6 days');
    expect(await status(handle)).toMatchObject({ status: 'AWAITING_CONFIRMATION' });
    await tier.sleep('2 days');
    expect(await handle.result()).toMatchObject({ status: 'CANCELLED', reasons: [] });
    expect(tier.inputs('closeWallet', forWallet(walletId))).toHaveLength(0);
  });

  it('closes on confirmation, erases the histories, tells the owner, then clears the outbox', async () => {
    const { walletId, handle } = await started(0);
    const closed = await handle.executeUpdate(confirmDeregistrationUpdate, {
      args: [{ version: 1 }],
    });
    expect(closed).toMatchObject({ ok: true, view: { status: 'CLOSED' } });
    await handle.result();
    const steps = tier
      .sequence((i) => i.walletId === walletId || i.walletOwner === walletId)
      .map((c) =>
        c.name === 'notify'
          ? `notify ${(c.input as unknown as NotifyInput).params.status}`
          : c.name,
      )
      .filter((step) => step !== 'walletBalance' && step !== 'recordDeregistrationStatus');
    // The closing notice may go out before or after the histories are erased; the outbox is
    // cleared only once it is out.
    expect([...steps].sort()).toEqual(
      [
        'notify AWAITING_CONFIRMATION',
        'closeWallet',
        'notify CLOSED',
        'eraseWorkflowHistories',
        'eraseOutboxFor',
      ].sort(),
    );
    expect(steps.indexOf('closeWallet')).toBeLessThan(steps.indexOf('eraseWorkflowHistories'));
    expect(steps.indexOf('closeWallet')).toBeLessThan(steps.indexOf('notify CLOSED'));
    expect(steps[steps.length - 1]).toBe('eraseOutboxFor');
  });

  it('goes back to clearing the balance when money arrived after the owner was asked', async () => {
    const { walletId, handle } = await started(0);
    tier.balances.set(walletId, 700);
    const answer = await handle.executeUpdate(confirmDeregistrationUpdate, {
      args: [{ version: 1 }],
    });
    expect(answer).toMatchObject({ ok: false, view: { status: 'AWAITING_BALANCE_CLEARANCE' } });
    expect(await status(handle)).toMatchObject({ balance: 700 });
    await handle.executeUpdate(cancelDeregistrationUpdate, { args: [{ version: 1 }] });
  });
});
