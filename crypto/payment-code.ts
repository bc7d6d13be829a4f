// Payment codes (付款码, SPEC §2.1): 18 random digits, a bearer instrument for 60 s. Only a keyed
// digest is stored, so that a copy of the database cannot be used to pay with live codes.
import { randomInt } from 'node:crypto';
import { blindIndex } from './pii';

export const PAYMENT_CODE_LENGTH = 18;
export const PAYMENT_CODE_PATTERN = /^[0-9]{18}$/;

/** 18 digits from the CSPRNG, each uniform: about 59.8 bits, leading zeros included. */
export function newPaymentCode(): string {
  let code = '';
  for (let i = 0; i < PAYMENT_CODE_LENGTH; i++) code += String(randomInt(10));
  return code;
}

/** The code as stored and looked up: HMAC-SHA256 under a key derived from PII_KEY. */
export function paymentCodeDigest(piiKey: Buffer, code: string): string {
  return blindIndex(piiKey, 'payment-code', code);
}
