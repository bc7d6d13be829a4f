// PostgreSQL going away under transactions: every connection goes back to the pool, so that when
// the server is back the same pool serves again (drizzle 0.45 kept one checked out for good each
// time BEGIN failed, until the pool was empty).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { openPostgres, type PgHandle } from '../../db/postgres/client';
import { freshPostgresUrl, startPostgresCluster, type PostgresCluster } from '../helpers/postgres';

let cluster: PostgresCluster;
let handle: PgHandle;
beforeAll(async () => {
  cluster = await startPostgresCluster();
  handle = await openPostgres(await freshPostgresUrl(cluster.url), { poolSize: 2 });
}, 60_000);
afterAll(async () => {
  await handle?.close();
  cluster?.stop();
});

const transaction = () =>
  handle.db.transaction(async (tx) => (await tx.execute(sql`select 1 as one`)).rows[0]);

describe('transactions across an outage', () => {
  it('give their connections back, and the pool serves once the server is back', async () => {
    expect(await transaction()).toEqual({ one: 1 });
    cluster.halt();
    for (let i = 0; i < 6; i++) await expect(transaction()).rejects.toThrow();
    cluster.resume();
    // More transactions than the pool has connections: none may be stuck checked out.
    for (let i = 0; i < 4; i++) expect(await transaction()).toEqual({ one: 1 });
    expect(handle.pool.totalCount).toBeLessThanOrEqual(2);
    expect(handle.pool.idleCount).toBe(handle.pool.totalCount);
  }, 60_000);
});
