// ID photos encrypted at rest (SPEC §6): what lies in PHOTOS_DIR is AES-256-GCM ciphertext under
// a subkey of PII_KEY for photos alone, so the files say nothing without the key. The store keeps
// naming files by the sha256 of the plain bytes and checks that hash after opening.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { PhotoCodec } from '../db/store';
import { deriveKey } from './pii';

/** "WPH" then the format version: bumped if the layout or the cipher ever changes. */
const HEADER = Buffer.from([0x57, 0x50, 0x48, 0x01]);
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SealedPhotoError extends Error {
  constructor(reason: string) {
    super(`Stored photo cannot be opened: ${reason}`);
    this.name = 'SealedPhotoError';
  }
}

/**
 * Layout: header (4) | iv (12) | tag (16) | ciphertext. The header is bound as associated data,
 * so neither it nor any other byte can be changed without the tag failing.
 */
export function createPhotoCodec(piiKey: Buffer): PhotoCodec {
  const key = deriveKey(piiKey, 'photos');
  return {
    seal(plain) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(HEADER);
      const ciphertext = Buffer.concat([cipher.update(plain), cipher.final()]);
      return Buffer.concat([HEADER, iv, cipher.getAuthTag(), ciphertext]);
    },
    open(sealed) {
      if (sealed.length < HEADER.length + IV_BYTES + TAG_BYTES)
        throw new SealedPhotoError('too short');
      if (!sealed.subarray(0, HEADER.length).equals(HEADER))
        throw new SealedPhotoError('unknown format');
      const ivEnd = HEADER.length + IV_BYTES;
      const tagEnd = ivEnd + TAG_BYTES;
      try {
        const decipher = createDecipheriv(
          'aes-256-gcm',
          key,
          sealed.subarray(HEADER.length, ivEnd),
        );
        decipher.setAAD(HEADER);
        decipher.setAuthTag(sealed.subarray(ivEnd, tagEnd));
        return Buffer.concat([decipher.update(sealed.subarray(tagEnd)), decipher.final()]);
      } catch {
        throw new SealedPhotoError('wrong key or tampered data');
      }
    },
  };
}
