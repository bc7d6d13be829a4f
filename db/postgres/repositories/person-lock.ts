// One person's claims and wallet are changed one transaction at a time: the stand-in on
// PostgreSQL for SQLite's IMMEDIATE transaction around them (person-claims.ts, wallets.ts).
import { sql } from 'drizzle-orm';
import type { PgTx } from '../client';

/** Waits, inside `tx`, until no other transaction holds the person; held until `tx` ends. */
export async function lockPerson(tx: PgTx, personId: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`person:${personId}`}, 0))`);
}
