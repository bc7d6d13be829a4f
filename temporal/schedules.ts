// The Temporal Schedules the engine runs by (not timers in the API): made or brought up to date by
// every worker at start, so a deployment needs no separate step and N workers make one schedule.
import {
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleOptions,
} from '@temporalio/client';
import type { Config } from '../config/config';
import {
  RETENTION_SWEEP_WORKFLOW,
  retentionScheduleId,
  retentionSweepEveryMs,
  type RetentionSweepInput,
} from '../domain/retention';

export async function ensureSchedules(client: Client, config: Config): Promise<void> {
  const input: RetentionSweepInput = { retentionAfterMs: config.lifecycle.retentionAfterMs };
  const scheduleId = retentionScheduleId(config.temporal.taskQueue);
  const options: ScheduleOptions = {
    scheduleId,
    spec: { intervals: [{ every: retentionSweepEveryMs(input.retentionAfterMs) }] },
    action: {
      type: 'startWorkflow',
      workflowType: RETENTION_SWEEP_WORKFLOW,
      workflowId: scheduleId,
      taskQueue: config.temporal.taskQueue,
      args: [input],
    },
    // A sweep still running when the next is due: skip, the running one takes it all.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
  };
  try {
    await client.schedule.create(options);
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    // Another worker made it, or an earlier start with other settings: take this one's.
    await client.schedule.getHandle(scheduleId).update((previous) => ({
      ...previous,
      spec: options.spec,
      action: options.action,
      policies: { ...previous.policies, ...options.policies },
    }));
  }
}
