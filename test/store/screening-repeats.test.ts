// Repeats in screening on both databases: another person's earlier card or near portrait is
// found, one's own never, recording is idempotent, and two people screened at the same moment
// through two processes still see each other.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hammingDistance } from '../../activities/photo/portrait-hash';
import type { Store } from '../../db/store';
import { DIALECTS, type TestDatabase } from '../helpers/store-dialects';

const at = new Date(Date.now() - 60_000);
const screen = (
  store: Store,
  applicationId: string,
  personId: string,
  cardIndex: string,
  portrait: string | null,
) =>
  store.recordAndFindRepeats({
    applicationId,
    personId,
    cardIndex,
    portrait,
    maxPortraitDistance: 6,
    hammingDistance,
    at,
  });

describe.each(DIALECTS)('screening repeats on $dialect', ({ fresh }) => {
  let database: TestDatabase;
  let a: Store;
  let b: Store;
  beforeAll(async () => {
    database = await fresh();
    a = (await database.open()).store;
    b = (await database.open()).store;
  });
  afterAll(() => database.close());

  it("finds another person's card and closest portrait, never one's own", async () => {
    expect(await screen(a, 'app-1', 'person-1', 'card-1', 'ffff0000ffff0000')).toEqual({
      portrait: null,
      card: null,
    });
    // The same person again (a resubmission) is no repeat.
    expect(await screen(a, 'app-2', 'person-1', 'card-1', 'ffff0000ffff0000')).toEqual({
      portrait: null,
      card: null,
    });
    await screen(a, 'app-3', 'person-3', 'card-3', 'ffff0000ffff0003');
    expect(await screen(b, 'app-4', 'person-4', 'card-1', 'ffff0000ffff0001')).toEqual({
      portrait: { applicationId: 'app-1', distance: 1 },
      card: { applicationId: 'app-1' },
    });
    // Far portraits are no repeat.
    expect(await screen(b, 'app-5', 'person-5', 'card-5', '0000ffff0000ffff')).toEqual({
      portrait: null,
      card: null,
    });
  });

  it('records each application once however often it is screened', async () => {
    for (let i = 0; i < 3; i++) await screen(a, 'app-6', 'person-6', 'card-6', 'abcdabcdabcdabcd');
    expect(await screen(b, 'app-7', 'person-7', 'card-6', null)).toEqual({
      portrait: null,
      card: { applicationId: 'app-6' },
    });
  });

  it('lets two people screened at once through two processes see each other', async () => {
    const pairs = Array.from({ length: 12 }, (_, i) => i);
    const results = await Promise.all(
      pairs.map((i) =>
        Promise.all([
          screen(a, `pair-${i}-a`, `pair-${i}-a`, `pair-card-${i}`, null),
          screen(b, `pair-${i}-b`, `pair-${i}-b`, `pair-card-${i}`, null),
        ]),
      ),
    );
    for (const [first, second] of results)
      expect(Boolean(first.card) || Boolean(second.card)).toBe(true);
  });
});
