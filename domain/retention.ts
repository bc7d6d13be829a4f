// SPEC §9: the durable process that erases ended applications' personal data.
export const RETENTION_SWEEP_WORKFLOW = 'retentionSweep';

/** One schedule per task queue (a deployment has one; tests run many side by side). */
export function retentionScheduleId(taskQueue: string): string {
  return `retention-sweep:${taskQueue}`;
}

export interface RetentionSweepInput {
  retentionAfterMs: number;
}

/** How often the schedule runs the sweep: hourly, or as often as the retention itself is short. */
export function retentionSweepEveryMs(retentionAfterMs: number): number {
  return Math.max(1000, Math.min(3600_000, retentionAfterMs));
}
