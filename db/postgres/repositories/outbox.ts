// The sandbox outbox sealed at rest (SPEC §6) on PostgreSQL, as db/sqlite/repositories/outbox.ts:
// the recipient found by its blind index, `{recipient, text}` sealed under the master PII_KEY.
import { and, desc, eq, lt, type SQL } from 'drizzle-orm';
import { openJson, sealJson } from '../../../crypto/pii';
import {
  outboxRecipientIndex,
  type OutboxEntry,
  type StoredOutboxEntry,
} from '../../sqlite/repositories/outbox';
import type { PgExecutor } from '../client';
import { outbox } from '../schema';

export type { OutboxEntry, StoredOutboxEntry };

/** Bound to the row's idempotency key: a sealed value copied into another row does not open. */
const sealContext = (idemKey: string) => `outbox:${idemKey}`;

/** Writes the message once per idempotency key; later writes of the same key change nothing. */
export async function insertOutboxEntry(
  db: PgExecutor,
  piiKey: Buffer,
  entry: OutboxEntry,
  at = new Date(),
): Promise<void> {
  const { recipient, text } = entry;
  await db
    .insert(outbox)
    .values({
      idemKey: entry.idemKey,
      recipientIndex: outboxRecipientIndex(piiKey, recipient),
      channel: entry.channel,
      template: entry.template,
      sealed: sealJson(piiKey, { recipient, text }, sealContext(entry.idemKey)),
      createdAt: at,
    })
    .onConflictDoNothing({ target: outbox.idemKey });
}

/** Messages newest first, opened; optionally only those to `recipient`, or older than `before`. */
export async function readOutbox(
  db: PgExecutor,
  piiKey: Buffer,
  {
    recipient,
    idemKey,
    before,
    limit,
  }: { recipient?: string; idemKey?: string; before?: number; limit?: number } = {},
): Promise<StoredOutboxEntry[]> {
  const filters: SQL[] = [];
  if (recipient !== undefined)
    filters.push(eq(outbox.recipientIndex, outboxRecipientIndex(piiKey, recipient)));
  if (idemKey !== undefined) filters.push(eq(outbox.idemKey, idemKey));
  if (before !== undefined) filters.push(lt(outbox.id, before));
  const query = db
    .select()
    .from(outbox)
    .where(and(...filters))
    .orderBy(desc(outbox.id));
  const rows = limit === undefined ? await query : await query.limit(limit);
  return rows.map(({ sealed, recipientIndex: _index, ...row }) => ({
    ...row,
    ...openJson<{ recipient: string; text: string }>(piiKey, sealed, sealContext(row.idemKey)),
  }));
}

/** Deletes every message to `recipient`. */
export async function deleteOutboxFor(
  db: PgExecutor,
  piiKey: Buffer,
  recipient: string,
): Promise<void> {
  await db.delete(outbox).where(eq(outbox.recipientIndex, outboxRecipientIndex(piiKey, recipient)));
}
