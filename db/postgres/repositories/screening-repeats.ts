// Repeats in screening (SPEC §1 step 5) on PostgreSQL: this application's portrait hash and bank
// card recorded, and another person's closest earlier use of either found, as in
// db/sqlite/repositories/screening-repeats.ts.
//
// Two people screened at once must still see each other. SQLite gets that from its one writer
// (an IMMEDIATE transaction); under READ COMMITTED each would read before the other's insert
// committed and both would miss. Here a transaction-scoped advisory lock makes screenings take
// turns across every process, as on SQLite: the transaction is one scan of the portrait hashes
// (a Hamming distance has no index) and two inserts, and a predicate lock (SERIALIZABLE) on that
// scan would fail and retry nearly every concurrent pair anyway.
import { and, eq, ne, sql } from 'drizzle-orm';
import type { Repeats } from '../../sqlite/repositories/screening-repeats';
import type { PgExecutor } from '../client';
import { cardUses, portraitUses } from '../schema';

export type { Repeats };

/** The advisory lock screenings take turns under (any constant no other lock uses). */
const SCREENING_LOCK = sql`select pg_advisory_xact_lock(hashtext('wallet:screening-repeats'))`;

export async function recordAndFindRepeats(
  db: PgExecutor,
  input: {
    applicationId: string;
    personId: string;
    cardIndex: string;
    /** The card's portrait hash, or null when no straightened card is stored. */
    portrait: string | null;
    maxPortraitDistance: number;
    hammingDistance: (a: string, b: string) => number;
    at: Date;
  },
): Promise<Repeats> {
  const { applicationId, personId, cardIndex, portrait } = input;
  return db.transaction(async (tx): Promise<Repeats> => {
    await tx.execute(SCREENING_LOCK);
    let closest: Repeats['portrait'] = null;
    if (portrait) {
      const others = await tx
        .select({ applicationId: portraitUses.applicationId, hash: portraitUses.portraitHash })
        .from(portraitUses)
        .where(ne(portraitUses.personId, personId));
      for (const o of others) {
        const distance = input.hammingDistance(portrait, o.hash);
        if (distance <= input.maxPortraitDistance && (!closest || distance < closest.distance))
          closest = { applicationId: o.applicationId, distance };
      }
      await tx
        .insert(portraitUses)
        .values({ portraitHash: portrait, personId, applicationId, createdAt: input.at })
        .onConflictDoNothing();
    }
    const [card] = await tx
      .select({ applicationId: cardUses.applicationId })
      .from(cardUses)
      .where(and(eq(cardUses.cardIndex, cardIndex), ne(cardUses.personId, personId)))
      .limit(1);
    await tx
      .insert(cardUses)
      .values({ cardIndex, personId, applicationId, createdAt: input.at })
      .onConflictDoNothing();
    return { portrait: closest, card: card ?? null };
  });
}
