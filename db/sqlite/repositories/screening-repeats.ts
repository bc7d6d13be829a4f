// Repeats in screening (SPEC §1 step 5): this application's portrait hash and bank card recorded,
// and another person's closest earlier use of either found, in one IMMEDIATE transaction, so that
// two people screened at once still see each other. Recording is idempotent per application.
import { and, eq, ne } from 'drizzle-orm';
import type { AppDatabase } from '../client';
import { cardUses, portraitUses } from '../schema';

export interface Repeats {
  portrait: { applicationId: string; distance: number } | null;
  card: { applicationId: string } | null;
}

export function recordAndFindRepeats(
  db: AppDatabase,
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
): Repeats {
  const { applicationId, personId, cardIndex, portrait } = input;
  return db.transaction(
    (tx): Repeats => {
      let closest: Repeats['portrait'] = null;
      if (portrait) {
        // Every other person's accepted portrait: a Hamming distance has no index, and the
        // table holds 16 hex digits per accepted card.
        const others = tx
          .select({ applicationId: portraitUses.applicationId, hash: portraitUses.portraitHash })
          .from(portraitUses)
          .where(ne(portraitUses.personId, personId))
          .all();
        for (const o of others) {
          const distance = input.hammingDistance(portrait, o.hash);
          if (distance <= input.maxPortraitDistance && (!closest || distance < closest.distance))
            closest = { applicationId: o.applicationId, distance };
        }
        tx.insert(portraitUses)
          .values({ portraitHash: portrait, personId, applicationId, createdAt: input.at })
          .onConflictDoNothing()
          .run();
      }
      const card = tx
        .select({ applicationId: cardUses.applicationId })
        .from(cardUses)
        .where(and(eq(cardUses.cardIndex, cardIndex), ne(cardUses.personId, personId)))
        .get();
      tx.insert(cardUses)
        .values({ cardIndex, personId, applicationId, createdAt: input.at })
        .onConflictDoNothing()
        .run();
      return { portrait: closest, card: card ?? null };
    },
    { behavior: 'immediate' },
  );
}
