// The one list of every place that holds personal data (SPEC §6, §9), the same tables on both
// databases; test/unit/person-erasure.test.ts checks the schema against it.
/** Tables that hold a person's data, and what erasing the person does to each. */
export const PERSONAL_DATA = {
  person_keys: "the person's data key is destroyed: everything sealed under it is unreadable",
  applications: 'review file cleared; the read model stays sealed under the destroyed key',
  applicant_logins: "the person's logins (phone blind index, password hash) deleted",
  person_claims: 'the claim deleted, so that the person may apply again',
  portrait_uses: "the person's portrait hashes deleted (repeat-portrait screening)",
  card_uses: "the person's card blind indexes deleted (repeat-card screening)",
  known_devices: "the person's device hashes deleted (new-device check)",
  session_revocations: "the person's sign-out time deleted",
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
  bank_transfers:
    "the sandbox bank's own record of transfers: ids, account ids, amounts; the bank keeps it",
  webhook_events: 'ids and statuses only',
  wallet_notices: 'wallet ids, kinds and amounts only (the phone is looked up when sent)',
  payment_codes:
    "wallet ids and keyed digests of one-time codes; deleted with the wallet's history anyway",
  throttle_hits: 'keyed hashes of phones, cards and client addresses; expire within a day',
  staff_accounts: "the bank's staff, not its customers: username, role, password hash",
  staff_sessions: "staff console sessions (a hash of the cookie's token), not customers",
  case_claims: 'application id and the claiming reviewer only',
  staff_notifications: 'review reminders and escalations: application ids and due times only',
} as const;

/** Files outside the database that hold personal data, and how they go. */
export const PERSONAL_FILES = {
  photos: 'ID photos in DATA_DIR/photos: deleted after the erasing transaction commits',
  temporal: "onboarding histories in Temporal: deleted by the deregistration's last activity",
} as const;
