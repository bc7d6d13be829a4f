// Hands the owner notices the ledger queued (db/sqlite/repositories/wallet-notices.ts) to Temporal, one
// `walletNotice` workflow each, named after the notice's key: a notice handed over twice (a relay
// that died between the start and marking it) is one workflow, and so one message. Several
// workers may each run a relay: a row is leased to one at a time.
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Store } from '../db/store';
import { WALLET_NOTICE_WORKFLOW } from '../domain/contract';

export interface NoticeRelayOptions {
  store: Store;
  client: Client;
  taskQueue: string;
  pollMs?: number;
  /** How long a claimed notice is left to this relay before another may take it. */
  leaseMs?: number;
  log?: (message: string, error?: unknown) => void;
}

export interface NoticeRelay {
  /** Hands over what is due now, once (tests; the loop calls it by itself). */
  runOnce(): Promise<number>;
  stop(): Promise<void>;
}

export function startNoticeRelay(options: NoticeRelayOptions): NoticeRelay {
  const { store, client, taskQueue, pollMs = 250, leaseMs = 30_000 } = options;
  const log = options.log ?? ((m: string, e?: unknown) => console.warn(m, e ?? ''));
  let stopped = false;
  let running: Promise<number> | null = null;

  async function runOnce(): Promise<number> {
    const due = await store.claimDueWalletNotices({ limit: 20, leaseMs });
    for (const notice of due) {
      try {
        await client.workflow.start(WALLET_NOTICE_WORKFLOW, {
          workflowId: `wallet-notice-${notice.key}`,
          taskQueue,
          args: [notice],
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        });
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) {
          // Left leased: tried again once the lease runs out.
          log(`wallet notice ${notice.key} not handed to Temporal yet`, error);
          continue;
        }
      }
      await store.markWalletNoticeRelayed(notice.key);
    }
    return due.length;
  }

  const timer = setInterval(() => {
    if (stopped || running) return;
    running = runOnce()
      .catch((error: unknown) => {
        log('notice relay failed', error);
        return 0;
      })
      .finally(() => {
        running = null;
      });
  }, pollMs);

  return {
    runOnce,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
