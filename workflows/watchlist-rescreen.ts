// After a change of the watch list, every ACTIVE wallet is screened again, page by page, so that
// a worker that dies mid-scan resumes where it was (SPEC §1 step 5).
import { continueAsNew, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { WatchlistRescreenInput } from '../domain/watchlist';

const { rescreenActiveWallets } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export interface WatchlistRescreenResult {
  screened: number;
  alerts: number;
}

export async function watchlistRescreen(
  input: WatchlistRescreenInput & {
    afterWalletId?: string | null;
  } & Partial<WatchlistRescreenResult>,
): Promise<WatchlistRescreenResult> {
  let afterWalletId = input.afterWalletId ?? null;
  let screened = input.screened ?? 0;
  let alerts = input.alerts ?? 0;
  do {
    const page = await rescreenActiveWallets({ changeId: input.changeId, afterWalletId });
    screened += page.screened;
    alerts += page.alerts;
    afterWalletId = page.lastWalletId;
    if (afterWalletId !== null && workflowInfo().continueAsNewSuggested)
      await continueAsNew<typeof watchlistRescreen>({
        changeId: input.changeId,
        afterWalletId,
        screened,
        alerts,
      });
  } while (afterWalletId !== null);
  return { screened, alerts };
}
