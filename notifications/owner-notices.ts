// Wallet notices (frozen, unfrozen) to the wallet's owner, through the one notify path.
import type { AppDatabase } from '../db/client';
import type { WalletNotice } from '../db/repositories/ledger';
import type { Config } from '../config/config';
import { createNotifyActivities, type SmsTransport } from './notify';

/**
 * Delivers wallet notices by SMS to the owner. The phone is the one the wallet was opened with,
 * sealed under the person's key on the wallet row; erasing the key at deregistration erases it
 * too, and then nothing is sent.
 */
export function ownerNotifier(deps: {
  db: AppDatabase;
  config: Config;
  smsTransport?: SmsTransport;
}): (notice: WalletNotice) => Promise<void> {
  const messaging = createNotifyActivities(deps);
  return (notice) =>
    messaging.notify({
      key: notice.key,
      walletOwner: notice.walletId,
      channel: 'sms',
      template: notice.kind,
      params: {},
    });
}
