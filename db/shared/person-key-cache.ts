// Unwrapping a person's data key, and the process's cache of unwrapped keys: the same on both
// databases, which only differ in where the wrapped form is read from.
import { openJson } from '../../crypto/pii';

export const wrapContext = (personId: string) => `person-key:${personId}`;

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

export function forgetUnwrapped(personId: string) {
  for (const ref of unwrappedCaches) {
    const keys = ref.deref();
    if (keys) keys.delete(personId);
    else unwrappedCaches.delete(ref);
  }
}
