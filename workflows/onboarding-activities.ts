// Activity stubs of the onboarding workflow, grouped by how long they may take and what a retry
// can fix. Input errors raise non-retryable ApplicationFailures inside the activities.
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

const retry = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  nonRetryableErrorTypes: ['INVALID_INPUT'],
};

/** Database reads and writes: quick, retried until the database answers. */
export const db = proxyActivities<Activities>({ startToCloseTimeout: '15 seconds', retry });

/** Delivery to people: retried for a day; each delivery is keyed, so it happens once. */
export const messaging = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '1 day',
  retry,
});

/** The bank's core system, which may be slow or briefly down. */
export const coreBanking = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry,
});

/** Photo decode and OCR: CPU-bound, seconds at most; a person is waiting on the answer. */
export const photo = proxyActivities<Activities>({
  startToCloseTimeout: '90 seconds',
  retry: { ...retry, maximumAttempts: 3 },
});

/**
 * The quick database reads and writes again, as local activities: the worker runs them inside the
 * workflow task that asks for them, with no round trip through the server and no further workflow
 * task. Same timeout and retries.
 */
export const localDb = proxyLocalActivities<Activities>({
  startToCloseTimeout: '15 seconds',
  retry,
});
