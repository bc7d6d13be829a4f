// The re-screen of active wallets after a change of the watch list (SPEC §1 step 5): a new hit
// is an ops alert (audit log and worker log), never a freeze.
import { log } from '@temporalio/activity';
import type { ReviewFile } from '../../domain/contract';
import type { ActivityDeps } from '../index';
import { findWatchlistHits } from './name-match';
import { birthDateOf } from '../screening';

/** Wallets per activity call: each opens one sealed snapshot. */
export const RESCREEN_PAGE_SIZE = 200;

export interface RescreenPageInput {
  changeId: string;
  /** The last wallet id of the previous page; null for the first. */
  afterWalletId: string | null;
}

export interface RescreenPageResult {
  /** Where the next page starts; null when this was the last. */
  lastWalletId: string | null;
  screened: number;
  alerts: number;
}

export function createRescreenActivities({
  store,
  config,
}: Pick<ActivityDeps, 'store' | 'config'>) {
  return {
    /**
     * One page of ACTIVE wallets against the entries listed since their application was made
     * (earlier ones were screened before review). Alerts are keyed per (wallet, entry), so a
     * retried page or a later change raises each one once.
     */
    async rescreenActiveWallets(input: RescreenPageInput): Promise<RescreenPageResult> {
      const page = await store.activeWalletsPage({
        afterWalletId: input.afterWalletId,
        limit: RESCREEN_PAGE_SIZE,
      });
      const entries = await store.loadWatchlist();
      let screened = 0;
      let alerts = 0;
      for (const wallet of page) {
        const fresh = entries.filter((e) => e.createdAt.getTime() >= wallet.appliedAt.getTime());
        if (fresh.length === 0) continue;
        // Null once the person's key is erased: nothing is left to screen.
        const file = (await store.readReviewSnapshot(
          config.piiKey,
          wallet.applicationId,
        )) as ReviewFile | null;
        if (!file?.submitted?.name || !file.submitted.idNumber) continue;
        screened++;
        const hits = findWatchlistHits(
          { name: file.submitted.name, birthDate: birthDateOf(file.submitted.idNumber) },
          fresh,
        );
        for (const hit of hits) {
          const alert = { walletId: wallet.walletId, entryId: hit.entry.id, score: hit.score };
          if (await store.raiseWatchlistAlert({ ...alert, changeId: input.changeId })) {
            alerts++;
            log.warn('WATCHLIST_ALERT: an active wallet matches a watch-list entry', alert);
          }
        }
      }
      const last = page[page.length - 1];
      return {
        lastWalletId: page.length === RESCREEN_PAGE_SIZE && last ? last.walletId : null,
        screened,
        alerts,
      };
    },
  };
}
