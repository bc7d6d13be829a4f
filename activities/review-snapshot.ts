// The review file of an application, saved by the workflow before the case enters the queue.
import { ApplicationFailure } from '@temporalio/common';
import type { SaveReviewSnapshotInput } from '../db/store';
import type { ActivityDeps } from './index';

export function createReviewSnapshotActivities({
  store,
  config,
}: Pick<ActivityDeps, 'store' | 'config'>) {
  return {
    async saveReviewSnapshot(input: SaveReviewSnapshotInput): Promise<void> {
      if (typeof input.applicationId !== 'string' || input.applicationId === '')
        throw ApplicationFailure.nonRetryable('applicationId is missing', 'INVALID_INPUT');
      const reviewDueAt = input.reviewDueAt === null ? null : new Date(input.reviewDueAt);
      if (reviewDueAt && Number.isNaN(reviewDueAt.getTime()))
        throw ApplicationFailure.nonRetryable('reviewDueAt is not a date', 'INVALID_INPUT');
      await store.saveReviewSnapshot(config.piiKey, { ...input, reviewDueAt });
    },
  };
}
