// Personal data at rest (SPEC §6). Two derived keys come from the one master PII_KEY so that a
// leak of blind indexes (which must be deterministic to be looked up) says nothing about the
// encryption key, and vice versa. Each person's data is sealed under a data key of their own,
// kept wrapped in `person_keys`: closing a wallet erases that one key ("crypto-shredding") and
// with it every copy of the person's data, wherever it was sealed, without rewriting tables.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { preparedPerDatabase, type AppDatabase } from '../db/client';
import { personKeys } from '../db/schema';
import { normalizeBankCard, normalizeIdNumber } from '../domain/fields';

export type KeyPurpose = 'encryption' | 'blind-index' | 'photos' | 'temporal';
export type BlindIndexPurpose = 'id-number' | 'phone' | 'bank-card' | 'photo' | 'recipient';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

// Derivation is cheap but not free, and the same few keys are used for every row.
const derived = new WeakMap<Buffer, Map<string, Buffer>>();

/** A 32-byte subkey of `key` for one purpose (HKDF-SHA256). */
export function deriveKey(key: Buffer, purpose: KeyPurpose | `blind-index:${string}`): Buffer {
  if (key.length !== 32) throw new Error('PII keys must be 32 bytes');
  let perKey = derived.get(key);
  if (!perKey) derived.set(key, (perKey = new Map<string, Buffer>()));
  let subkey = perKey.get(purpose);
  if (!subkey) {
    subkey = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), `wallet-pii:${purpose}`, 32));
    perKey.set(purpose, subkey);
  }
  return subkey;
}

/**
 * Encrypts a JSON value with AES-256-GCM under the encryption subkey of `key` (the master key or
 * a person's data key). `context` is bound as associated data: a value sealed for one row or
 * column does not open in another. Format: `v1.<iv>.<tag>.<ciphertext>`, base64url.
 */
export function sealJson(key: Buffer, value: unknown, context = ''): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', deriveKey(key, 'encryption'), iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const ciphertext = Buffer.concat([
    cipher.update(JSON.stringify(value) ?? 'null', 'utf8'),
    cipher.final(),
  ]);
  return [VERSION, iv, cipher.getAuthTag(), ciphertext]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.');
}

export class SealedDataError extends Error {
  constructor(reason: string) {
    super(`Sealed data cannot be opened: ${reason}`);
    this.name = 'SealedDataError';
  }
}

/** Decrypts what `sealJson` produced; throws SealedDataError on a wrong key or tampering. */
export function openJson<T>(key: Buffer, sealed: string, context = ''): T {
  const [version, iv, tag, ciphertext, ...rest] = sealed.split('.');
  if (version !== VERSION || iv === undefined || tag === undefined || ciphertext === undefined)
    throw new SealedDataError('unknown format');
  if (rest.length > 0) throw new SealedDataError('unknown format');
  const ivBytes = Buffer.from(iv, 'base64url');
  const tagBytes = Buffer.from(tag, 'base64url');
  if (ivBytes.length !== IV_BYTES || tagBytes.length !== TAG_BYTES)
    throw new SealedDataError('unknown format');
  try {
    const decipher = createDecipheriv('aes-256-gcm', deriveKey(key, 'encryption'), ivBytes);
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(tagBytes);
    const plain = Buffer.concat([
      decipher.update(Buffer.from(ciphertext, 'base64url')),
      decipher.final(),
    ]);
    return JSON.parse(plain.toString('utf8')) as T;
  } catch {
    throw new SealedDataError('wrong key or tampered data');
  }
}

function canonical(purpose: BlindIndexPurpose, value: string): string {
  switch (purpose) {
    case 'id-number':
      return normalizeIdNumber(value);
    case 'bank-card':
      return normalizeBankCard(value);
    case 'phone':
    case 'recipient':
      return value.trim();
    case 'photo':
      return value.trim().toLowerCase();
  }
}

/**
 * A deterministic keyed digest (HMAC-SHA256, hex) to find rows by a personal value without
 * storing the value. Each purpose has its own key, so equal digests across purposes reveal
 * nothing. Always under the master key: it must survive a person's key being erased, so that
 * a closed wallet's owner can still be recognised as having no wallet.
 */
export function blindIndex(piiKey: Buffer, purpose: BlindIndexPurpose, value: string): string {
  return createHmac('sha256', deriveKey(piiKey, `blind-index:${purpose}`))
    .update(canonical(purpose, value), 'utf8')
    .digest('hex');
}

/** The id of a person everywhere in the app database: the blind index of their ID number. */
export function personIdOf(piiKey: Buffer, idNumber: string): string {
  return blindIndex(piiKey, 'id-number', idNumber);
}

const wrapContext = (personId: string) => `person-key:${personId}`;

/**
 * Unwrapped person keys, per master key and person: every payload and view a request touches
 * needs one. An entry is used only for the wrapped form just read from `person_keys`, so an
 * erased key (its wrapped form gone from the table) cannot be had from here either; on top of
 * that the process that erases a key drops its entry at once, and other processes' entries
 * expire UNWRAPPED_KEY_TTL_MS after they were made, so the key's bytes are not kept
 * referenced for long. The same Buffer while it lives also lets `deriveKey` reuse its subkeys.
 */
interface Unwrapped {
  wrapped: string;
  key: Buffer;
  expiresAt: number;
}
const unwrappedKeys = new WeakMap<Buffer, Map<string, Unwrapped>>();
const unwrappedCaches = new Set<WeakRef<Map<string, Unwrapped>>>();
const UNWRAPPED_KEYS_KEPT = 10_000;
export const UNWRAPPED_KEY_TTL_MS = 10 * 60_000;

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

function forgetUnwrapped(personId: string) {
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
  return row?.wrappedKey ? unwrapPersonKey(piiKey, personId, row.wrappedKey) : null;
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
