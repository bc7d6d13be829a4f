// ID photos by reference: the store's interface, its refs and its errors, whatever keeps the bytes.
import { createHash } from 'node:crypto';

/**
 * Where encryption at rest plugs in: `seal` before bytes reach the disk, `open` after they are
 * read. The ref is always the hash of the plain bytes, so callers never see the difference.
 */
export interface PhotoCodec {
  seal(plain: Buffer): Buffer | Promise<Buffer>;
  open(sealed: Buffer): Buffer | Promise<Buffer>;
}

export interface PhotoStore {
  put(bytes: Buffer): Promise<{ ref: string; size: number }>;
  /** Throws PhotoNotFoundError when nothing is stored under `ref`. */
  get(ref: string): Promise<Buffer>;
  /** Idempotent: deleting what is not there is not an error. Removes its derived images too. */
  delete(ref: string): Promise<void>;
  /** Stores an image derived from the photo under `ref` (the straightened card), sealed alike. */
  putDerived(ref: string, kind: DerivedKind, bytes: Buffer): Promise<void>;
  /** Throws PhotoNotFoundError when there is none. */
  getDerived(ref: string, kind: DerivedKind): Promise<Buffer>;
  has(ref: string): Promise<boolean>;
}

/** Images derived from an upload and kept beside it: `card` is the straightened card (JPEG). */
export const DERIVED_KINDS = ['card'] as const;
export type DerivedKind = (typeof DERIVED_KINDS)[number];

export class InvalidPhotoRefError extends Error {
  constructor(ref: unknown) {
    super(
      `Invalid photo ref ${JSON.stringify(String(ref).slice(0, 80))}: expected 64 lower-case hex`,
    );
    this.name = 'InvalidPhotoRefError';
  }
}

export class PhotoNotFoundError extends Error {
  constructor(ref: string) {
    super(`No photo stored under ref ${ref}`);
    this.name = 'PhotoNotFoundError';
  }
}

const REF = /^[0-9a-f]{64}$/;

export function isPhotoRef(ref: unknown): ref is string {
  return typeof ref === 'string' && REF.test(ref);
}

export function photoRef(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
