// The re-screen after a change of the watch list goes through every page of active wallets and
// adds up what each page found (SPEC §1 step 5).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WATCHLIST_RESCREEN_WORKFLOW } from '../../domain/watchlist';
import { startWorkflowTier, type WorkflowTier } from '../helpers/time-skipping';

let tier: WorkflowTier;
beforeAll(async () => {
  tier = await startWorkflowTier();
});
afterAll(async () => {
  await tier?.close();
});

describe('watchlistRescreen', () => {
  it('asks for pages until the last one and sums screened wallets and alerts', async () => {
    const changeId = `test:${randomUUID()}`;
    const pages: Record<string, { lastWalletId: string | null; screened: number; alerts: number }> =
      {
        start: { lastWalletId: 'w_200', screened: 200, alerts: 1 },
        w_200: { lastWalletId: 'w_400', screened: 190, alerts: 0 },
        w_400: { lastWalletId: null, screened: 7, alerts: 2 },
      };
    tier.use({
      rescreenActiveWallets: ({ afterWalletId }) => pages[afterWalletId ?? 'start']!,
    });
    const result = await tier.client.workflow.execute(WATCHLIST_RESCREEN_WORKFLOW, {
      taskQueue: tier.taskQueue,
      workflowId: `watchlist-rescreen-${changeId}`,
      args: [{ changeId }],
    });
    expect(result).toEqual({ screened: 397, alerts: 3 });
    expect(
      tier
        .inputs('rescreenActiveWallets', (i) => i.changeId === changeId)
        .map((i) => i.afterWalletId),
    ).toEqual([null, 'w_200', 'w_400']);
  });
});
