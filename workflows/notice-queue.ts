// People's notices about status changes, sent behind the process that changes the status: one at a
// time in the order they were queued, each with its own retries (a day, see onboarding-activities),
// and never able to stop that process. A notice that fails for good (its retries spent, or refused
// by the gateway) stays in the history for ops.
import { log } from '@temporalio/workflow';

export function noticeQueue() {
  let tail: Promise<void> = Promise.resolve();
  return {
    /** Sends `notice` once every notice queued before it has been sent or has failed. */
    enqueue(seq: number, notice: () => Promise<void>): void {
      tail = tail.then(notice).catch((error: unknown) => {
        log.warn('status notice not delivered', { seq, error: String(error) });
      });
    },
    /** Settles once every notice queued so far has been sent or has failed. */
    drained: (): Promise<void> => tail,
  };
}
