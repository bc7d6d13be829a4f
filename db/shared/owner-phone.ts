// The wallet owner's phone as both databases seal it.
import { sealJson } from '../../crypto/pii';

export const ownerPhoneContext = (walletId: string) => `wallet-owner-phone:${walletId}`;

/** Sealed under the person's key while the wallet is open: erased with the rest of them. */
export function sealOwnerPhone(personKey: Buffer, walletId: string, phone: string): string {
  return sealJson(personKey, phone, ownerPhoneContext(walletId));
}
