// The watch list and its alerts on both databases: imports merge aliases into entries already
// listed, audited once per change; pages; removal; alerts raised once per (wallet, entry); and
// two imports of overlapping lists at once through two processes list each entry once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewWatchlistEntry } from '../../db/sqlite/repositories/watchlist';
import type { Store } from '../../db/store';
import { DIALECTS, type TestDatabase } from '../helpers/store-dialects';

const entry = (name: string, aliases: string[] = []): NewWatchlistEntry => ({
  name,
  aliases,
  birthDate: '1970-01-01',
  source: 'OFAC',
});

describe.each(DIALECTS)('the watch list on $dialect', ({ fresh }) => {
  let database: TestDatabase;
  let a: Store;
  let b: Store;
  beforeAll(async () => {
    database = await fresh();
    a = (await database.open()).store;
    b = (await database.open()).store;
  });
  afterAll(() => database.close());

  it('adds entries, merging the aliases of those already listed, audited per change', async () => {
    const first = await a.addWatchlistEntries([entry('李四', ['李肆']), entry('王五')], {
      changeId: 'import-1',
      actor: 'ops-1',
    });
    expect(first).toEqual({ added: 2, duplicates: 0 });
    const second = await a.addWatchlistEntries(
      [entry('李四', ['李肆', 'LI SI']), entry('赵六'), entry('赵六', ['ZHAO LIU'])],
      { changeId: 'import-2', actor: 'ops-1' },
    );
    expect(second).toEqual({ added: 1, duplicates: 2 });
    const list = await b.loadWatchlist();
    expect(list.map((e) => [e.name, e.aliases])).toEqual([
      ['李四', ['李肆', 'LI SI']],
      ['王五', []],
      ['赵六', ['ZHAO LIU']],
    ]);
    expect(await a.auditDetailOf('import-2')).toEqual({ received: 3, added: 1 });
  });

  it('pages the list and removes an entry once', async () => {
    const page1 = await a.listWatchlist({ limit: 2 });
    expect(page1.items.map((e) => e.name)).toEqual(['李四', '王五']);
    const page2 = await a.listWatchlist({ limit: 2, cursor: page1.nextCursor! });
    expect(page2).toEqual({ items: [expect.objectContaining({ name: '赵六' })] });
    const id = page1.items[1]!.id;
    const removals = await Promise.all([
      a.removeWatchlistEntry(id, { changeId: 'remove-1', actor: 'ops-1' }),
      b.removeWatchlistEntry(id, { changeId: 'remove-2', actor: 'ops-2' }),
    ]);
    expect(removals.sort()).toEqual([false, true]);
    expect((await a.loadWatchlist()).map((e) => e.name)).toEqual(['李四', '赵六']);
  });

  it('raises an alert once per wallet and entry, newest first', async () => {
    const alert = { walletId: 'wallet-1', entryId: 1, score: 0.93, changeId: 'import-1' };
    expect(await a.raiseWatchlistAlert(alert)).toBe(true);
    expect(await b.raiseWatchlistAlert({ ...alert, changeId: 'import-2' })).toBe(false);
    expect(await a.raiseWatchlistAlert({ ...alert, walletId: 'wallet-2' })).toBe(true);
    const alerts = await b.listWatchlistAlerts({ limit: 1 });
    expect(alerts.items.map((x) => x.walletId)).toEqual(['wallet-2']);
    const rest = await b.listWatchlistAlerts({ limit: 5, cursor: alerts.nextCursor! });
    expect(rest.items).toEqual([
      expect.objectContaining({
        walletId: 'wallet-1',
        detail: expect.objectContaining({ score: 0.93 }),
      }),
    ]);
  });

  it('lists each entry once when two overlapping imports run at once', async () => {
    const names = Array.from({ length: 20 }, (_, i) => `并发${i}`);
    const results = await Promise.all([
      a.addWatchlistEntries(
        names.map((n) => entry(n, ['A'])),
        { changeId: 'c-1', actor: 'ops-1' },
      ),
      b.addWatchlistEntries(
        [...names].reverse().map((n) => entry(n, ['B'])),
        {
          changeId: 'c-2',
          actor: 'ops-2',
        },
      ),
    ]);
    expect(results[0].added + results[1].added).toBe(20);
    const listed = (await a.loadWatchlist()).filter((e) => e.name.startsWith('并发'));
    expect(listed).toHaveLength(20);
    for (const e of listed) expect([...e.aliases].sort()).toEqual(['A', 'B']);
  });
});
