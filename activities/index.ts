// Activities are built from their dependencies (the Store, config, clients) so that the worker,
// tests and benchmarks wire real or test doubles of each without module-level state.
import type { Client } from '@temporalio/client';
import type { Config } from '../config/config';
import type { PhotoStore, Store } from '../db/store';
import { createStatusActivities } from './application-status';
import type { CoreBanking } from '../adapters/core-banking';
import { createCredentialActivities } from './credentials';
import { createDeregistrationActivities } from './deregistration';
import { createEligibilityActivities } from './eligibility';
import { createIdPhotoActivities, type IdPhotoDeps } from './id-photo';
import { createMoneyMovementActivities } from './money-movements';
import { createNotifyActivities, type SmsTransport } from '../notifications/notify';
import { createReviewDecisionActivities } from './review-decisions';
import { createRetentionActivities } from './retention';
import { createReviewSnapshotActivities } from './review-snapshot';
import { createScreeningActivities } from './screening';
import { createRescreenActivities } from './screening/rescreen';
import { createWalletActivities } from './wallets';

export interface ActivityDeps {
  store: Store;
  config: Config;
  /** Defaults by config: the sandbox table, or the HTTP client of CORE_BANKING_URL. */
  coreBanking?: CoreBanking;
  /** Defaults by config: the sandbox outbox, or the webhook at SMS_WEBHOOK_URL. */
  smsTransport?: SmsTransport;
  /** The photo pipeline; only workers that run the photo step need it. */
  photoStore?: PhotoStore;
  idCardReader?: IdPhotoDeps['idCardReader'];
  /** For erasing a closed wallet's workflow histories; workers that run deregistration need it. */
  temporalClient?: Client;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createStatusActivities(deps),
    ...createEligibilityActivities(deps),
    ...createNotifyActivities(deps),
    ...createScreeningActivities(deps),
    ...createRescreenActivities(deps),
    ...createReviewSnapshotActivities(deps),
    ...createReviewDecisionActivities(deps),
    ...createWalletActivities(deps),
    ...createIdPhotoActivities(deps),
    ...createDeregistrationActivities(deps),
    ...createRetentionActivities(deps),
    ...createCredentialActivities(deps),
    ...createMoneyMovementActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
