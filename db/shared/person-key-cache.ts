// Unwrapping a person's data key, and the process's cache of unwrapped keys: the same on both
// databases, which only differ in where the wrapped form is read from.
import { openJson } from '../../crypto/pii';

export const wrapContext = (personId: string) => `person-key:${personId}`;

/**
 * Unwrapped person keys, per master key and person: every payload and view a request touches
 * needs one. An entry is used only for the wrapped form just read from `person_keys`, so an
 * erased key (its wrapped form gone from the table) cannot be had from here either; on top of
 * that the process that erases a key drops its entry at once, and other processes' entries
 * are dropped as soon as that process reads the erased row, and every entry expires
 * UNWRAPPED_KEY_TTL_MS after it was made, so the key's bytes are not kept referenced for long
 * even by a process that never looks the person up again (with PostgreSQL, many processes). The same Buffer while it lives also lets `deriveKey` reuse its subkeys.
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
export function forgetUnwrapped(personId: string): void {
  for (const ref of unwrappedCaches) {
    const keys = ref.deref();
    if (keys) keys.delete(personId);
    else unwrappedCaches.delete(ref);
  }
}
