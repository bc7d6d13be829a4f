// Status changes as event webhooks (SPEC §6): queued in the outbox table `webhook_events` inside
// the database transaction that makes the change, so that an event exists if and only if the
// change committed. webhooks/dispatcher.ts delivers them.
import { randomUUID } from 'node:crypto';
import type { AppDatabase } from '../client';
import { webhookEvents, type WebhookEventKind } from '../schema';
import type { Tx } from './ledger';

export const WEBHOOK_EVENT_TYPES = {
  application: 'application.status_changed',
  wallet: 'wallet.status_changed',
  deregistration: 'deregistration.status_changed',
} as const satisfies Record<WebhookEventKind, string>;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[WebhookEventKind];

/** What the receiver gets: ids and statuses only, never personal data. */
export interface WebhookEventBody {
  eventId: string;
  type: WebhookEventType;
  /** The application id, the wallet id, or (deregistration) the wallet being deregistered. */
  subjectId: string;
  status: string;
  occurredAt: string;
}

export interface StatusEvent {
  /** Idempotency: the same change recorded twice (a retried activity) is queued once. */
  eventKey: string;
  kind: WebhookEventKind;
  subjectId: string;
  status: string;
  occurredAt: Date;
}

/** Whether status events are queued: only with WEBHOOK_URL set. */
export function webhooksEnabled(config: { webhookUrl?: string } | undefined): boolean {
  return Boolean(config?.webhookUrl);
}

/**
 * Queues the event in the caller's transaction. Call it only when `webhooksEnabled(config)`.
 * Returns false when this change was already queued.
 */
export function queueStatusEvent(tx: Tx | AppDatabase, event: StatusEvent): boolean {
  const eventId = `evt_${randomUUID()}`;
  const body: WebhookEventBody = {
    eventId,
    type: WEBHOOK_EVENT_TYPES[event.kind],
    subjectId: event.subjectId,
    status: event.status,
    occurredAt: event.occurredAt.toISOString(),
  };
  const now = new Date();
  return (
    tx
      .insert(webhookEvents)
      .values({
        eventId,
        eventKey: event.eventKey,
        kind: event.kind,
        subjectId: event.subjectId,
        status: event.status,
        body: JSON.stringify(body),
        createdAt: now,
        nextAttemptAt: now,
      })
      .onConflictDoNothing({ target: webhookEvents.eventKey })
      .run().changes === 1
  );
}
