// The outbox's recipient blind index, the same on both databases.
import { blindIndex } from '../../crypto/pii';

export function outboxRecipientIndex(piiKey: Buffer, recipient: string): string {
  return blindIndex(piiKey, 'recipient', recipient);
}
