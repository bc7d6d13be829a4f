// The workflow's status record (SPEC §6): see db/sqlite/repositories/application-status.ts.
import {
  recordApplicationStatusChange,
  type ApplicationStatusChange,
} from '../db/sqlite/repositories/application-status';
import { webhooksEnabled } from '../db/sqlite/repositories/status-events';
import type { ActivityDeps } from './index';

export type RecordStatusInput = ApplicationStatusChange;

export function createStatusActivities({ db, config }: Pick<ActivityDeps, 'db' | 'config'>) {
  const webhooks = webhooksEnabled(config);
  return {
    /** Mirrors a status change into the app database, the audit log and the webhook outbox. */
    async recordApplicationStatus(input: RecordStatusInput): Promise<void> {
      recordApplicationStatusChange(db, config.piiKey, input, { webhooks });
    },
  };
}
