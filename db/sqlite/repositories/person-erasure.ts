// Erasing a person (SPEC §3 step 4, §6, §9): the one list of every place that holds personal data,
// and the one function that erases them. A new table must be added to one of the two lists below
// (test/unit/person-erasure.test.ts fails otherwise), so that nobody adds personal data that an
// erasure would miss.
import { and, eq, inArray } from 'drizzle-orm';
import { erasePersonKey } from './person-keys';
import type { AppDatabase } from '../client';
import { applicantLogins, applications, cardUses, personClaims, portraitUses } from '../schema';
import { eraseWalletHistory } from './ledger';
import { deleteOutboxFor } from './outbox';

/** Tables that hold a person's data, and what erasing the person does to each. */
export const PERSONAL_DATA = {
  person_keys: "the person's data key is destroyed: everything sealed under it is unreadable",
  applications: 'review file cleared; the read model stays sealed under the destroyed key',
  applicant_logins: "the person's logins (phone blind index, password hash) deleted",
  person_claims: 'the claim deleted, so that the person may apply again',
  portrait_uses: "the person's portrait hashes deleted (repeat-portrait screening)",
  card_uses: "the person's card blind indexes deleted (repeat-card screening)",
  wallet_transactions: "the wallet's transaction history deleted",
  wallets: 'closed; the owner phone is resealed under the master key until the closing notice went',
  outbox: 'the sandbox SMS outbox forgets every message to the owner phone',
  temporal_subjects:
    "kept (workflow id → person id): the workflows' payloads are sealed under the destroyed key and the histories deleted",
} as const;

/** Tables without personal data of our customers. */
export const NO_PERSONAL_DATA = {
  audit_log: 'ids, actions and codes only; append-only, kept anonymous',
  watchlist: 'published sanctions and PEP lists, not our customers',
  bank_accounts: "the sandbox bank's own records, sealed under the master key",
  webhook_events: 'ids and statuses only',
  wallet_notices: 'wallet ids and kinds only (the phone is looked up when sent)',
  throttle_hits: 'keyed hashes of phones, cards and client addresses; expire within a day',
} as const;

/** Files outside the database that hold personal data, and how they go. */
export const PERSONAL_FILES = {
  photos: 'ID photos in DATA_DIR/photos: deleted after the erasing transaction commits',
  temporal: "onboarding histories in Temporal: deleted by the deregistration's last activity",
} as const;

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
  tx.delete(personClaims)
    .where(and(eq(personClaims.personId, p.personId)))
    .run();
  if (p.ownerPhone) deleteOutboxFor(tx, piiKey, p.ownerPhone);
  // Crypto-shredding: with the person's key go their sealed rows and, through the payload codec's
  // per-person keys, whatever Temporal still keeps of their workflows.
  erasePersonKey(tx, p.personId, p.now);
}
