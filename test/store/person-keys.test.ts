// Person keys on both databases, with several processes on one database (SPEC §8): a key made
// once whoever asks at the same moment, and an erasure by any process honoured by every other
// one at its next read, although each keeps unwrapped keys in memory.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { personIdOf } from '../../crypto/pii';
import { holdsUnwrappedPersonKey } from '../../db/shared/person-key-cache';
import type { Store } from '../../db/store';
import { DIALECTS, type OpenedStore, type TestDatabase } from '../helpers/store-dialects';

const master = randomBytes(32);
let serial = 0;
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

  /** What another process's erasure leaves in the table, done without this process's code. */
  const eraseElsewhere = (personId: string) =>
    b.exec(
      `update person_keys set wrapped_key = null, deleted_at = ${dialect === 'sqlite' ? Date.now() : 'now()'} where person_id = '${personId}'`,
    );

  it('is made once when two processes ask at the same moment, and after an erasure too', async () => {
    const person = newPerson();
    const keys = await Promise.all(
      Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b.store).personKey(master, person)),
    );
    for (const key of keys) expect(key.equals(keys[0]!)).toBe(true);
    await b.store.erasePersonKey(person);
    const again = await Promise.all(
      Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b.store).personKey(master, person)),
    );
    for (const key of again) expect(key.equals(again[0]!)).toBe(true);
    expect(again[0]!.equals(keys[0]!)).toBe(false);
  });

  it("honours another Store's erasure at the next read, with the key cached here", async () => {
    const person = newPerson();
    const key = await a.personKey(master, person);
    expect((await a.loadPersonKey(master, person))!.equals(key)).toBe(true);
    await b.store.erasePersonKey(person);
    expect(await a.loadPersonKey(master, person)).toBeNull();
    expect(await a.personKeyErased(person)).toBe(true);
    expect(await b.store.personKeyErased(newPerson())).toBe(false);
  });

  it('lets go of a cached key as soon as it reads that another process erased it', async () => {
    const person = newPerson();
    await a.personKey(master, person);
    expect(holdsUnwrappedPersonKey(master, person)).toBe(true);
    await eraseElsewhere(person);
    // Until this process looks again it cannot know; its entry expires by itself meanwhile.
    expect(await a.loadPersonKey(master, person)).toBeNull();
    expect(holdsUnwrappedPersonKey(master, person)).toBe(false);
  });

  it('hands out the new key, not the cached one, once another process made a new one', async () => {
    const person = newPerson();
    const old = await a.personKey(master, person);
    await eraseElsewhere(person);
    const made = await b.store.personKey(master, person);
    const seen = await a.loadPersonKey(master, person);
    expect(seen!.equals(made)).toBe(true);
    expect(seen!.equals(old)).toBe(false);
  });

  it("stops the payload codec's key for a workflow once another process erased it", async () => {
    const person = newPerson();
    await a.registerTemporalSubject(master, `onboarding-${person}`, person);
    const subjects = await a.temporalSubjectKeys(master);
    expect(await subjects.keyFor(`onboarding-${person}`)).toHaveLength(32);
    await eraseElsewhere(person);
    expect(await subjects.keyFor(`onboarding-${person}`)).toBeNull();
    // A person applying again gets a new key; the workflows registered before stay unreadable.
    await b.store.personKey(master, person);
    expect(await subjects.keyFor(`onboarding-${person}`)).toBeNull();
    expect(await subjects.keyFor('no-such-workflow')).toBeUndefined();
  });
});
