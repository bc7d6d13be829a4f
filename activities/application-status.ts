// The workflow's status record (SPEC §6): see db/sqlite/repositories/application-status.ts.
import { webhooksEnabled, type ApplicationStatusChange } from '../db/store';
import type { ActivityDeps } from './index';

export type RecordStatusInput = ApplicationStatusChange;

export function createStatusActivities({ store, config }: Pick<ActivityDeps, 'store' | 'config'>) {
  const webhooks = webhooksEnabled(config);
  return {
    /** Mirrors a status change into the app database, the audit log and the webhook outbox. */
    async recordApplicationStatus(input: RecordStatusInput): Promise<void> {
      await store.recordApplicationStatusChange(config.piiKey, input, { webhooks });
    },
  };
}
