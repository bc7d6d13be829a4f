// The wallet owner's phone number, kept with the wallet so that the deregistration workflow can
// name the wallet instead of the number: its history then holds nothing of the owner, and needs
// no key that closing the wallet erases.
import { eq } from 'drizzle-orm';
import type { AppDatabase } from '../client';
import { wallets } from '../schema';
import { openJson, sealJson } from '../../../crypto/pii';
import { loadPersonKey } from './person-keys';
import { ownerPhoneContext as context, sealOwnerPhone } from '../../shared/owner-phone';

export { sealOwnerPhone };

/**
 * The owner's number, or null when the wallet has none on record. A closed wallet's number is
 * under the master key (see `resealOwnerPhoneForClosure`) until its closing notice has gone.
 */
export function walletOwnerPhone(db: AppDatabase, piiKey: Buffer, walletId: string): string | null {
  const wallet = db
    .select({ personId: wallets.personId, status: wallets.status, ownerPhone: wallets.ownerPhone })
    .from(wallets)
    .where(eq(wallets.id, walletId))
    .get();
  if (!wallet?.ownerPhone) return null;
  const key = wallet.status === 'CLOSED' ? piiKey : loadPersonKey(db, piiKey, wallet.personId);
  return key ? openJson<string>(key, wallet.ownerPhone, context(walletId)) : null;
}

/**
 * At closure, in the transaction that erases the person's key: the number moves under the master
 * key, for the one closing notice still to send, after which `forgetOwnerPhone` drops it.
 */
export function resealOwnerPhoneForClosure(
  tx: AppDatabase,
  piiKey: Buffer,
  walletId: string,
): string | null {
  const phone = walletOwnerPhone(tx, piiKey, walletId);
  tx.update(wallets)
    .set({ ownerPhone: phone === null ? null : sealJson(piiKey, phone, context(walletId)) })
    .where(eq(wallets.id, walletId))
    .run();
  return phone;
}

export function forgetOwnerPhone(db: AppDatabase, walletId: string): void {
  db.update(wallets).set({ ownerPhone: null }).where(eq(wallets.id, walletId)).run();
}
