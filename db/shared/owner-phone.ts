// The wallet owner's phone as both databases seal it.
import { sealJson } from '../../crypto/pii';

export const ownerPhoneContext = (walletId: string) => `wallet-owner-phone:${walletId}`;

/** Sealed under the person's key while the wallet is open: erased with the rest of them. */
export function sealOwnerPhone(personKey: Buffer, walletId: string, phone: string): string {
  return sealJson(personKey, phone, ownerPhoneContext(walletId));
}

export const bankCardContext = (walletId: string) => `wallet-bank-card:${walletId}`;

/** The bound card, sealed like the phone: the bank leg of a movement reads it. */
export function sealBankCard(personKey: Buffer, walletId: string, card: string): string {
  return sealJson(personKey, card, bankCardContext(walletId));
}
