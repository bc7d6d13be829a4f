// ID photos by reference: the store's interface, its refs, its sealing and its errors, whatever
// keeps the bytes (files beside SQLite, the `photos` table on PostgreSQL).
//
// Every photo belongs to one application: it is stored, read and deleted as (application, ref),
// never by its ref alone. Two applications holding the same bytes (a person applying again with
// the same picture, or two persons uploading identical files) hold two objects, each sealed
// under its own person's key, so deleting one application's photos (retention, a closed wallet)
// can never take another application's, and no deletion needs a reference count.
import { createHash } from 'node:crypto';
import { openPhoto, sealPhoto } from '../../crypto/photo-codec';

/**
 * Where encryption at rest plugs in: `seal` before bytes are stored, `open` after they are read,
 * for the application whose photo it is; `context` names the object (ref and kind). The ref is
 * always the hash of the plain bytes, so callers never see the difference.
 */
export interface PhotoSealing {
  seal(applicationId: string, context: string, plain: Buffer): Promise<Buffer>;
  open(applicationId: string, context: string, sealed: Buffer): Promise<Buffer>;
}

/** One application's photos. */
export interface ApplicationPhotos {
  put(bytes: Buffer): Promise<{ ref: string; size: number }>;
  /** Throws PhotoNotFoundError when nothing is stored under `ref`, PhotoErasedError when erased. */
  get(ref: string): Promise<Buffer>;
  /** Stores an image derived from the photo under `ref` (the straightened card), sealed alike. */
  putDerived(ref: string, kind: DerivedKind, bytes: Buffer): Promise<void>;
  /** Throws PhotoNotFoundError when there is none, PhotoErasedError when erased. */
  getDerived(ref: string, kind: DerivedKind): Promise<Buffer>;
  has(ref: string): Promise<boolean>;
  /** Deletes every photo of this application and what was derived from them. Idempotent. */
  deleteAll(): Promise<void>;
}

export interface PhotoStore {
  /** The photos of `applicationId` (checked: InvalidPhotoRefError for anything odd). */
  of(applicationId: string): ApplicationPhotos;
}

/** Images derived from an upload and kept beside it: `card` is the straightened card (JPEG). */
export const DERIVED_KINDS = ['card'] as const;
export type DerivedKind = (typeof DERIVED_KINDS)[number];
/** The upload itself, as a kind beside the derived ones. */
export const ORIGINAL = 'original';

export class InvalidPhotoRefError extends Error {
  constructor(ref: unknown, expected = '64 lower-case hex') {
    super(`Invalid photo ref ${JSON.stringify(String(ref).slice(0, 80))}: expected ${expected}`);
    this.name = 'InvalidPhotoRefError';
  }
}

export class PhotoNotFoundError extends Error {
  constructor(ref: string) {
    super(`No photo stored under ref ${ref}`);
    this.name = 'PhotoNotFoundError';
  }
}

/** The person's key is gone (their wallet closed, or retention): the photo is erased. */
export class PhotoErasedError extends Error {
  constructor(applicationId: string) {
    super(`The photos of application ${applicationId} are erased`);
    this.name = 'PhotoErasedError';
  }
}

const REF = /^[0-9a-f]{64}$/;
// The API's id pattern (api/schemas/common.ts IdParams): never `.`, `..` or a slash.
const APPLICATION_ID = /^[A-Za-z0-9_-]{1,100}$/;

export function isPhotoRef(ref: unknown): ref is string {
  return typeof ref === 'string' && REF.test(ref);
}

export function checkedRef(ref: string): string {
  if (!isPhotoRef(ref)) throw new InvalidPhotoRefError(ref);
  return ref;
}

export function checkedKind(kind: DerivedKind): DerivedKind {
  if (!DERIVED_KINDS.includes(kind)) throw new Error(`Unknown derived image ${String(kind)}`);
  return kind;
}

export function checkedApplicationId(applicationId: string): string {
  if (typeof applicationId !== 'string' || !APPLICATION_ID.test(applicationId))
    throw new InvalidPhotoRefError(applicationId, 'an application id');
  return applicationId;
}

export function photoRef(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** What a sealed object is bound to: a sealed photo opens only as itself. */
export const sealingContext = (applicationId: string, ref: string, kind: string) =>
  `photo:${applicationId}:${ref}:${kind}`;

/**
 * The application's person's photo key: null once erased (or when the application predates the
 * person's current key, made after an erasure), undefined for an application nobody registered.
 */
export type PhotoKeyOf = (applicationId: string) => Promise<Buffer | null | undefined>;

/** Sealing under the key of each application's person, read from the database on every use. */
export function sealedUnderPersonKeys(keyOf: PhotoKeyOf): PhotoSealing {
  const keyFor = async (applicationId: string) => {
    const key = await keyOf(applicationId);
    if (key === undefined) throw new Error(`No person is registered for ${applicationId}`);
    if (key === null) throw new PhotoErasedError(applicationId);
    return key;
  };
  return {
    seal: async (applicationId, context, plain) =>
      sealPhoto(await keyFor(applicationId), context, plain),
    open: async (applicationId, context, sealed) =>
      openPhoto(await keyFor(applicationId), context, sealed),
  };
}
