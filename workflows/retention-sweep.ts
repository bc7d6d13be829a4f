// Started by a Temporal Schedule (temporal/schedules.ts): erases the personal data of every
// application that ended RETENTION_AFTER ago, a page at a time (SPEC §9).
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { RetentionSweepInput } from '../domain/retention';

const { eraseEndedApplications } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** Applications per activity call: each may delete photos and a workflow history. */
const PAGE = 50;
/** Pages per run; the next run of the schedule takes the rest. */
const MAX_PAGES = 100;

export async function retentionSweep(input: RetentionSweepInput): Promise<{ erased: number }> {
  const endedBefore = new Date(Date.now() - input.retentionAfterMs).toISOString();
  let erased = 0;
  for (let page = 0; page < MAX_PAGES; page++) {
    const result = await eraseEndedApplications({ endedBefore, limit: PAGE });
    erased += result.erased;
    if (!result.more) break;
  }
  return { erased };
}
