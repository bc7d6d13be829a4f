// Status events as both databases queue them and the dispatcher sends them (SPEC §6).
import type { WebhookEventKind } from './values';

export const WEBHOOK_EVENT_TYPES = {
  application: 'application.status_changed',
  wallet: 'wallet.status_changed',
  deregistration: 'deregistration.status_changed',
  transaction: 'transaction.status_changed',
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
  /** Transaction events: the wallet whose transaction it is, and its type. */
  walletId?: string;
  transactionType?: string;
}

export interface StatusEvent {
  /** Idempotency: the same change recorded twice (a retried activity) is queued once. */
  eventKey: string;
  kind: WebhookEventKind;
  subjectId: string;
  status: string;
  occurredAt: Date;
  /** Transaction events: see WebhookEventBody. */
  walletId?: string;
  transactionType?: string;
}

/** Whether status events are queued: only with WEBHOOK_URL set. */
export function webhooksEnabled(config: { webhookUrl?: string } | undefined): boolean {
  return Boolean(config?.webhookUrl);
}

/** The body of an event as both databases store and send it. */
export function webhookBodyOf(eventId: string, event: StatusEvent): WebhookEventBody {
  return {
    eventId,
    type: WEBHOOK_EVENT_TYPES[event.kind],
    subjectId: event.subjectId,
    status: event.status,
    occurredAt: event.occurredAt.toISOString(),
    ...(event.walletId !== undefined ? { walletId: event.walletId } : {}),
    ...(event.transactionType !== undefined ? { transactionType: event.transactionType } : {}),
  };
}
