// The review file of an application, saved by the workflow before the case enters the queue.
import { ApplicationFailure } from '@temporalio/common';
import {
  saveReviewSnapshot,
  type SaveReviewSnapshotInput,
} from '../db/sqlite/repositories/review-snapshots';
import type { ActivityDeps } from './index';

export function createReviewSnapshotActivities({
  db,
  config,
}: Pick<ActivityDeps, 'db' | 'config'>) {
  return {
    async saveReviewSnapshot(input: SaveReviewSnapshotInput): Promise<void> {
      if (typeof input.applicationId !== 'string' || input.applicationId === '')
        throw ApplicationFailure.nonRetryable('applicationId is missing', 'INVALID_INPUT');
      const reviewDueAt = input.reviewDueAt === null ? null : new Date(input.reviewDueAt);
      if (reviewDueAt && Number.isNaN(reviewDueAt.getTime()))
        throw ApplicationFailure.nonRetryable('reviewDueAt is not a date', 'INVALID_INPUT');
      saveReviewSnapshot(db, config.piiKey, { ...input, reviewDueAt });
    },
  };
}
