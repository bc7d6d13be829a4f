// One notice to a wallet's owner (frozen, unfrozen, a transfer received), handed over by the notice relay from the
// queue the ledger writes in the freezing transaction: the same notify activity, with the same day
// of retries, as every other message to a person. A notice refused for good stays in the history.
import { log } from '@temporalio/workflow';
import type { QueuedWalletNotice } from '../db/store';
import { messaging } from './onboarding-activities';

export async function walletNotice(notice: QueuedWalletNotice): Promise<void> {
  try {
    await messaging.notify({
      key: notice.key,
      walletOwner: notice.walletId,
      channel: 'sms',
      template: notice.kind,
      params: notice.params ?? {},
    });
  } catch (error) {
    log.warn('wallet notice not delivered', { key: notice.key, error: String(error) });
  }
}
