// Retention (SPEC §9): an ended application's photos, workflow history and personal data, erased
// RETENTION_AFTER after it ended. Called page by page by the retentionSweep workflow, which a
// Temporal Schedule starts (temporal/schedules.ts). Each step is safe to repeat: photos first,
// then the history (which names them), then the database rows (which name the application).
import { Context } from '@temporalio/activity';
import { isGrpcServiceError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { onboardingWorkflowId } from '../domain/contract';
import { getReviewFileQuery } from '../workflows/messages';
import type { ActivityDeps } from './index';

const isNotFound = (error: unknown) =>
  error instanceof WorkflowNotFoundError ||
  (isGrpcServiceError(error) && (error.code as number) === 5); /* NOT_FOUND */

/** The photos the application's workflow saw; none once the history is gone. */
async function photoRefsOf(client: Client, workflowId: string): Promise<string[]> {
  try {
    return (await client.workflow.getHandle(workflowId).query(getReviewFileQuery)).photoRefs;
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
}

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
        for (const ref of await photoRefsOf(client, workflowId)) await deps.photoStore?.delete(ref);
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
