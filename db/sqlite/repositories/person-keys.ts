// Each person's data key (crypto-shredding, SPEC §6): kept wrapped under PII_KEY in
// `person_keys`, made on first use, destroyed when the person is erased.
import { randomBytes } from 'node:crypto';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { openJson, sealJson } from '../../../crypto/pii';
import { preparedPerDatabase, type AppDatabase } from '../client';
import { personKeys } from '../schema';

const wrapContext = (personId: string) => `person-key:${personId}`;

/**
 * Unwrapped person keys, per master key and person: every payload and view a request touches
 * needs one. An entry is used only for the wrapped form just read from `person_keys`, so an
 * erased key (its wrapped form gone from the table) cannot be had from here either, whichever
 * process erased it (with PostgreSQL, many do). The process that erases a key drops its entry at
 * once, any other process as soon as it reads the erased row, and every entry expires
 * UNWRAPPED_KEY_TTL_MS after it was made, so the key's bytes are not kept referenced for long
 * even by a process that never looks the person up again. The same Buffer while it lives also
 * lets `deriveKey` reuse its subkeys.
 */
interface Unwrapped {
  wrapped: string;
  key: Buffer;
  expiresAt: number;
}
const unwrappedKeys = new WeakMap<Buffer, Map<string, Unwrapped>>();
const unwrappedCaches = new Set<WeakRef<Map<string, Unwrapped>>>();
const UNWRAPPED_KEYS_KEPT = 10_000;
// Unwrapping again costs one AES-GCM open: a minute is plenty for reuse within a request burst.
export const UNWRAPPED_KEY_TTL_MS = 60_000;

/** The person's data key from its wrapped form in `person_keys`. */
export function unwrapPersonKey(
  piiKey: Buffer,
  personId: string,
  wrapped: string,
  now = Date.now(),
): Buffer {
  let keys = unwrappedKeys.get(piiKey);
  if (!keys) {
    unwrappedKeys.set(piiKey, (keys = new Map<string, Unwrapped>()));
    unwrappedCaches.add(new WeakRef(keys));
  }
  const cached = keys.get(personId);
  if (cached && cached.wrapped === wrapped && cached.expiresAt > now) return cached.key;
  const key = Buffer.from(openJson<string>(piiKey, wrapped, wrapContext(personId)), 'base64');
  keys.delete(personId);
  if (keys.size >= UNWRAPPED_KEYS_KEPT) keys.delete(keys.keys().next().value!);
  keys.set(personId, { wrapped, key, expiresAt: now + UNWRAPPED_KEY_TTL_MS });
  return key;
}

/** Whether this process holds the person's unwrapped key under `piiKey` (for tests). */
export function holdsUnwrappedPersonKey(piiKey: Buffer, personId: string): boolean {
  return unwrappedKeys.get(piiKey)?.has(personId) ?? false;
}

/** Drops the person's unwrapped key from this process's caches (it was erased). */
export function forgetUnwrappedPersonKey(personId: string): void {
  for (const ref of unwrappedCaches) {
    const keys = ref.deref();
    if (keys) keys.delete(personId);
    else unwrappedCaches.delete(ref);
  }
}

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
  forgetUnwrappedPersonKey(personId);
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
  forgetUnwrappedPersonKey(personId);
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
