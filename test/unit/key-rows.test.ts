// The person-key rows a PostgreSQL pool keeps (db/postgres/key-cache.ts), without a database:
// kept only while listening for erasures, never past the TTL, never a row read across an erasure.
import { describe, expect, it } from 'vitest';
import { KeyRows } from '../../db/postgres/key-cache';

const counted = () => {
  let reads = 0;
  return {
    read: async () => {
      reads++;
      return { personId: 'p1', wrapped: `w${reads}` };
    },
    reads: () => reads,
  };
};
const personOf = (row: { personId: string }) => row.personId;

describe('person-key rows of a pool', () => {
  it('keeps nothing until listening, then keeps a row until its TTL', async () => {
    let now = 1_000;
    const rows = new KeyRows({ ttlMs: 500, now: () => now });
    const source = counted();
    await rows.through('subject:wf', source.read, personOf);
    await rows.through('subject:wf', source.read, personOf);
    expect(source.reads()).toBe(2);
    rows.setListening(true);
    await rows.through('subject:wf', source.read, personOf);
    expect(await rows.through('subject:wf', source.read, personOf)).toEqual({
      personId: 'p1',
      wrapped: 'w3',
    });
    now += 499;
    await rows.through('subject:wf', source.read, personOf);
    expect(source.reads()).toBe(3);
    now += 1;
    await rows.through('subject:wf', source.read, personOf);
    expect(source.reads()).toBe(4);
  });

  it('drops a person on their erasure and on a lost connection, and keeps no row read across one', async () => {
    const rows = new KeyRows();
    rows.setListening(true);
    const source = counted();
    await rows.through('subject:wf', source.read, personOf);
    rows.forget('someone-else');
    expect(rows.holds('subject:wf')).toBe(true);
    rows.forget('p1');
    expect(rows.holds('subject:wf')).toBe(false);
    // An erasure heard while the row was being read: that row may predate it.
    await rows.through(
      'subject:wf',
      async () => {
        const row = await source.read();
        rows.forget('p1');
        return row;
      },
      personOf,
    );
    expect(rows.holds('subject:wf')).toBe(false);
    await rows.through('subject:wf', source.read, personOf);
    expect(rows.holds('subject:wf')).toBe(true);
    rows.setListening(false);
    expect(rows.holds('subject:wf')).toBe(false);
    // A row that names nobody (an erased key) is not kept.
    rows.setListening(true);
    await rows.through(
      'person:p2',
      async () => null,
      () => undefined,
    );
    expect(rows.holds('person:p2')).toBe(false);
  });
});
