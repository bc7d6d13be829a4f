// The sandbox outbox sealed at rest (SPEC §6). A row keeps in clear only what is no one's data
// (idempotency key, channel, template, time); the recipient is found by its blind index, and
// `{recipient, text}` is sealed under the master PII_KEY. Not under a person's key: staff roles
// receive messages too, and a message should not cost a key. Closing a wallet deletes the rows.
import { and, desc, eq, lt, sql, type SQL } from 'drizzle-orm';
import { preparedPerDatabase, type AppDatabase } from '../client';
import { outbox } from '../schema';
import { openJson, sealJson } from '../../../crypto/pii';
import { outboxRecipientIndex } from '../../shared/outbox-index';

export { outboxRecipientIndex };

export interface OutboxEntry {
  idemKey: string;
  recipient: string;
  channel: string;
  template: string;
  text: string;
}

export interface StoredOutboxEntry extends OutboxEntry {
  id: number;
  createdAt: Date;
}

/** Bound to the row's idempotency key: a sealed value copied into another row does not open. */
const sealContext = (idemKey: string) => `outbox:${idemKey}`;

const insertEntry = preparedPerDatabase((db) =>
  db
    .insert(outbox)
    .values({
      idemKey: sql.placeholder('idemKey'),
      recipientIndex: sql.placeholder('recipientIndex'),
      channel: sql.placeholder('channel'),
      template: sql.placeholder('template'),
      sealed: sql.placeholder('sealed'),
      createdAt: sql.placeholder('createdAt'),
    })
    .onConflictDoNothing({ target: outbox.idemKey })
    .prepare(),
);

/** Writes the message once per idempotency key; later writes of the same key change nothing. */
export function insertOutboxEntry(
  db: AppDatabase,
  piiKey: Buffer,
  entry: OutboxEntry,
  at = new Date(),
): void {
  const { recipient, text } = entry;
  insertEntry(db).run({
    idemKey: entry.idemKey,
    recipientIndex: outboxRecipientIndex(piiKey, recipient),
    channel: entry.channel,
    template: entry.template,
    sealed: sealJson(piiKey, { recipient, text }, sealContext(entry.idemKey)),
    createdAt: at,
  });
}

/** Messages newest first, opened; optionally only those to `recipient`, or older than `before`. */
export function readOutbox(
  db: AppDatabase,
  piiKey: Buffer,
  {
    recipient,
    idemKey,
    before,
    limit,
  }: { recipient?: string; idemKey?: string; before?: number; limit?: number } = {},
): StoredOutboxEntry[] {
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
  const rows = limit === undefined ? query.all() : query.limit(limit).all();
  return rows.map(({ sealed, recipientIndex: _index, ...row }) => ({
    ...row,
    ...openJson<{ recipient: string; text: string }>(piiKey, sealed, sealContext(row.idemKey)),
  }));
}

/** Deletes every message to `recipient`. */
export function deleteOutboxFor(db: AppDatabase, piiKey: Buffer, recipient: string): void {
  db.delete(outbox)
    .where(eq(outbox.recipientIndex, outboxRecipientIndex(piiKey, recipient)))
    .run();
}
