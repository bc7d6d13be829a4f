// Activities of the deregistration workflow (SPEC §3): the wallet's state, the withdrawal of
// everything left, and the closure that erases the person's data.
import { isGrpcServiceError, WorkflowNotFoundError } from '@temporalio/client';
import { and, eq, lte } from 'drizzle-orm';
import { applications, wallets } from '../db/schema';
import type { ReasonCode } from '../domain/codes';
import { onboardingWorkflowId } from '../domain/contract';
import { appendAudit } from '../db/repositories/audit-log';
import { createLedger, ledgerOutcome } from '../db/repositories/ledger';
import { deleteOutboxFor } from '../db/repositories/outbox';
import { erasePerson } from '../db/repositories/person-erasure';
import {
  forgetOwnerPhone,
  resealOwnerPhoneForClosure,
  walletOwnerPhone,
} from '../db/repositories/wallet-owner';
import { queueStatusEvent, webhooksEnabled } from '../db/repositories/status-events';
import type { ActivityDeps } from './index';

export interface WalletBalance {
  status: 'ACTIVE' | 'FROZEN' | 'CLOSED' | 'MISSING';
  balance: number;
  frozen: boolean;
  pending: number;
}

export interface CloseWalletInput {
  walletId: string;
  applicationId: string;
  photoRefs: string[];
}

export function createDeregistrationActivities(deps: ActivityDeps) {
  const { db } = deps;
  const webhooks = webhooksEnabled(deps.config);
  const ledger = createLedger(db, { webhookEvents: webhooks });

  function walletBalance({ walletId }: { walletId: string }): WalletBalance {
    const row = db
      .select({ status: wallets.status, balance: wallets.balance })
      .from(wallets)
      .where(eq(wallets.id, walletId))
      .get();
    if (!row) return { status: 'MISSING', balance: 0, frozen: false, pending: 0 };
    return {
      status: row.status,
      balance: row.balance,
      frozen: row.status === 'FROZEN',
      // Every movement is one database transaction: nothing is ever left pending here. A core
      // banking adapter with asynchronous settlement would count its open transfers.
      pending: 0,
    };
  }

  return {
    async walletBalance(input: { walletId: string }): Promise<WalletBalance> {
      return walletBalance(input);
    },

    async recordDeregistrationStatus(input: {
      walletId: string;
      status: string;
      seq: number;
      at: string;
      reasons: string[];
    }): Promise<void> {
      const eventKey = `wallet:${input.walletId}:deregistration:${input.at}:${input.seq}`;
      const at = new Date(input.at);
      db.transaction((tx) => {
        appendAudit(tx, {
          eventKey,
          at,
          actor: 'system',
          action: 'DEREGISTRATION_STATUS_CHANGED',
          subjectType: 'wallet',
          subjectId: input.walletId,
          detail: { status: input.status, reasons: input.reasons },
        });
        if (webhooks)
          queueStatusEvent(tx, {
            eventKey,
            kind: 'deregistration',
            subjectId: input.walletId,
            status: input.status,
            occurredAt: at,
          });
      });
    },

    async withdrawAllForDeregistration(input: {
      walletId: string;
      key: string;
    }): Promise<{ ok: true; amount: number } | { ok: false; code: ReasonCode }> {
      const outcome = await ledgerOutcome(() => ledger.withdrawAll(input.walletId, input.key));
      // A refusal that is not about the money (unknown wallet, a reused key) means the wallet
      // is not in a state to be emptied.
      if (!outcome.ok) {
        const { code } = outcome;
        const notAboutMoney =
          code === 'NOT_FOUND' ||
          code === 'INVALID_INPUT' ||
          code === 'IDEMPOTENCY_KEY_REUSED' ||
          // withdrawAll checks no password; listed so that every ledger code has an answer.
          code === 'PAYMENT_PASSWORD_BUSY';
        return { ok: false, code: notAboutMoney ? 'INVALID_STATE' : code };
      }
      return { ok: true, amount: outcome.value?.transaction.amount ?? 0 };
    },

    /**
     * Closes the wallet and erases the person: in one database transaction the balance is
     * checked again (money may have arrived since the owner was asked), the wallet is marked
     * CLOSED, transactions, logins, screening traces and review copies go, the person's claim
     * is released (a new application may follow) and their key is destroyed, which leaves
     * anything still sealed under it unreadable. Only an anonymous audit record stays. Photos
     * are files: they are deleted after the transaction commits. Idempotent: a retry after a
     * committed closure finds the wallet CLOSED and only repeats the file deletions.
     */
    async closeWallet(
      input: CloseWalletInput,
    ): Promise<{ ok: true } | { ok: false; code: ReasonCode }> {
      const outcome = db.transaction((tx): { ok: true } | { ok: false; code: ReasonCode } => {
        const wallet = tx.select().from(wallets).where(eq(wallets.id, input.walletId)).get();
        if (!wallet) return { ok: false, code: 'INVALID_STATE' };
        if (wallet.status === 'CLOSED') return { ok: true };
        if (wallet.status === 'FROZEN') return { ok: false, code: 'WALLET_FROZEN' };
        if (wallet.balance !== 0) return { ok: false, code: 'BALANCE_NOT_ZERO' };
        const now = new Date();
        const personApplications = tx
          .select({ id: applications.id })
          .from(applications)
          .where(eq(applications.personId, wallet.personId))
          .all()
          .map((r) => r.id);
        const applicationIds = [...new Set([input.applicationId, ...personApplications])];
        // While the wallet is still open, so that the number is read under the person's key.
        const ownerPhone = resealOwnerPhoneForClosure(tx, deps.config.piiKey, wallet.id);
        tx.update(wallets)
          .set({ status: 'CLOSED', balance: 0, paymentPasswordHash: '', updatedAt: now })
          .where(eq(wallets.id, wallet.id))
          .run();
        erasePerson(tx, deps.config.piiKey, {
          personId: wallet.personId,
          applicationIds,
          walletId: wallet.id,
          ownerPhone,
          now,
        });
        appendAudit(tx, {
          eventKey: `wallet:${wallet.id}:closed`,
          at: now,
          actor: 'owner',
          action: 'WALLET_CLOSED',
          subjectType: 'wallet',
          subjectId: wallet.id,
          detail: { tier: wallet.tier, openedAt: wallet.createdAt.toISOString() },
        });
        if (webhooks)
          queueStatusEvent(tx, {
            eventKey: `wallet:${wallet.id}:closed`,
            kind: 'wallet',
            subjectId: wallet.id,
            status: 'CLOSED',
            occurredAt: now,
          });
        return { ok: true };
      });
      if (outcome.ok && deps.photoStore) {
        for (const ref of input.photoRefs) await deps.photoStore.delete(ref).catch(() => undefined);
      }
      return outcome;
    },

    /**
     * Erasure in Temporal (SPEC §6), on top of the erased key that already makes their payloads
     * undecryptable: deletes the closed onboarding executions of the wallet's owner — every
     * application of theirs made up to the closure — so that not even ciphertext of their name,
     * ID number, phone and card is kept. Executions still running are left alone (a new
     * application made after the closure is not the closed wallet's). Idempotent: already
     * deleted ones are skipped. The deregistration workflow calling this holds none of the
     * owner's data (it names the wallet), so its own history may stay until retention ends.
     */
    async eraseWorkflowHistories(input: {
      walletId: string;
    }): Promise<{ deleted: number; running: number }> {
      const client = deps.temporalClient;
      if (!client) throw new Error('eraseWorkflowHistories needs a Temporal client (ActivityDeps)');
      const wallet = db.select().from(wallets).where(eq(wallets.id, input.walletId)).get();
      if (!wallet || wallet.status !== 'CLOSED') return { deleted: 0, running: 0 };
      const applicationIds = new Set([
        wallet.applicationId,
        ...db
          .select({ id: applications.id })
          .from(applications)
          .where(
            and(
              eq(applications.personId, wallet.personId),
              lte(applications.createdAt, wallet.updatedAt),
            ),
          )
          .all()
          .map((r) => r.id),
      ]);
      let deleted = 0;
      let running = 0;
      for (const applicationId of applicationIds) {
        const workflowId = onboardingWorkflowId(applicationId);
        try {
          const { status } = await client.workflow.getHandle(workflowId).describe();
          if (status.name === 'RUNNING') {
            running += 1;
            continue;
          }
          await client.workflowService.deleteWorkflowExecution({
            namespace: deps.config.temporal.namespace,
            workflowExecution: { workflowId },
          });
          deleted += 1;
        } catch (error) {
          // Gone already (deleted by an earlier attempt, or past retention).
          if (error instanceof WorkflowNotFoundError) continue;
          if (isGrpcServiceError(error) && (error.code as number) === 5 /* NOT_FOUND */) continue;
          throw error;
        }
      }
      return { deleted, running };
    },

    /**
     * After the closing notice: the sandbox SMS outbox (a stand-in for the carrier) keeps nothing
     * of a closed wallet's owner, and neither does the wallet row.
     */
    async eraseOutboxFor(input: { walletId: string }): Promise<void> {
      db.transaction((tx) => {
        const phone = walletOwnerPhone(tx, deps.config.piiKey, input.walletId);
        if (phone) deleteOutboxFor(tx, deps.config.piiKey, phone);
        forgetOwnerPhone(tx, input.walletId);
      });
    },
  };
}
