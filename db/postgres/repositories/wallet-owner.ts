// The wallet owner's phone number, kept sealed with the wallet, on PostgreSQL: as
// db/sqlite/repositories/wallet-owner.ts.
import { eq } from 'drizzle-orm';
import { openJson, sealJson } from '../../../crypto/pii';
import type { PgExecutor } from '../client';
import { wallets } from '../schema';
import { loadPersonKey } from './person-keys';

const context = (walletId: string) => `wallet-owner-phone:${walletId}`;

/**
 * The owner's number, or null when the wallet has none on record. A closed wallet's number is
 * under the master key (see `resealOwnerPhoneForClosure`) until its closing notice has gone.
 */
export async function walletOwnerPhone(
  db: PgExecutor,
  piiKey: Buffer,
  walletId: string,
): Promise<string | null> {
  const [wallet] = await db
    .select({ personId: wallets.personId, status: wallets.status, ownerPhone: wallets.ownerPhone })
    .from(wallets)
    .where(eq(wallets.id, walletId));
  if (!wallet?.ownerPhone) return null;
  const key =
    wallet.status === 'CLOSED' ? piiKey : await loadPersonKey(db, piiKey, wallet.personId);
  return key ? openJson<string>(key, wallet.ownerPhone, context(walletId)) : null;
}

/**
 * At closure, in the transaction that erases the person's key (which holds the wallet row
 * locked): the number moves under the master key, for the one closing notice still to send.
 */
export async function resealOwnerPhoneForClosure(
  tx: PgExecutor,
  piiKey: Buffer,
  walletId: string,
): Promise<string | null> {
  const phone = await walletOwnerPhone(tx, piiKey, walletId);
  await tx
    .update(wallets)
    .set({ ownerPhone: phone === null ? null : sealJson(piiKey, phone, context(walletId)) })
    .where(eq(wallets.id, walletId));
  return phone;
}

export async function forgetOwnerPhone(db: PgExecutor, walletId: string): Promise<void> {
  await db.update(wallets).set({ ownerPhone: null }).where(eq(wallets.id, walletId));
}
