// The one list of where personal data lives (db/sqlite/repositories/person-erasure.ts) names every table
// of the schema, so that a new table cannot hold personal data an erasure would miss.
import { getTableName, isTable } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { NO_PERSONAL_DATA, PERSONAL_DATA } from '../../db/sqlite/repositories/person-erasure';
import * as schema from '../../db/sqlite/schema';

describe('the personal-data list', () => {
  it('decides for every table whether it holds personal data', () => {
    const tables = Object.values(schema)
      .filter((value) => isTable(value))
      .map((table) => getTableName(table))
      .sort();
    const listed = [...Object.keys(PERSONAL_DATA), ...Object.keys(NO_PERSONAL_DATA)].sort();
    expect(listed).toEqual(tables);
    for (const table of Object.keys(PERSONAL_DATA))
      expect(Object.keys(NO_PERSONAL_DATA)).not.toContain(table);
  });
});
