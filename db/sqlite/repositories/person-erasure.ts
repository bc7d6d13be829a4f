// Erasing a person (SPEC §3 step 4, §6, §9): the one list of every place that holds personal data,
// and the one function that erases them. A new table must be added to one of the two lists below
// (test/unit/person-erasure.test.ts fails otherwise), so that nobody adds personal data that an
// erasure would miss.
import { and, eq, inArray } from 'drizzle-orm';
import { erasePersonKey } from './person-keys';
import type { AppDatabase } from '../client';
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

export { NO_PERSONAL_DATA, PERSONAL_DATA, PERSONAL_FILES } from '../../shared/personal-data';

export interface PersonToErase {
  personId: string;
  /** Every application of the person's. */
  applicationIds: readonly string[];
  walletId: string;
  /** The number the sandbox outbox knows the person by, when any. */
  ownerPhone: string | null;
  now: Date;
}

/** Erases the person in `tx`, the caller's transaction; see PERSONAL_DATA for what happens where. */
export function erasePerson(tx: AppDatabase, piiKey: Buffer, p: PersonToErase): void {
  eraseWalletHistory(tx, p.walletId);
  if (p.applicationIds.length > 0) {
    tx.delete(applicantLogins)
      .where(inArray(applicantLogins.applicationId, p.applicationIds))
      .run();
    tx.update(applications)
      .set({ reviewSnapshot: null })
      .where(inArray(applications.id, p.applicationIds))
      .run();
  }
  tx.delete(portraitUses).where(eq(portraitUses.personId, p.personId)).run();
  tx.delete(cardUses).where(eq(cardUses.personId, p.personId)).run();
  tx.delete(knownDevices).where(eq(knownDevices.personId, p.personId)).run();
  tx.delete(sessionRevocations).where(eq(sessionRevocations.personId, p.personId)).run();
  tx.delete(personClaims)
    .where(and(eq(personClaims.personId, p.personId)))
    .run();
  if (p.ownerPhone) deleteOutboxFor(tx, piiKey, p.ownerPhone);
  // Crypto-shredding: with the person's key go their sealed rows and, through the payload codec's
  // per-person keys, whatever Temporal still keeps of their workflows.
  erasePersonKey(tx, p.personId, p.now);
}
