// ID photos in the database (SPEC §8), for PostgreSQL: every API and worker process reads what
// any of them stored, with no shared disk. The same PhotoStore as the files in DATA_DIR
// (db/sqlite/repositories/photo-store.ts): one row per (application, ref, kind), the ref the
// sha256 of the plain bytes, sealed under the applicant's own key, checked against its hash when
// read.
import { and, eq } from 'drizzle-orm';
import {
  checkedApplicationId,
  checkedKind,
  checkedRef,
  ORIGINAL,
  PhotoNotFoundError,
  photoRef,
  sealingContext,
  type PhotoSealing,
  type PhotoStore,
} from '../../shared/photo-refs';
import type { PgExecutor } from '../client';
import { photos } from '../schema';

export function createDatabasePhotoStore({
  db,
  sealing,
}: {
  db: PgExecutor;
  sealing?: PhotoSealing;
}): PhotoStore {
  return {
    of(id) {
      const applicationId = checkedApplicationId(id);
      const seal = async (ref: string, kind: string, plain: Buffer) =>
        sealing
          ? sealing.seal(applicationId, sealingContext(applicationId, ref, kind), plain)
          : plain;
      const open = async (ref: string, kind: string, stored: Buffer) =>
        sealing
          ? sealing.open(applicationId, sealingContext(applicationId, ref, kind), stored)
          : stored;
      const row = (ref: string, kind: string) =>
        and(
          eq(photos.applicationId, applicationId),
          eq(photos.ref, checkedRef(ref)),
          eq(photos.kind, kind),
        );
      const read = async (ref: string, kind: string) => {
        const [found] = await db
          .select({ sealed: photos.sealed })
          .from(photos)
          .where(row(ref, kind));
        if (!found) throw new PhotoNotFoundError(ref);
        return open(ref, kind, found.sealed);
      };
      const exists = async (ref: string) =>
        (await db.select({ ref: photos.ref }).from(photos).where(row(ref, ORIGINAL))).length > 0;

      return {
        async put(bytes) {
          const ref = photoRef(bytes);
          // The same bytes again are the same row: sealed and sent only the first time. Two
          // concurrent puts of them both end with the one row (the second insert does nothing).
          if (!(await exists(ref)))
            await db
              .insert(photos)
              .values({
                applicationId,
                ref,
                kind: ORIGINAL,
                sealed: await seal(ref, ORIGINAL, bytes),
                createdAt: new Date(),
              })
              .onConflictDoNothing();
          return { ref, size: bytes.length };
        },

        async get(ref) {
          const bytes = await read(ref, ORIGINAL);
          // Content addressing doubles as an integrity check: a damaged photo is never judged.
          if (photoRef(bytes) !== ref) throw new Error(`Photo ${ref} is corrupt: its hash differs`);
          return bytes;
        },

        async putDerived(ref, kind, bytes) {
          const sealed = await seal(checkedRef(ref), checkedKind(kind), bytes);
          // Derived again (a re-run of the photo step) replaces it, as the file store's rename does.
          await db
            .insert(photos)
            .values({ applicationId, ref, kind, sealed, createdAt: new Date() })
            .onConflictDoUpdate({
              target: [photos.applicationId, photos.ref, photos.kind],
              set: { sealed, createdAt: new Date() },
            });
        },

        async getDerived(ref, kind) {
          return read(ref, checkedKind(kind));
        },

        async has(ref) {
          return exists(ref);
        },

        async deleteAll() {
          await db.delete(photos).where(eq(photos.applicationId, applicationId));
        },
      };
    },
  };
}
