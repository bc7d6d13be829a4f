// The one list of where personal data lives names every table of each schema, so that a new table
// cannot hold personal data an erasure would miss. PostgreSQL's list adds `photos`, the table
// that holds there what SQLite keeps as files.
import { getTableName, isTable } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import * as postgresErasure from '../../db/postgres/repositories/person-erasure';
import * as postgresSchema from '../../db/postgres/schema';
import * as sqliteErasure from '../../db/sqlite/repositories/person-erasure';
import * as sqliteSchema from '../../db/sqlite/schema';

const tablesOf = (schema: Record<string, unknown>) =>
  Object.values(schema)
    .filter((value) => isTable(value))
    .map((table) => getTableName(table))
    .sort();

describe.each([
  { dialect: 'sqlite', schema: sqliteSchema, lists: sqliteErasure },
  { dialect: 'postgres', schema: postgresSchema, lists: postgresErasure },
])('the personal-data list on $dialect', ({ schema, lists }) => {
  it('decides for every table whether it holds personal data', () => {
    const listed = [
      ...Object.keys(lists.PERSONAL_DATA),
      ...Object.keys(lists.NO_PERSONAL_DATA),
    ].sort();
    expect(listed).toEqual(tablesOf(schema));
    for (const table of Object.keys(lists.PERSONAL_DATA))
      expect(Object.keys(lists.NO_PERSONAL_DATA)).not.toContain(table);
  });

  it('names what outside the database holds personal data, photos only once', () => {
    const inTables = 'photos' in lists.PERSONAL_DATA;
    expect('photos' in lists.PERSONAL_FILES).toBe(!inTables);
    expect(lists.PERSONAL_FILES).toHaveProperty('temporal');
  });
});
