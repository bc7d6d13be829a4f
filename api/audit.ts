// Staff actions the API records in the audit log (SPEC §6) besides those the workflows and the
// ledger record themselves. Rows carry ids, actions and codes, never personal data.
import { randomUUID } from 'node:crypto';
import type { Store } from '../db/store';
import type { TokenClaims } from './tokens';

export type PersonalDataView = 'APPLICATION' | 'ID_PHOTO' | 'REVIEW_QUEUE';

/**
 * A member of staff was shown an applicant's personal data unmasked (the application with its
 * review file, the ID photo, the review queue): who, which application, through what. Every read
 * is its own row.
 */
export async function recordPersonalDataViews(
  store: Store,
  user: TokenClaims,
  applicationIds: readonly string[],
  view: PersonalDataView,
): Promise<void> {
  if (user.role === 'applicant' || applicationIds.length === 0) return;
  const at = new Date();
  await store.appendAuditRows(
    applicationIds.map((subjectId) => ({
      eventKey: `staff-read:${randomUUID()}`,
      at,
      actor: user.sub,
      action: 'VIEWED_PERSONAL_DATA',
      subjectType: 'application',
      subjectId,
      detail: { view },
    })),
  );
}
