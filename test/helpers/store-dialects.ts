// The two databases of test/store/harness.ts (STORES), seen as a database that any number of
// Stores open, each with its own connection(s), as separate processes would. `exec` runs a raw
// statement there, to look underneath or to act as another process would without this one
// knowing.
import type { Store } from '../../db/store';
import { STORES } from '../store/harness';

export interface OpenedStore {
  store: Store;
  exec<T = Record<string, unknown>>(statement: string): Promise<T[]>;
}

export interface TestDatabase {
  dialect: Store['dialect'];
  /** The harness's Store first, then another one on the same database each time. */
  open(): Promise<OpenedStore>;
  close(): Promise<void>;
}

const answersRows = (statement: string) => /^\s*(select|pragma|with)\b/i.test(statement);

/** For `describe.each`: one entry per database. */
export const DIALECTS = STORES.map(({ dialect, open: openHarness }) => ({
  dialect,
  fresh: async (): Promise<TestDatabase> => {
    const harness = await openHarness();
    let opened = 0;
    const exec = async <T>(statement: string) => {
      if (answersRows(statement)) return (await harness.rows(statement)) as T[];
      await harness.rawSql(statement);
      return [] as T[];
    };
    return {
      dialect,
      async open() {
        const store = opened++ === 0 ? harness.store : await harness.openAnother();
        return { store, exec };
      },
      close: () => harness.close(),
    };
  },
}));
