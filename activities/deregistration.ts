// Activities of the deregistration workflow (SPEC §3): the wallet's state and the closure that
// erases the person's data. Its withdraw-all is a money movement (workflows/money-movement.ts).
import { isGrpcServiceError, WorkflowNotFoundError } from '@temporalio/client';
import type { ReasonCode } from '../domain/codes';
import { onboardingWorkflowId } from '../domain/contract';
import { webhooksEnabled } from '../db/store';
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
  /** Recorded in histories; every photo of `applicationId` is deleted, whatever it lists. */
  photoRefs: string[];
}

export function createDeregistrationActivities(deps: ActivityDeps) {
  const { store } = deps;
  const webhooks = webhooksEnabled(deps.config);

  async function walletBalance({ walletId }: { walletId: string }): Promise<WalletBalance> {
    const row = await store.walletStatusAndBalance(walletId);
    if (!row) return { status: 'MISSING', balance: 0, frozen: false, pending: 0 };
    return {
      status: row.status,
      balance: row.balance,
      frozen: row.status === 'FROZEN',
      // Top-ups and withdrawals whose bank leg is under way (workflows/money-movement.ts).
      pending: Number(row.pending),
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
      await store.recordDeregistrationStatusChange(input, { webhooks });
    },

    /**
     * Closes the wallet and erases the person: in one database transaction the balance is
     * checked again (money may have arrived since the owner was asked), the wallet is marked
     * CLOSED, transactions, logins, screening traces and review copies go, the person's claim
     * is released (a new application may follow) and their key is destroyed, which leaves
     * anything still sealed under it unreadable, its photos included. Only an anonymous audit
     * record stays. The application's photos (files, or rows on PostgreSQL) are deleted after
     * the transaction commits: this application's only, never another's holding the same bytes
     * (db/shared/photo-refs.ts). Idempotent: a retry after a committed closure finds the wallet
     * CLOSED and only repeats the deletions.
     */
    async closeWallet(
      input: CloseWalletInput,
    ): Promise<{ ok: true } | { ok: false; code: ReasonCode }> {
      const outcome = await store.closeWalletAndErasePerson(deps.config.piiKey, input, {
        webhooks,
      });
      if (outcome.ok) await deps.photoStore?.of(input.applicationId).deleteAll();
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
      const applicationIds = await store.closedWalletApplications(input.walletId);
      if (applicationIds === null) return { deleted: 0, running: 0 };
      let deleted = 0;
      let running = 0;
      const notFound = (error: unknown) =>
        error instanceof WorkflowNotFoundError ||
        (isGrpcServiceError(error) && (error.code as number) === 5); /* NOT_FOUND */
      for (const applicationId of applicationIds) {
        const workflowId = onboardingWorkflowId(applicationId);
        const handle = client.workflow.getHandle(workflowId);
        // Gone already (deleted by an earlier attempt, or past retention): null.
        const status = await handle.describe().then(
          (d) => d.status.name,
          (error: unknown) => {
            if (notFound(error)) return null;
            throw error;
          },
        );
        if (status === 'RUNNING') {
          running += 1;
          continue;
        }
        // The owner's earlier applications' photos too (sealed under the erased key already).
        await deps.photoStore?.of(applicationId).deleteAll();
        if (status === null) continue;
        try {
          await client.workflowService.deleteWorkflowExecution({
            namespace: deps.config.temporal.namespace,
            workflowExecution: { workflowId },
          });
          deleted += 1;
        } catch (error) {
          if (!notFound(error)) throw error;
        }
      }
      return { deleted, running };
    },

    /**
     * After the closing notice: the sandbox SMS outbox (a stand-in for the carrier) keeps nothing
     * of a closed wallet's owner, and neither does the wallet row.
     */
    async eraseOutboxFor(input: { walletId: string }): Promise<void> {
      await store.forgetClosedOwnerPhone(deps.config.piiKey, input.walletId);
    },
  };
}
