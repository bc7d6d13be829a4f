// Delivers the event webhooks queued in `webhook_events` (db/sqlite/repositories/status-events.ts) to WEBHOOK_URL
// (SPEC §6): signed, retried with exponential backoff until the receiver answers 2xx.
//
// Several worker processes may run a dispatcher against one database. A row is claimed by one
// UPDATE … RETURNING that pushes its `next_attempt_at` ahead by a lease, so no two dispatchers
// send it at once; a dispatcher that dies mid-delivery leaves the lease to run out and another
// takes the row over. Events of one subject go out in the order they were recorded: a row is only
// claimable while no earlier row of the same subject is undelivered. Delivery is at least once
// (an answer lost on the way back means a second POST); receivers deduplicate on X-Event-Id.
import { createHmac } from 'node:crypto';
import type { Claimed, Store } from '../db/store';

export const WEBHOOK_FIRST_RETRY_MS = 1000;
export const WEBHOOK_MAX_RETRY_MS = 10 * 60_000;
/** ±20 % around the nominal delay, so that a receiver back from an outage is not hit in waves. */
export const WEBHOOK_JITTER = 0.2;

/** The X-Signature header: HMAC-SHA256 of the exact body bytes under WEBHOOK_SECRET, hex. */
export function signWebhookBody(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * The wait after the `attempts`-th failed delivery: 1 s, 2 s, 4 s, … doubling up to 10 min, then
 * 10 min for ever, each with ±20 % jitter (never more than the cap). `random` is in [0, 1).
 */
export function webhookRetryDelayMs(
  attempts: number,
  {
    firstMs = WEBHOOK_FIRST_RETRY_MS,
    maxMs = WEBHOOK_MAX_RETRY_MS,
    random = Math.random,
  }: { firstMs?: number; maxMs?: number; random?: () => number } = {},
): number {
  const exponent = Math.min(Math.max(attempts, 1) - 1, 40);
  const nominal = Math.min(maxMs, firstMs * 2 ** exponent);
  const jittered = nominal * (1 - WEBHOOK_JITTER + 2 * WEBHOOK_JITTER * random());
  return Math.max(1, Math.min(maxMs, Math.round(jittered)));
}

/**
 * Where the rows to deliver come from: the event webhooks' outbox by default, or another table
 * with the same delivery columns (staff notifications to STAFF_WEBHOOK_URL).
 */
export interface DeliveryQueue {
  claim(options: { leaseMs: number; batchSize: number }): Promise<Claimed[]> | Claimed[];
  delivered(id: number): Promise<void> | void;
  handBack(id: number): Promise<void> | void;
  retryLater(id: number, at: Date, lastError: string): Promise<void> | void;
}

export function webhookEventQueue(store: Store): DeliveryQueue {
  return {
    claim: (options) => store.claimDueWebhookEvents(options),
    delivered: (id) => store.markWebhookEventDelivered(id),
    handBack: (id) => store.handWebhookEventBack(id),
    retryLater: (id, at, lastError) => store.retryWebhookEventLater(id, at, lastError),
  };
}

export interface WebhookDispatcherOptions {
  store: Store;
  /** The rows to deliver; `webhookEventQueue(store)` when not given. */
  queue?: DeliveryQueue;
  url: string;
  secret: string;
  /** How often due events are looked for. */
  pollMs?: number;
  /** Rows claimed per poll (at most one per subject). */
  batchSize?: number;
  /** How long a claimed row stays invisible to other dispatchers; longer than `timeoutMs`. */
  leaseMs?: number;
  /** Per request. */
  timeoutMs?: number;
  firstRetryMs?: number;
  maxRetryMs?: number;
  fetch?: typeof fetch;
  log?: (message: string, error?: unknown) => void;
}

export interface WebhookDispatcher {
  /** Delivers what is due now, once (tests; the loop calls it by itself). Returns rows claimed. */
  runOnce(): Promise<number>;
  /** Stops polling and waits for deliveries under way; nothing is lost (unsent rows stay due). */
  stop(): Promise<void>;
}

export function startWebhookDispatcher(options: WebhookDispatcherOptions): WebhookDispatcher {
  const {
    store,
    url,
    secret,
    pollMs = 500,
    batchSize = 20,
    timeoutMs = 10_000,
    leaseMs = Math.max(60_000, timeoutMs * 3),
    firstRetryMs = WEBHOOK_FIRST_RETRY_MS,
    maxRetryMs = WEBHOOK_MAX_RETRY_MS,
    fetch: send = fetch,
    log = (message, error) => console.warn(`webhooks: ${message}`, error ?? ''),
  } = options;

  const queue = options.queue ?? webhookEventQueue(store);
  const stopping = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;

  async function deliver(row: Claimed): Promise<void> {
    const timeout = AbortSignal.timeout(timeoutMs);
    let error: string;
    try {
      const response = await send(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-signature': signWebhookBody(secret, row.body),
          'x-event-id': row.eventId,
        },
        body: row.body,
        redirect: 'manual',
        signal: AbortSignal.any([timeout, stopping.signal]),
      });
      await response.body?.cancel().catch(() => undefined);
      if (response.status >= 200 && response.status < 300) {
        await queue.delivered(row.id);
        return;
      }
      error = `HTTP ${response.status}`;
    } catch (cause) {
      if (stopping.signal.aborted) {
        // Shutting down: hand the row back at once rather than after the lease.
        await queue.handBack(row.id);
        return;
      }
      error = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    }
    const delay = webhookRetryDelayMs(row.attempts, { firstMs: firstRetryMs, maxMs: maxRetryMs });
    await queue.retryLater(row.id, new Date(Date.now() + delay), error.slice(0, 500));
  }

  async function runOnce(): Promise<number> {
    const rows = await queue.claim({ leaseMs, batchSize });
    await Promise.all(
      rows.map((row) =>
        deliver(row).catch((error: unknown) => log(`event ${row.eventId} not updated`, error)),
      ),
    );
    return rows.length;
  }

  function schedule(delay: number) {
    if (stopping.signal.aborted) return;
    timer = setTimeout(() => {
      running = runOnce().catch((error: unknown) => {
        log('poll failed', error);
        return 0;
      });
      void running.then((claimed) => {
        running = undefined;
        // A full batch: more may be due right now.
        schedule(claimed >= batchSize ? 0 : pollMs);
      });
    }, delay);
  }

  schedule(0);

  return {
    runOnce,
    async stop() {
      stopping.abort();
      clearTimeout(timer);
      await running;
    },
  };
}

/** Staff notifications (review reminders, escalations) as the dispatcher's rows. */
export function staffNotificationQueue(store: Store): DeliveryQueue {
  return {
    claim: (options) => store.claimDueStaffNotifications(options),
    delivered: (id) => store.markStaffNotificationDelivered(id),
    handBack: (id) => store.handStaffNotificationBack(id),
    retryLater: (id, at, lastError) => store.retryStaffNotificationLater(id, at, lastError),
  };
}
