// Salted slow hashes for login and payment passwords: Argon2id at OWASP's baseline (19 MiB,
// 2 passes, 1 lane), as a PHC string that carries its parameters, so they can be raised later
// without invalidating old hashes. Hashes written before (scrypt, N=2^15, below OWASP's scrypt
// baseline of 2^17) still verify and are replaced on the next right password (needsRehash).
import { hash, verify, type Algorithm } from '@node-rs/argon2';
import { scrypt, timingSafeEqual } from 'node:crypto';

const ARGON2ID = {
  // Algorithm.Argon2id: a const enum, which isolated modules cannot read as a value.
  algorithm: 2 as Algorithm.Argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
  outputLen: 32,
} as const;
const ARGON2ID_SCHEME = '$argon2id$';
const CURRENT_PREFIX = `${ARGON2ID_SCHEME}v=19$m=${ARGON2ID.memoryCost},t=${ARGON2ID.timeCost},p=${ARGON2ID.parallelism}$`;
const LEGACY_SCRYPT = 'scrypt$';

export function hashPassword(password: string): Promise<string> {
  return hash(password.normalize('NFC'), ARGON2ID);
}

/** Whether `stored` is a hash this module wrote (current or legacy), not anything else. */
export function isPasswordHash(stored: unknown): stored is string {
  return (
    typeof stored === 'string' &&
    (stored.startsWith(ARGON2ID_SCHEME) || stored.startsWith(LEGACY_SCRYPT))
  );
}

/** A hash under weaker or older parameters than today's, to be replaced once the password is known. */
export function needsRehash(stored: string): boolean {
  return !stored.startsWith(CURRENT_PREFIX);
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const normalized = password.normalize('NFC');
  if (stored.startsWith(ARGON2ID_SCHEME)) {
    // A malformed stored string is a wrong password, not an error for the caller.
    return verify(stored, normalized).catch(() => false);
  }
  if (stored.startsWith(LEGACY_SCRYPT)) return verifyLegacyScrypt(normalized, stored);
  return false;
}

/**
 * Checks the password; when it is right and `stored` is under older parameters, also hashes it
 * afresh (`rehashed`), for the caller to store in place of `stored` if that is still there.
 */
export async function verifyAndRehash(
  password: string,
  stored: string,
): Promise<{ ok: boolean; rehashed: string | null }> {
  const ok = await verifyPassword(password, stored);
  return { ok, rehashed: ok && needsRehash(stored) ? await hashPassword(password) : null };
}

function verifyLegacyScrypt(password: string, stored: string): Promise<boolean> {
  const [, n, r, p, salt, key] = stored.split('$');
  if (!salt || !key) return Promise.resolve(false);
  const expected = Buffer.from(key, 'base64');
  const options = { N: Number(n), r: Number(r), p: Number(p), maxmem: 128 * 1024 * 1024 };
  return new Promise((resolve) =>
    scrypt(password, Buffer.from(salt, 'base64'), expected.length || 32, options, (err, actual) =>
      resolve(!err && actual.length === expected.length && timingSafeEqual(actual, expected)),
    ),
  );
}
