// Both schemas hold the same tables and columns (issue #23): drizzle's table configs of
// db/sqlite/schema.ts and db/postgres/schema.ts, and the live databases their migrations build.
import { getTableConfig as pgTableConfig, PgTable } from 'drizzle-orm/pg-core';
import { getTableConfig as sqliteTableConfig, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as pgSchema from '../../db/postgres/schema';
import * as sqliteSchema from '../../db/sqlite/schema';
import { STORES, type Harness } from './harness';

interface Shape {
  columns: string[];
  indexes: string[];
}

/** Per table: each column with its nullability, primary key and default; each index. */
function shapesOf(schema: Record<string, unknown>): Record<string, Shape> {
  const shapes: Record<string, Shape> = {};
  for (const value of Object.values(schema)) {
    const config =
      value instanceof PgTable
        ? pgTableConfig(value)
        : value instanceof SQLiteTable
          ? sqliteTableConfig(value)
          : null;
    if (!config) continue;
    shapes[config.name] = {
      columns: config.columns
        .map((c) =>
          [c.name, c.notNull && 'not null', c.primary && 'primary', c.hasDefault && 'default']
            .filter(Boolean)
            .join(' '),
        )
        .sort(),
      indexes: config.indexes
        .map((i) => {
          const columns = i.config.columns.map((c) => ('name' in c ? c.name : '?')).join(',');
          return `${i.config.name}${i.config.unique ? ' unique' : ''} (${columns})`;
        })
        .sort(),
    };
  }
  return shapes;
}

/**
 * The one table only PostgreSQL has: `photos`, where it keeps the ID photos that SQLite keeps as
 * files in DATA_DIR (SPEC §8: nothing shared on one machine's disk; one machine needs no table).
 */
function withoutPostgresOnly<T>(tables: Record<string, T>): Record<string, T> {
  const { photos, ...shared } = tables;
  expect(photos, 'the photos table').toBeDefined();
  return shared;
}

describe('schema parity', () => {
  it('the two schema modules declare the same tables, columns and indexes', () => {
    const sqlite = shapesOf(sqliteSchema);
    expect(Object.keys(sqlite).length).toBeGreaterThan(10);
    expect(withoutPostgresOnly(shapesOf(pgSchema))).toEqual(sqlite);
  });

  describe('the migrated databases', () => {
    const harnesses: Partial<Record<'sqlite' | 'postgres', Harness>> = {};
    beforeAll(async () => {
      for (const { dialect, open } of STORES) harnesses[dialect] = await open();
    });
    afterAll(async () => {
      for (const h of Object.values(harnesses)) await h.close();
    });

    /** table → "column not-null" lines, as the live database describes itself. */
    async function liveColumns(h: Harness): Promise<Record<string, string[]>> {
      const out: Record<string, string[]> = {};
      if (h.dialect === 'postgres') {
        const rows = await h.rows(
          `select table_name, column_name, is_nullable from information_schema.columns
            where table_schema = 'public' order by table_name, column_name`,
        );
        for (const r of rows)
          (out[String(r.table_name)] ??= []).push(
            `${String(r.column_name)}${r.is_nullable === 'NO' ? ' not null' : ''}`,
          );
      } else {
        const tables = await h.rows(
          `select name from sqlite_master where type = 'table'
             and name not like 'sqlite_%' and name not like '__drizzle%'`,
        );
        for (const t of tables) {
          const name = String(t.name);
          const columns = await h.rows(`pragma table_info('${name}')`);
          out[name] = columns
            .map((c) => `${String(c.name)}${c.notnull || c.pk ? ' not null' : ''}`)
            .sort();
        }
      }
      for (const columns of Object.values(out)) columns.sort();
      return out;
    }

    it('hold the same tables and columns, with the same nullability', async () => {
      const sqlite = await liveColumns(harnesses.sqlite!);
      expect(Object.keys(sqlite).length).toBeGreaterThan(10);
      expect(withoutPostgresOnly(await liveColumns(harnesses.postgres!))).toEqual(sqlite);
    });
  });
});
