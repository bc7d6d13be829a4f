// Value sets shared by both schemas (db/sqlite/schema.ts, db/postgres/schema.ts) and callers.
export const BANK_ACCOUNT_STATUSES = ['NORMAL', 'FROZEN', 'CLOSED'] as const;
export type BankAccountStatus = (typeof BANK_ACCOUNT_STATUSES)[number];

export const PERSON_CLAIM_KINDS = ['IN_PROGRESS', 'WALLET'] as const;
export type PersonClaimKind = (typeof PERSON_CLAIM_KINDS)[number];

export const WALLET_STATUSES = ['ACTIVE', 'FROZEN', 'CLOSED'] as const;
export type WalletStatus = (typeof WALLET_STATUSES)[number];

// TRANSFER_OUT / TRANSFER_IN: the two sides of one wallet-to-wallet transfer (SPEC §2.1).
export const LEDGER_TRANSACTION_TYPES = [
  'TOP_UP',
  'WITHDRAWAL',
  'PAYMENT',
  'TRANSFER_OUT',
  'TRANSFER_IN',
] as const;
export type LedgerTransactionType = (typeof LEDGER_TRANSACTION_TYPES)[number];

export const LEDGER_TRANSACTION_STATUSES = ['COMPLETED', 'PENDING', 'FAILED'] as const;
export type LedgerTransactionStatus = (typeof LEDGER_TRANSACTION_STATUSES)[number];

// `transaction`: a transfer's two sides and a payment-code charge, each once it has settled.
export const WEBHOOK_EVENT_KINDS = [
  'application',
  'wallet',
  'deregistration',
  'transaction',
] as const;
export type WebhookEventKind = (typeof WEBHOOK_EVENT_KINDS)[number];

/** Notices to a wallet's owner queued by the ledger (notifications/notice-relay.ts). */
export const WALLET_NOTICE_KINDS = [
  'WALLET_FROZEN',
  'WALLET_UNFROZEN',
  'TRANSFER_RECEIVED',
] as const;
export type WalletNoticeKindValue = (typeof WALLET_NOTICE_KINDS)[number];

/** A transfer at the core bank: DEBIT takes from the card's account (top-up), CREDIT pays in. */
export const BANK_TRANSFER_DIRECTIONS = ['DEBIT', 'CREDIT'] as const;
export type BankTransferDirection = (typeof BANK_TRANSFER_DIRECTIONS)[number];

/** How the bank answered a transfer: applied, or refused for one of these reasons. */
export const BANK_TRANSFER_REFUSALS = [
  'INSUFFICIENT_FUNDS',
  'ACCOUNT_NOT_NORMAL',
  'ACCOUNT_NOT_FOUND',
] as const;
export type BankTransferRefusal = (typeof BANK_TRANSFER_REFUSALS)[number];

/** A sandbox bank account's opening balance when none is given (fen: 1,000,000 CNY). */
export const DEFAULT_BANK_BALANCE = 100_000_000;
