// An SMS gateway for tests that a test can take down: while up it hands each message to the
// sandbox outbox (as the stack does by default) and remembers it; while down every call fails and
// Temporal retries the notify activity; while refusing it turns every message away for good.
import { ApplicationFailure } from '@temporalio/common';
import {
  outboxTransport,
  type OutboundMessage,
  type SmsTransport,
} from '../../notifications/notify';
import type { Stack } from './stack';

export function switchableSmsGateway(stack: () => Stack) {
  let outbox: SmsTransport | null = null;
  const gateway = {
    down: false,
    refusing: false,
    failedCalls: 0,
    delivered: [] as OutboundMessage[],
    transport: {
      async send(message: OutboundMessage) {
        if (gateway.refusing) {
          gateway.failedCalls += 1;
          throw ApplicationFailure.nonRetryable('SMS gateway refused', 'NOTIFICATION_REFUSED');
        }
        if (gateway.down) {
          gateway.failedCalls += 1;
          throw new Error('SMS gateway down');
        }
        // The stack's database exists only once the stack is up: reached lazily.
        outbox ??= outboxTransport(stack().store, stack().config.piiKey);
        await outbox.send(message);
        gateway.delivered.push(message);
      },
    } satisfies SmsTransport,
  };
  return gateway;
}
