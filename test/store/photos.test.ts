// ID photos as each database's Store keeps them (SPEC §8, §9): files in DATA_DIR beside SQLite,
// rows of `photos` with PostgreSQL, where every process reads what any of them stored. The same
// PhotoStore either way: per application, content-addressed, sealed under the applicant's own
// key, so that erasing that key erases every copy; derived images beside.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveKey } from '../../crypto/pii';
import { openPhoto, SealedPhotoError } from '../../crypto/photo-codec';
import { onboardingWorkflowId } from '../../domain/contract';
import { photoStoreFor } from '../../db/photo-store-for';
import { sealingContext } from '../../db/shared/photo-refs';
import {
  InvalidPhotoRefError,
  PhotoErasedError,
  PhotoNotFoundError,
  photoRef,
  type PhotoStore,
} from '../../db/sqlite/repositories/photo-store';
import type { Store } from '../../db/store';
import { DIALECTS, type OpenedStore, type TestDatabase } from '../helpers/store-dialects';

const piiKey = randomBytes(32);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(DIALECTS)('photos with $dialect', ({ dialect, fresh }) => {
  let database: TestDatabase;
  let a: PhotoStore;
  let b: PhotoStore;
  let opened: OpenedStore;
  let store: Store;
  const dir = mkdtempSync(join(tmpdir(), 'wallet-photos-'));
  beforeAll(async () => {
    database = await fresh();
    opened = await database.open();
    store = opened.store;
    const config = { photosDir: dir, piiKey };
    a = photoStoreFor(config, opened.store);
    b = photoStoreFor(config, (await database.open()).store);
  });
  afterAll(async () => {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A new application of `personId`, registered as the API does before starting it. */
  const application = async (personId: string) => {
    const id = randomUUID();
    await store.registerTemporalSubject(piiKey, onboardingWorkflowId(id), personId);
    return id;
  };

  /** What the database or the disk holds for the application's photo, as stored. */
  const storedBytes = async (applicationId: string, ref: string, kind = 'original') => {
    if (dialect === 'sqlite') {
      const name = kind === 'original' ? ref : `${ref}.${kind}`;
      return readFileSync(join(dir, applicationId.slice(0, 2), applicationId, name));
    }
    const [row] = await opened.exec<{ sealed: Buffer }>(
      `select sealed from photos where application_id = '${applicationId}' and ref = '${ref}' and kind = '${kind}'`,
    );
    return row!.sealed;
  };

  const bytes = randomBytes(50_000);
  const ref = photoRef(bytes);

  it('stores the same bytes once per application, however often and from however many processes', async () => {
    const id = await application(`person-${randomUUID()}`);
    const [pa, pb] = [a.of(id), b.of(id)];
    const puts = await Promise.all([pa.put(bytes), pb.put(bytes), pa.put(bytes), pb.put(bytes)]);
    for (const put of puts) expect(put).toEqual({ ref, size: bytes.length });
    expect((await pb.get(ref)).equals(bytes)).toBe(true);
    expect(await pb.has(ref)).toBe(true);
    // Files beside SQLite; nothing on this machine's disk with PostgreSQL.
    expect(readdirSync(dir, { recursive: true }).length > 0).toBe(dialect === 'sqlite');
    if (dialect === 'postgres') {
      const rows = await opened.exec<{ kind: string }>(
        `select kind from photos where application_id = '${id}' and ref = '${ref}'`,
      );
      expect(rows.map((r) => r.kind)).toEqual(['original']);
    }
    // Sealed: the stored bytes are not the photo's.
    expect((await storedBytes(id, ref)).includes(bytes.subarray(0, 64))).toBe(false);
  });

  it('keeps derived images beside the photo and deletes them with the application', async () => {
    const id = await application(`person-${randomUUID()}`);
    const card = randomBytes(4_000);
    await a.of(id).put(bytes);
    await a.of(id).putDerived(ref, 'card', randomBytes(10));
    await b.of(id).putDerived(ref, 'card', card);
    expect((await a.of(id).getDerived(ref, 'card')).equals(card)).toBe(true);
    await b.of(id).deleteAll();
    await a.of(id).deleteAll();
    expect(await a.of(id).has(ref)).toBe(false);
    await expect(a.of(id).get(ref)).rejects.toBeInstanceOf(PhotoNotFoundError);
    await expect(b.of(id).getDerived(ref, 'card')).rejects.toBeInstanceOf(PhotoNotFoundError);
  });

  it('keeps identical bytes of two applications apart: deleting one never takes the other', async () => {
    const shared = randomBytes(30_000);
    const sharedRef = photoRef(shared);
    const person = `person-${randomUUID()}`;
    // The same person applying again with the same picture, and another person with the same file.
    const [first, again, stranger] = [
      await application(person),
      await application(person),
      await application(`person-${randomUUID()}`),
    ];
    for (const id of [first, again, stranger]) {
      await a.of(id).put(shared);
      await a.of(id).putDerived(sharedRef, 'card', shared.subarray(0, 1000));
    }
    // Three sealed objects: each under its own application (and person) as associated data.
    const sealed = await Promise.all(
      [first, again, stranger].map((id) => storedBytes(id, sharedRef)),
    );
    expect(new Set(sealed.map((s) => s.toString('base64'))).size).toBe(3);

    await b.of(first).deleteAll();
    await expect(a.of(first).get(sharedRef)).rejects.toBeInstanceOf(PhotoNotFoundError);
    for (const id of [again, stranger]) {
      expect((await a.of(id).get(sharedRef)).equals(shared)).toBe(true);
      expect((await b.of(id).getDerived(sharedRef, 'card')).length).toBe(1000);
    }
  });

  it("after the person's key is erased no copy opens, with the master key or any other", async () => {
    const person = `person-${randomUUID()}`;
    const id = await application(person);
    const photo = randomBytes(20_000);
    const { ref: photoId } = await a.of(id).put(photo);
    await a.of(id).putDerived(photoId, 'card', photo.subarray(0, 2000));
    const raw = await storedBytes(id, photoId);
    const rawCard = await storedBytes(id, photoId, 'card');
    const context = sealingContext(id, photoId, 'original');
    // What is stored opens with the person's photo key, and with nothing of the master key.
    const personPhotoKey = (await store.photoKeyOf(piiKey, id))!;
    expect(openPhoto(personPhotoKey, context, raw).equals(photo)).toBe(true);
    for (const key of [piiKey, deriveKey(piiKey, 'photos'), deriveKey(piiKey, 'encryption')])
      expect(() => openPhoto(key, context, raw)).toThrow(SealedPhotoError);

    await store.erasePersonKey(person);
    for (const photos of [a.of(id), b.of(id)]) {
      await expect(photos.get(photoId)).rejects.toBeInstanceOf(PhotoErasedError);
      await expect(photos.getDerived(photoId, 'card')).rejects.toBeInstanceOf(PhotoErasedError);
      await expect(photos.putDerived(photoId, 'card', photo)).rejects.toBeInstanceOf(
        PhotoErasedError,
      );
    }
    expect(await store.photoKeyOf(piiKey, id)).toBeNull();
    // The bytes are still there (a backup would hold them too) and open under no key left.
    expect((await storedBytes(id, photoId)).equals(raw)).toBe(true);
    expect((await storedBytes(id, photoId, 'card')).equals(rawCard)).toBe(true);
    for (const key of [piiKey, deriveKey(piiKey, 'photos')])
      expect(() => openPhoto(key, context, raw)).toThrow(SealedPhotoError);

    // Applying again gives the person a new key: the new application's photos work, the erased
    // application's stay erased (they were under the old key).
    await sleep(5);
    const later = await application(person);
    await a.of(later).put(photo);
    expect((await b.of(later).get(photoId)).equals(photo)).toBe(true);
    await expect(b.of(id).get(photoId)).rejects.toBeInstanceOf(PhotoErasedError);
    const newKey = (await store.photoKeyOf(piiKey, later))!;
    expect(() => openPhoto(newKey, context, raw)).toThrow(SealedPhotoError);
  });

  it('refuses to seal for an application nobody registered', async () => {
    await expect(a.of(randomUUID()).put(bytes)).rejects.toThrow(/No person is registered/);
  });

  it('refuses refs that are not 64 hex digits, odd application ids and unknown kinds', async () => {
    const id = await application(`person-${randomUUID()}`);
    await expect(a.of(id).get('../../etc/passwd')).rejects.toBeInstanceOf(InvalidPhotoRefError);
    await expect(a.of(id).has("x' or '1'='1")).rejects.toBeInstanceOf(InvalidPhotoRefError);
    await expect(a.of(id).putDerived(ref, 'face' as 'card', bytes)).rejects.toThrow(
      /Unknown derived/,
    );
    for (const bad of ['..', '../x', 'a/b', "x' or '1'='1", ''])
      expect(() => a.of(bad)).toThrow(InvalidPhotoRefError);
  });
});

describe('photos in PostgreSQL', () => {
  let database: TestDatabase;
  let opened: OpenedStore;
  let a: PhotoStore;
  let b: PhotoStore;
  beforeAll(async () => {
    database = await DIALECTS.find((d) => d.dialect === 'postgres')!.fresh();
    opened = await database.open();
    const config = { photosDir: '/nonexistent', piiKey };
    a = photoStoreFor(config, opened.store);
    b = photoStoreFor(config, (await database.open()).store);
  });
  afterAll(() => database.close());

  const bytes = randomBytes(20_000);
  const ref = photoRef(bytes);

  it('never returns bytes that were tampered with or moved from another photo', async () => {
    const id = randomUUID();
    await opened.store.registerTemporalSubject(piiKey, onboardingWorkflowId(id), 'someone');
    const other = randomBytes(1000);
    const { ref: otherRef } = await a.of(id).put(other);
    // Another photo's sealed bytes under this ref: bound to its own ref, they do not open.
    await a.of(id).put(bytes);
    await opened.exec(
      `update photos set sealed = (select sealed from photos where ref = '${otherRef}' and kind = 'original') where ref = '${ref}'`,
    );
    await expect(b.of(id).get(ref)).rejects.toThrow(SealedPhotoError);
    await opened.exec(`update photos set sealed = '\\x00' where ref = '${otherRef}'`);
    await expect(b.of(id).get(otherRef)).rejects.toThrow(/cannot be opened/);
  });
});
