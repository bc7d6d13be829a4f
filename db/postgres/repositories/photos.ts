// ID photos in the database (SPEC §8), for PostgreSQL: every API and worker process reads what
// any of them stored, with no shared disk. The same PhotoStore as the files in DATA_DIR
// (db/sqlite/repositories/photo-store.ts): content-addressed by the sha256 of the plain bytes,
// sealed by the same codec, checked against its hash when read.
import { and, eq } from 'drizzle-orm';
import {
  DERIVED_KINDS,
  InvalidPhotoRefError,
  isPhotoRef,
  PhotoNotFoundError,
  photoRef,
  type DerivedKind,
  type PhotoCodec,
  type PhotoStore,
} from '../../sqlite/repositories/photo-store';
import type { PgExecutor } from '../client';
import { photos } from '../schema';

/** The upload itself; derived images are stored under their DerivedKind. */
const ORIGINAL = 'original';

export function createDatabasePhotoStore({
  db,
  codec,
}: {
  db: PgExecutor;
  codec?: PhotoCodec;
}): PhotoStore {
  const seal = async (plain: Buffer) => (codec ? codec.seal(plain) : plain);
  const open = async (sealed: Buffer) => (codec ? codec.open(sealed) : sealed);

  const checkedRef = (ref: string) => {
    if (!isPhotoRef(ref)) throw new InvalidPhotoRefError(ref);
    return ref;
  };
  const checkedKind = (kind: DerivedKind) => {
    if (!DERIVED_KINDS.includes(kind)) throw new Error(`Unknown derived image ${String(kind)}`);
    return kind;
  };

  const sealedOf = async (ref: string, kind: string) => {
    const [row] = await db
      .select({ sealed: photos.sealed })
      .from(photos)
      .where(and(eq(photos.ref, ref), eq(photos.kind, kind)));
    if (!row) throw new PhotoNotFoundError(ref);
    return row.sealed;
  };

  const exists = async (ref: string) =>
    (
      await db
        .select({ ref: photos.ref })
        .from(photos)
        .where(and(eq(photos.ref, checkedRef(ref)), eq(photos.kind, ORIGINAL)))
    ).length > 0;

  return {
    async put(bytes) {
      const ref = photoRef(bytes);
      // The same bytes again are the same row: sealed and sent only the first time. Two
      // concurrent puts of them both end with the one row (the second insert does nothing).
      if (!(await exists(ref)))
        await db
          .insert(photos)
          .values({ ref, kind: ORIGINAL, sealed: await seal(bytes), createdAt: new Date() })
          .onConflictDoNothing();
      return { ref, size: bytes.length };
    },

    async get(ref) {
      const bytes = await open(await sealedOf(checkedRef(ref), ORIGINAL));
      // Content addressing doubles as an integrity check: a damaged photo is never judged.
      if (photoRef(bytes) !== ref) throw new Error(`Photo ${ref} is corrupt: its hash differs`);
      return bytes;
    },

    async delete(ref) {
      await db.delete(photos).where(eq(photos.ref, checkedRef(ref)));
    },

    async putDerived(ref, kind, bytes) {
      const sealed = await seal(bytes);
      // Derived again (a re-run of the photo step) replaces it, as the file store's rename does.
      await db
        .insert(photos)
        .values({ ref: checkedRef(ref), kind: checkedKind(kind), sealed, createdAt: new Date() })
        .onConflictDoUpdate({
          target: [photos.ref, photos.kind],
          set: { sealed, createdAt: new Date() },
        });
    },

    async getDerived(ref, kind) {
      return open(await sealedOf(checkedRef(ref), checkedKind(kind)));
    },

    async has(ref) {
      return exists(ref);
    },
  };
}
