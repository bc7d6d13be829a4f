// Status changes as event webhooks (SPEC §6): queued in the outbox table `webhook_events` inside
// the database transaction that makes the change, so that an event exists if and only if the
// change committed. webhooks/dispatcher.ts delivers them.
import { randomUUID } from 'node:crypto';
import type { AppDatabase } from '../client';
import { webhookEvents } from '../schema';
import {
  WEBHOOK_EVENT_TYPES,
  webhooksEnabled,
  type StatusEvent,
  type WebhookEventBody,
  type WebhookEventType,
  webhookBodyOf,
} from '../../shared/status-events';
import type { Tx } from './ledger';

export {
  WEBHOOK_EVENT_TYPES,
  webhooksEnabled,
  type StatusEvent,
  type WebhookEventBody,
  type WebhookEventType,
};

/**
 * Queues the event in the caller's transaction. Call it only when `webhooksEnabled(config)`.
 * Returns false when this change was already queued.
 */
export function queueStatusEvent(tx: Tx | AppDatabase, event: StatusEvent): boolean {
  const eventId = `evt_${randomUUID()}`;
  const body = webhookBodyOf(eventId, event);
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
