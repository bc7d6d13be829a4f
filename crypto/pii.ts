// Personal data at rest (SPEC §6). Two derived keys come from the one master PII_KEY so that a
// leak of blind indexes (which must be deterministic to be looked up) says nothing about the
// encryption key, and vice versa. Each person's data is sealed under a data key of their own,
// kept wrapped in `person_keys`: closing a wallet erases that one key ("crypto-shredding") and
// with it every copy of the person's data, wherever it was sealed, without rewriting tables.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { normalizeBankCard, normalizeIdNumber } from '../domain/fields';

export type KeyPurpose = 'encryption' | 'blind-index' | 'photos' | 'temporal' | 'review-decisions';
export type BlindIndexPurpose =
  'id-number' | 'phone' | 'bank-card' | 'photo' | 'recipient' | 'payment-code';

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
    case 'payment-code':
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
