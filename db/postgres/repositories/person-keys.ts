// Each person's data key (crypto-shredding, SPEC §6) on PostgreSQL: wrapped under PII_KEY in
// `person_keys`, made on first use, destroyed when the person is erased. The unwrapped keys are
// cached in memory as on SQLite (one cache, db/shared/person-key-cache.ts) for the wrapped form
// at hand; the wrapped forms themselves are kept by the pool's key rows only while this process
// hears every erasure (db/postgres/key-cache.ts), so an erasure by any other process is honoured
// here within the notification's delay, and at most KEY_ROWS_TTL_MS after it.
import { randomBytes } from 'node:crypto';
import { eq, isNull, sql } from 'drizzle-orm';
import { sealJson } from '../../../crypto/pii';
import {
  forgetUnwrapped as forgetUnwrappedPersonKey,
  unwrapPersonKey,
} from '../../shared/person-key-cache';
import { keyRowsOf, preparedOn, type PgExecutor } from '../client';
import { PERSON_KEY_ERASED } from '../key-cache';
import { personKeys } from '../schema';

const wrapContext = (personId: string) => `person-key:${personId}`;

// Read for every sealed row and view a request touches: built once (see preparedOn).
const wrappedKeyQueries = new WeakMap<object, ReturnType<typeof wrappedKeyQuery>>();
const wrappedKeyQuery = (db: PgExecutor) =>
  db
    .select({ wrappedKey: personKeys.wrappedKey })
    .from(personKeys)
    .where(eq(personKeys.personId, sql.placeholder('personId')))
    .prepare('person_wrapped_key');

/** The person's data key, or null when none was ever made or it has been erased. */
export async function loadPersonKey(
  db: PgExecutor,
  piiKey: Buffer,
  personId: string,
): Promise<Buffer | null> {
  return keyFromRow(piiKey, personId, await wrappedKeyOf(db, personId));
}

/**
 * The person's wrapped key: kept by the pool's key rows while there is one (dropped as soon as
 * any process erases it, db/postgres/key-cache.ts), read again every time otherwise.
 */
async function wrappedKeyOf(db: PgExecutor, personId: string): Promise<string | null | undefined> {
  const read = async () =>
    (await preparedOn(wrappedKeyQueries, db, wrappedKeyQuery).execute({ personId }))[0]?.wrappedKey;
  const rows = keyRowsOf(db);
  if (!rows) return read();
  return rows.through(`person:${personId}`, read, (wrapped) => (wrapped ? personId : undefined));
}

/**
 * The person's data key from the `wrapped_key` just read (here or joined into another query),
 * or null when there is none.
 */
export function keyFromRow(
  piiKey: Buffer,
  personId: string,
  wrappedKey: string | null | undefined,
): Buffer | null {
  if (wrappedKey) return unwrapPersonKey(piiKey, personId, wrappedKey);
  // Erased, perhaps by another process: this one lets go of the key's bytes at once too.
  forgetUnwrappedPersonKey(personId);
  return null;
}

/**
 * The person's data key, made on first use. One statement decides under concurrent callers (API
 * and workers in several processes): the insert, or the re-creation of an erased key, that
 * PostgreSQL lets through first wins (ON CONFLICT locks the row and re-checks `wrapped_key IS
 * NULL` against the committed version), and every caller reads the winner's key.
 */
export async function personKey(db: PgExecutor, piiKey: Buffer, personId: string): Promise<Buffer> {
  // Made before and not erased since, as far as any notification says.
  if (keyRowsOf(db)?.holds(`person:${personId}`)) {
    const known = await loadPersonKey(db, piiKey, personId);
    if (known) return known;
  }
  const wrapped = sealJson(piiKey, randomBytes(32).toString('base64'), wrapContext(personId));
  const now = new Date();
  await db
    .insert(personKeys)
    .values({ personId, wrappedKey: wrapped, createdAt: now })
    .onConflictDoUpdate({
      target: personKeys.personId,
      set: { wrappedKey: wrapped, createdAt: now, deletedAt: null },
      setWhere: isNull(personKeys.wrappedKey),
    });
  const key = await loadPersonKey(db, piiKey, personId);
  if (!key) throw new Error('person key vanished while being created');
  return key;
}

/**
 * Crypto-shredding: forgets the person's data key, after which nothing sealed under it can be
 * opened. Idempotent.
 */
export async function erasePersonKey(
  db: PgExecutor,
  personId: string,
  at = new Date(),
): Promise<void> {
  await db
    .update(personKeys)
    .set({ wrappedKey: null, deletedAt: at })
    .where(eq(personKeys.personId, personId));
  // Every process's cached rows of this person go when this commits (db/postgres/key-cache.ts);
  // this pool's go now. Also when the transaction rolls back: they are read again.
  await db.execute(sql`select pg_notify(${PERSON_KEY_ERASED}, ${personId})`);
  keyRowsOf(db)?.forget(personId);
  forgetUnwrappedPersonKey(personId);
}

/** Whether the person's key was erased, as opposed to never made. */
export async function personKeyErased(db: PgExecutor, personId: string): Promise<boolean> {
  const [row] = await db
    .select({ deletedAt: personKeys.deletedAt })
    .from(personKeys)
    .where(eq(personKeys.personId, personId));
  return row?.deletedAt != null;
}
