// Retention (SPEC §9): an ended application's photos, workflow history and personal data, erased
// RETENTION_AFTER after it ended. Called page by page by the retentionSweep workflow, which a
// Temporal Schedule starts (temporal/schedules.ts). Each step is safe to repeat: photos first
// (every photo stored for this application, and only for it: another application holding the
// same bytes has its own copy), then the history, then the database rows.
import { Context } from '@temporalio/activity';
import { isGrpcServiceError, WorkflowNotFoundError } from '@temporalio/client';
import { onboardingWorkflowId } from '../domain/contract';
import type { ActivityDeps } from './index';

const isNotFound = (error: unknown) =>
  error instanceof WorkflowNotFoundError ||
  (isGrpcServiceError(error) && (error.code as number) === 5); /* NOT_FOUND */

export function createRetentionActivities(
  deps: Pick<ActivityDeps, 'store' | 'config' | 'photoStore' | 'temporalClient'>,
) {
  const { store, config } = deps;
  return {
    async eraseEndedApplications(input: {
      endedBefore: string;
      limit: number;
    }): Promise<{ erased: number; more: boolean }> {
      const client = deps.temporalClient;
      if (!client) throw new Error('eraseEndedApplications needs a Temporal client (ActivityDeps)');
      const ids = await store.endedApplicationsBefore(new Date(input.endedBefore), input.limit);
      let erased = 0;
      for (const applicationId of ids) {
        Context.current().heartbeat(applicationId);
        const view = await store.loadApplicationView(config.piiKey, applicationId);
        const phone = view && view !== 'ERASED' ? view.applicant.phone : null;
        const workflowId = onboardingWorkflowId(applicationId);
        await deps.photoStore?.of(applicationId).deleteAll();
        try {
          await client.workflowService.deleteWorkflowExecution({
            namespace: config.temporal.namespace,
            workflowExecution: { workflowId },
          });
        } catch (error) {
          if (!isNotFound(error)) throw error;
        }
        const done = await store.eraseEndedApplication(config.piiKey, {
          applicationId,
          phone,
          now: new Date(),
        });
        if (done) erased += 1;
      }
      return { erased, more: ids.length === input.limit };
    },
  };
}
