// Notifications to applicants (SMS) and staff, delivered once per idempotency key however often
// Temporal retries the activity: the sandbox outbox has a unique key, and the real gateway is
// sent the key as `Idempotency-Key` to deduplicate on its side.
import { ApplicationFailure } from '@temporalio/common';
import type { Store } from '../db/store';
import { isValidPhone } from '../domain/fields';
import type { Config } from '../config/config';
import { renderNotification, TemplateError, type NotificationTemplate } from './templates';
import type { ActivityDeps } from '../activities/index';

export type { NotificationTemplate } from './templates';
export type NotificationChannel = 'sms' | 'staff';

export interface NotifyInput {
  /** Idempotency key, e.g. `${applicationId}:otp:${n}`: one delivery per key. */
  key: string;
  /**
   * The phone number for 'sms'; a role name such as 'reviewers' for 'staff', whom the activity
   * resolves to people (the case's claimer, every reviewer, ops).
   */
  recipient?: string;
  /**
   * Instead of `recipient`, for 'sms': the owner of this wallet, whose number is looked up here
   * (db/sqlite/repositories/wallet-owner.ts) so that the calling workflow's history holds none of their data.
   */
  walletOwner?: string;
  channel: NotificationChannel;
  template: NotificationTemplate;
  params: Record<string, string>;
}

export interface OutboundMessage {
  key: string;
  recipient: string;
  channel: NotificationChannel;
  template: NotificationTemplate;
  text: string;
}

export interface SmsTransport {
  /** Must be idempotent per `key`; throws to have Temporal retry. */
  send(message: OutboundMessage): Promise<void>;
}

/** The sandbox's transport: the outbox table, sealed at rest (db/sqlite/repositories/outbox.ts). */
export function outboxTransport(store: Store, piiKey: Buffer): SmsTransport {
  return {
    async send(message) {
      await store.insertOutboxEntry(piiKey, {
        idemKey: message.key,
        recipient: message.recipient,
        channel: message.channel,
        template: message.template,
        text: message.text,
      });
    },
  };
}

/**
 * POSTs `{key, recipient, channel, template, text}` with an `Idempotency-Key` header. 2xx and
 * 409 (already delivered) count as sent; 408, 429 and 5xx are retried; any other 4xx means the
 * gateway refuses the message, which retrying would not change.
 */
export function webhookTransport(
  url: string,
  { fetchImpl = fetch, timeoutMs = 10_000 }: { fetchImpl?: typeof fetch; timeoutMs?: number } = {},
): SmsTransport {
  return {
    async send(message) {
      const response = await fetchImpl(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': message.key },
        body: JSON.stringify(message),
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.body?.cancel();
      if (response.ok || response.status === 409) return;
      if (response.status >= 400 && response.status < 500 && ![408, 429].includes(response.status))
        throw ApplicationFailure.nonRetryable(
          `The SMS gateway refused the message (${response.status})`,
          'NOTIFICATION_REFUSED',
        );
      throw new Error(`The SMS gateway answered ${response.status}`);
    },
  };
}

export function defaultSmsTransport(store: Store, config: Config): SmsTransport {
  if (config.sandbox) return outboxTransport(store, config.piiKey);
  if (!config.smsWebhookUrl) throw new Error('SMS_WEBHOOK_URL is required when SANDBOX=0');
  return webhookTransport(config.smsWebhookUrl);
}

const STAFF_RECIPIENT = /^[a-z][a-z0-9-]{0,63}$/;

/**
 * Who on the staff a notification is for (SPEC §7): a review reminder goes to the case's claimer,
 * or to every reviewer when unclaimed; an escalation to ops. The workflow names roles
 * (`reviewers`, `review-supervisors`); the people behind them are only known here.
 */
async function staffAudience(store: Store, input: NotifyInput, role: string): Promise<string> {
  const applicationId = input.params?.applicationId;
  if (input.template === 'REVIEW_ESCALATION') return 'role:ops';
  if (input.template === 'REVIEW_REMINDER') {
    const claimer = applicationId ? await store.caseClaimOf(applicationId) : null;
    return claimer ? `user:${claimer}` : 'role:reviewer';
  }
  return `role:${role}`;
}

export function createNotifyActivities(
  deps: Pick<ActivityDeps, 'store' | 'config'> & { smsTransport?: SmsTransport },
) {
  let transport = deps.smsTransport;
  const deliver = () => (transport ??= defaultSmsTransport(deps.store, deps.config));
  const store = deps.store;

  return {
    async notify(input: NotifyInput): Promise<void> {
      if (typeof input.key !== 'string' || input.key.length === 0 || input.key.length > 200)
        throw ApplicationFailure.nonRetryable('key must be 1–200 characters', 'INVALID_INPUT');
      let recipient = input.recipient?.trim() ?? '';
      if (input.channel === 'sms' && input.walletOwner) {
        const owner = await deps.store.walletOwnerPhone(deps.config.piiKey, input.walletOwner);
        // A wallet opened before numbers were kept with it: nobody to tell, nothing to retry.
        if (owner === null) return;
        recipient = owner;
      }
      if (input.channel === 'sms') {
        if (!isValidPhone(recipient))
          throw ApplicationFailure.nonRetryable(
            'SMS recipient is not a mobile number',
            'INVALID_INPUT',
          );
      } else if (input.channel === 'staff') {
        if (!STAFF_RECIPIENT.test(recipient))
          throw ApplicationFailure.nonRetryable(
            'Staff recipient must be a role name',
            'INVALID_INPUT',
          );
      } else {
        throw ApplicationFailure.nonRetryable(
          `Unknown channel ${String(input.channel)}`,
          'INVALID_INPUT',
        );
      }
      let text: string;
      try {
        text = renderNotification(input.template, input.params ?? {});
      } catch (error) {
        if (error instanceof TemplateError)
          throw ApplicationFailure.nonRetryable(error.message, 'INVALID_TEMPLATE');
        throw error;
      }
      if (input.channel === 'staff') {
        // Never the SMS gateway or the applicants' outbox: the console's list, and
        // STAFF_WEBHOOK_URL through the webhook dispatcher. Ids and times only, no personal data.
        const audience = await staffAudience(store, input, recipient);
        const applicationId = input.params?.applicationId ?? null;
        await store.insertStaffNotification({
          key: input.key,
          recipient: audience,
          template: input.template,
          applicationId,
          body: JSON.stringify({
            type: 'staff.notification',
            key: input.key,
            recipient: audience,
            template: input.template,
            applicationId,
            params: input.params ?? {},
            text,
          }),
        });
        return;
      }
      await deliver().send({
        key: input.key,
        recipient,
        channel: input.channel,
        template: input.template,
        text,
      });
    },
  };
}
