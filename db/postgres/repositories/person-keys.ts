// Each person's data key (crypto-shredding, SPEC §6) on PostgreSQL: wrapped under PII_KEY in
// `person_keys`, made on first use, destroyed when the person is erased. The unwrapped keys are
// cached in memory as on SQLite (one cache, db/sqlite/repositories/person-keys.ts), and the cache
// is only ever used for the wrapped form just read from the table, so an erasure by any other
// process is honoured by the very next read here.
import { randomBytes } from 'node:crypto';
import { eq, isNull, sql } from 'drizzle-orm';
import { sealJson } from '../../../crypto/pii';
import {
  forgetUnwrapped as forgetUnwrappedPersonKey,
  unwrapPersonKey,
} from '../../shared/person-key-cache';
import { preparedOn, type PgExecutor } from '../client';
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
  const [row] = await preparedOn(wrappedKeyQueries, db, wrappedKeyQuery).execute({ personId });
  return keyFromRow(piiKey, personId, row?.wrappedKey);
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
  // Also when the transaction around this rolls back: the entry is made again from the table.
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
