// What a person reads for each reason code. Codes are the contract; these texts may change.
import type { ReasonCode } from './codes';

const MESSAGES: Record<ReasonCode, string> = {
  DOCUMENT_SUSPICIOUS: 'The ID document could not be accepted.',
  INFORMATION_INCONSISTENT: 'The information given does not match our records.',
  WATCHLIST_MATCH: 'The application cannot be accepted.',
  OTHER: 'The application needs attention.',
  INVALID_NAME: 'The name must be 2–50 Chinese characters; join the parts of a name with ·.',
  INVALID_ID_NUMBER: 'The ID number is not a valid 18-character resident ID number.',
  INVALID_PHONE: 'The mobile number must be 11 digits starting with 13–19.',
  INVALID_BANK_CARD: 'The bank card number is not valid.',
  BANK_ACCOUNT_NOT_FOUND: 'No account was found for this bank card.',
  BANK_ACCOUNT_NOT_NORMAL: 'The bank account is frozen or closed.',
  BANK_ACCOUNT_HOLDER_MISMATCH: 'The bank card does not belong to the person named.',
  REAL_NAME_NOT_VERIFIED: 'The bank account has not completed real-name verification.',
  APP_VERSION_TOO_OLD: 'Please update the app to continue.',
  ALREADY_HAS_WALLET: 'This person already has a wallet.',
  APPLICATION_IN_PROGRESS: 'This person already has an application in progress.',
  OTP_INVALID: 'The verification code is wrong.',
  OTP_EXPIRED: 'The verification code has expired.',
  OTP_ATTEMPTS_EXCEEDED: 'Too many wrong verification codes.',
  OTP_RESEND_TOO_SOON: 'Please wait before asking for another code.',
  PHOTO_UNREADABLE: 'The photo could not be read.',
  PHOTO_UNSUPPORTED_FORMAT: 'The photo must be a JPEG, PNG or WebP image.',
  PHOTO_TOO_LARGE: 'The photo is too large (at most 10 MB and 40 megapixels).',
  PHOTO_TOO_SMALL:
    'The photo or the card in it is too small: hold the phone closer, so that the card fills at least a third of the picture.',
  PHOTO_BLURRY: 'The photo is blurry.',
  PHOTO_GLARE: 'The photo has glare over the card.',
  PHOTO_TOO_DARK: 'The photo is too dark.',
  PHOTO_CARD_NOT_FOUND: 'No ID card could be found in the photo.',
  PHOTO_NO_ID_NUMBER: 'No valid ID number could be read from the photo.',
  PHOTO_FIELDS_MISMATCH: 'The name or ID number on the card differs from what was entered.',
  PHOTO_ATTEMPTS_EXCEEDED: 'Too many photos were rejected.',
  GUARDIAN_INVALID: 'The guardian details are not valid.',
  REVIEW_REJECTED: 'The application was not approved.',
  REVIEW_TIMEOUT: 'The review could not be completed in time.',
  RESUBMISSION_EXPIRED: 'The time to correct the application has passed.',
  APPLICATION_EXPIRED:
    'The application expired after a long time without any action; you may apply again.',
  RESUBMISSION_LIMIT_REACHED: 'The application cannot be corrected again.',
  PAYMENT_PASSWORD_WEAK: 'Choose a payment password that is harder to guess.',
  PAYMENT_PASSWORD_INVALID: 'The payment password is wrong.',
  PAYMENT_PASSWORD_LOCKED: 'Payments are locked after too many wrong passwords.',
  LIMIT_EXCEEDED: 'This exceeds the wallet’s limits.',
  INSUFFICIENT_BALANCE: 'The balance is not enough.',
  WALLET_FROZEN: 'The wallet is frozen.',
  BALANCE_NOT_ZERO: 'The balance must be zero first.',
  PENDING_TRANSACTIONS: 'A transaction is still pending.',
  INVALID_STATE: 'This cannot be done at this stage.',
  CASE_CLAIMED_BY_OTHER: 'Another reviewer has claimed this case.',
  GUARDIAN_CONSENT_EXPIRED: 'The guardian did not consent in time.',
  INVALID_LOGIN_PASSWORD: 'The login password must be 8–64 characters with letters and digits.',
};

export function reasonMessage(code: ReasonCode): string {
  return MESSAGES[code];
}
