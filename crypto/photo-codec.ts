// ID photos encrypted at rest (SPEC §6, §9): what lies in PHOTOS_DIR or the `photos` table is
// AES-256-GCM ciphertext under the photo subkey of the applicant's own data key (person_keys), so
// erasing that key erases every copy of their photos, backups included. The store keeps naming
// photos by the sha256 of the plain bytes and checks that hash after opening.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * "WPH" then the format version: 1 was sealed under the master key's photo subkey (no longer
 * written or read), 2 under the person's. Bumped if the layout or the cipher ever changes.
 */
const HEADER = Buffer.from([0x57, 0x50, 0x48, 0x02]);
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SealedPhotoError extends Error {
  constructor(reason: string) {
    super(`Stored photo cannot be opened: ${reason}`);
    this.name = 'SealedPhotoError';
  }
}

const aad = (context: string) => Buffer.concat([HEADER, Buffer.from(context, 'utf8')]);

/**
 * Layout: header (4) | iv (12) | tag (16) | ciphertext. The header and `context` (which
 * application's photo, which ref and kind) are bound as associated data: no byte can be changed,
 * and no sealed photo moved under another application or ref, without the tag failing.
 * `key` is the person's photo key (`deriveKey(personKey, 'photos')`).
 */
export function sealPhoto(key: Buffer, context: string, plain: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad(context));
  const ciphertext = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([HEADER, iv, cipher.getAuthTag(), ciphertext]);
}

export function openPhoto(key: Buffer, context: string, sealed: Buffer): Buffer {
  if (sealed.length < HEADER.length + IV_BYTES + TAG_BYTES) throw new SealedPhotoError('too short');
  if (!sealed.subarray(0, HEADER.length).equals(HEADER))
    throw new SealedPhotoError('unknown format');
  const ivEnd = HEADER.length + IV_BYTES;
  const tagEnd = ivEnd + TAG_BYTES;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(HEADER.length, ivEnd));
    decipher.setAAD(aad(context));
    decipher.setAuthTag(sealed.subarray(ivEnd, tagEnd));
    return Buffer.concat([decipher.update(sealed.subarray(tagEnd)), decipher.final()]);
  } catch {
    throw new SealedPhotoError('wrong key or tampered data');
  }
}
