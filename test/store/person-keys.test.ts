// Person keys on both databases, with several processes on one database (SPEC §8): a key made
// once whoever asks at the same moment, and an erasure by any process honoured by every other
// one, although each keeps keys in memory: at its next read on SQLite, within the erasure's
// notification on PostgreSQL (db/postgres/key-cache.ts), well before the cache's TTL.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { personIdOf } from '../../crypto/pii';
import { KEY_ROWS_TTL_MS, PERSON_KEY_ERASED } from '../../db/postgres/key-cache';
import { holdsUnwrappedPersonKey } from '../../db/shared/person-key-cache';
import type { Store } from '../../db/store';
import { createPayloadCodec, PayloadDecryptionError } from '../../temporal/payload-codec';
import { eventually } from '../helpers/eventually';
import { DIALECTS, type OpenedStore, type TestDatabase } from '../helpers/store-dialects';

const master = randomBytes(32);
let serial = 0;
/** How soon another process must stop using an erased key: far below the cache's TTL. */
const ERASURE_SEEN_MS = 2_000;
expect(ERASURE_SEEN_MS * 4).toBeLessThan(KEY_ROWS_TTL_MS);
const soon = <T>(read: () => Promise<T>, ok: (value: T) => boolean) =>
  eventually(read, ok, ERASURE_SEEN_MS);
const newPerson = () => personIdOf(master, `1101051949123${String(100 + serial++)}X`.slice(-18));

describe.each(DIALECTS)('person keys on $dialect', ({ dialect, fresh }) => {
  let database: TestDatabase;
  let a: Store;
  let b: OpenedStore;
  beforeAll(async () => {
    database = await fresh();
    a = (await database.open()).store;
    b = await database.open();
  });
  afterAll(() => database.close());

  /**
   * What another process's erasure leaves in the table and, on PostgreSQL, says to every process
   * when it commits, done without this process's code.
   */
  const eraseElsewhere = (personId: string) =>
    b.exec(
      dialect === 'sqlite'
        ? `update person_keys set wrapped_key = null, deleted_at = ${Date.now()} where person_id = '${personId}'`
        : `update person_keys set wrapped_key = null, deleted_at = now() where person_id = '${personId}'; select pg_notify('${PERSON_KEY_ERASED}', '${personId}')`,
    );

  it('is made once when two processes ask at the same moment, and after an erasure too', async () => {
    const person = newPerson();
    const keys = await Promise.all(
      Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b.store).personKey(master, person)),
    );
    for (const key of keys) expect(key.equals(keys[0]!)).toBe(true);
    await b.store.erasePersonKey(person);
    expect(
      await soon(
        () => a.loadPersonKey(master, person),
        (k) => k === null,
      ),
    ).toBeNull();
    const again = await Promise.all(
      Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b.store).personKey(master, person)),
    );
    for (const key of again) expect(key.equals(again[0]!)).toBe(true);
    expect(again[0]!.equals(keys[0]!)).toBe(false);
  });

  it("honours another Store's erasure within its notification, with the key cached here", async () => {
    const person = newPerson();
    const key = await a.personKey(master, person);
    expect((await a.loadPersonKey(master, person))!.equals(key)).toBe(true);
    await b.store.erasePersonKey(person);
    expect(
      await soon(
        () => a.loadPersonKey(master, person),
        (k) => k === null,
      ),
    ).toBeNull();
    expect(await a.personKeyErased(person)).toBe(true);
    expect(await b.store.personKeyErased(newPerson())).toBe(false);
  });

  it('lets go of a cached key as soon as it reads that another process erased it', async () => {
    const person = newPerson();
    await a.personKey(master, person);
    expect(holdsUnwrappedPersonKey(master, person)).toBe(true);
    await eraseElsewhere(person);
    expect(
      await soon(
        () => a.loadPersonKey(master, person),
        (k) => k === null,
      ),
    ).toBeNull();
    expect(holdsUnwrappedPersonKey(master, person)).toBe(false);
  });

  it('hands out the new key, not the cached one, once another process made a new one', async () => {
    const person = newPerson();
    const old = await a.personKey(master, person);
    await eraseElsewhere(person);
    const made = await b.store.personKey(master, person);
    const seen = await soon(
      () => a.loadPersonKey(master, person),
      (k) => k?.equals(made) === true,
    );
    expect(seen!.equals(made)).toBe(true);
    expect(seen!.equals(old)).toBe(false);
  });

  it("stops the payload codec's key for a workflow once another process erased it", async () => {
    const person = newPerson();
    await a.registerTemporalSubject(master, `onboarding-${person}`, person);
    const subjects = await a.temporalSubjectKeys(master);
    expect(await subjects.keyFor(`onboarding-${person}`)).toHaveLength(32);
    await eraseElsewhere(person);
    const keyFor = async () => subjects.keyFor(`onboarding-${person}`);
    expect(await soon(keyFor, (k) => k === null)).toBeNull();
    // A person applying again gets a new key; the workflows registered before stay unreadable.
    await b.store.personKey(master, person);
    expect(await subjects.keyFor(`onboarding-${person}`)).toBeNull();
    expect(await subjects.keyFor('no-such-workflow')).toBeUndefined();
  });

  it('refuses to decrypt a workflow of a person another Store erased, soon after', async () => {
    const person = newPerson();
    const workflowId = `onboarding-${person}`;
    await a.registerTemporalSubject(master, workflowId, person);
    const codec = createPayloadCodec(master, await a.temporalSubjectKeys(master));
    const [sealed] = await codec.encode([{ metadata: {}, data: new Uint8Array([1, 2, 3]) }], {
      type: 'workflow',
      namespace: 'default',
      workflowId,
    });
    // Decoded twice: the second from what this process keeps.
    await codec.decode([sealed!]);
    expect((await codec.decode([sealed!]))[0]!.data).toEqual(new Uint8Array([1, 2, 3]));
    expect(await a.photoKeyOf(master, person)).toHaveLength(32);
    await b.store.erasePersonKey(person);
    const outcome = await soon(
      () =>
        codec.decode([sealed!]).then(
          () => 'decrypted',
          (error: unknown) => error,
        ),
      (o) => o !== 'decrypted',
    );
    expect(outcome).toBeInstanceOf(PayloadDecryptionError);
    expect((outcome as PayloadDecryptionError).erased).toBe(true);
    // The same workflow's photo key (its id is the application's workflow id's).
    expect(await a.photoKeyOf(master, person)).toBeNull();
  });
});
