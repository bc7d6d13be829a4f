// Erasing a person (SPEC §3 step 4, §6, §9) on PostgreSQL: the same places as on SQLite
// (db/sqlite/repositories/person-erasure.ts keeps the one list), plus the `photos` table, where
// PostgreSQL keeps the ID photos that SQLite keeps in DATA_DIR.
import { eq, inArray } from 'drizzle-orm';
import {
  NO_PERSONAL_DATA,
  PERSONAL_DATA as SQLITE_PERSONAL_DATA,
  PERSONAL_FILES as SQLITE_PERSONAL_FILES,
  type PersonToErase,
} from '../../sqlite/repositories/person-erasure';
import type { PgExecutor } from '../client';
import {
  applicantLogins,
  applications,
  cardUses,
  knownDevices,
  personClaims,
  portraitUses,
  sessionRevocations,
} from '../schema';
import { eraseWalletHistory } from './ledger';
import { deleteOutboxFor } from './outbox';
import { erasePersonKey } from './person-keys';

export { NO_PERSONAL_DATA, type PersonToErase };

/** Tables that hold a person's data on PostgreSQL, and what erasing the person does to each. */
export const PERSONAL_DATA = {
  ...SQLITE_PERSONAL_DATA,
  photos:
    'ID photos and their straightened cards, sealed: deleted by the photo store after the erasing transaction commits, as files are on SQLite',
} as const;

/** Outside the database: only Temporal's histories (the photos are in `photos`). */
export const PERSONAL_FILES = { temporal: SQLITE_PERSONAL_FILES.temporal } as const;

/** Erases the person in `tx`, the caller's transaction; see PERSONAL_DATA for what happens where. */
export async function erasePerson(tx: PgExecutor, piiKey: Buffer, p: PersonToErase): Promise<void> {
  await eraseWalletHistory(tx, p.walletId);
  if (p.applicationIds.length > 0) {
    await tx
      .delete(applicantLogins)
      .where(inArray(applicantLogins.applicationId, [...p.applicationIds]));
    await tx
      .update(applications)
      .set({ reviewSnapshot: null })
      .where(inArray(applications.id, [...p.applicationIds]));
  }
  await tx.delete(portraitUses).where(eq(portraitUses.personId, p.personId));
  await tx.delete(cardUses).where(eq(cardUses.personId, p.personId));
  await tx.delete(knownDevices).where(eq(knownDevices.personId, p.personId));
  await tx.delete(sessionRevocations).where(eq(sessionRevocations.personId, p.personId));
  await tx.delete(personClaims).where(eq(personClaims.personId, p.personId));
  if (p.ownerPhone) await deleteOutboxFor(tx, piiKey, p.ownerPhone);
  // Crypto-shredding: with the person's key go their sealed rows and, through the payload codec's
  // per-person keys, whatever Temporal still keeps of their workflows.
  await erasePersonKey(tx, p.personId, p.now);
}
