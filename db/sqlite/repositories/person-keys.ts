// Each person's data key (crypto-shredding, SPEC §6): kept wrapped under PII_KEY in
// `person_keys`, made on first use, destroyed when the person is erased.
import { randomBytes } from 'node:crypto';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { sealJson } from '../../../crypto/pii';
import { preparedPerDatabase, type AppDatabase } from '../client';
import { personKeys } from '../schema';
import {
  forgetUnwrapped,
  unwrapPersonKey,
  UNWRAPPED_KEY_TTL_MS,
  wrapContext,
} from '../../shared/person-key-cache';

export { unwrapPersonKey, UNWRAPPED_KEY_TTL_MS };
export {
  forgetUnwrapped as forgetUnwrappedPersonKey,
  holdsUnwrappedPersonKey,
} from '../../shared/person-key-cache';

const wrappedKeyOf = preparedPerDatabase((db) =>
  db
    .select({ wrappedKey: personKeys.wrappedKey })
    .from(personKeys)
    .where(eq(personKeys.personId, sql.placeholder('personId')))
    .prepare(),
);

/** The person's data key, or null when none was ever made or it has been erased. */
export function loadPersonKey(db: AppDatabase, piiKey: Buffer, personId: string): Buffer | null {
  const row = wrappedKeyOf(db).get({ personId });
  if (row?.wrappedKey) return unwrapPersonKey(piiKey, personId, row.wrappedKey);
  // Erased, perhaps by another process: this one lets go of the key's bytes at once too.
  forgetUnwrapped(personId);
  return null;
}

/**
 * The person's data key, made on first use. Safe under concurrent callers (API and workers in
 * several processes): the first insert wins and everyone reads the winner's key. A person whose
 * key was erased gets a fresh one, since they may open a new wallet later (SPEC §3 step 4).
 */
export function personKey(db: AppDatabase, piiKey: Buffer, personId: string): Buffer {
  const fresh = () => sealJson(piiKey, randomBytes(32).toString('base64'), wrapContext(personId));
  db.insert(personKeys)
    .values({ personId, wrappedKey: fresh(), createdAt: new Date() })
    .onConflictDoNothing()
    .run();
  db.update(personKeys)
    .set({ wrappedKey: fresh(), createdAt: new Date(), deletedAt: null })
    .where(and(eq(personKeys.personId, personId), isNull(personKeys.wrappedKey)))
    .run();
  const key = loadPersonKey(db, piiKey, personId);
  if (!key) throw new Error('person key vanished while being created');
  return key;
}

/**
 * Crypto-shredding: forgets the person's data key, after which nothing sealed under it can be
 * opened. Idempotent.
 */
export function erasePersonKey(db: AppDatabase, personId: string, at = new Date()): void {
  db.update(personKeys)
    .set({ wrappedKey: null, deletedAt: at })
    .where(eq(personKeys.personId, personId))
    .run();
  // Also when the transaction around this rolls back: the entry is made again from the table.
  forgetUnwrapped(personId);
}

/** Whether the person's key was erased, as opposed to never made. */
export function personKeyErased(db: AppDatabase, personId: string): boolean {
  const row = db
    .select({ deletedAt: personKeys.deletedAt })
    .from(personKeys)
    .where(eq(personKeys.personId, personId))
    .get();
  return row?.deletedAt != null;
}
