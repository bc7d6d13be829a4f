// Retention (SPEC §9): a FAILED or CANCELLED application's personal data is erased RETENTION_AFTER
// after it ended; its status and anonymous audit trail stay. The person's key goes too when
// nothing else of theirs is left (no wallet, no other application still holding data): then
// whatever Temporal or a backup still holds sealed under it is unreadable as well.
import { and, eq, inArray, isNull, lt, ne } from 'drizzle-orm';
import type { AppDatabase } from '../client';
import {
  applicantLogins,
  applications,
  cardUses,
  personClaims,
  portraitUses,
  wallets,
} from '../schema';
import { appendAudit } from './audit-log';
import { deleteOutboxFor } from './outbox';
import { erasePersonKey } from './person-keys';

export const ENDED_STATUSES = ['FAILED', 'CANCELLED'] as const;
export const APPLICATION_DATA_ERASED = 'APPLICATION_DATA_ERASED';

/** Ended applications (oldest first) whose data is still here and ended before `endedBefore`. */
export function endedApplicationsBefore(
  db: AppDatabase,
  endedBefore: Date,
  limit: number,
): string[] {
  return db
    .select({ id: applications.id })
    .from(applications)
    .where(
      and(
        inArray(applications.status, [...ENDED_STATUSES]),
        lt(applications.updatedAt, endedBefore),
        isNull(applications.erasedAt),
      ),
    )
    .orderBy(applications.updatedAt)
    .limit(limit)
    .all()
    .map((r) => r.id);
}

export interface ApplicationToErase {
  applicationId: string;
  /** The applicant's phone, for the sandbox outbox (read from the view before erasing it). */
  phone: string | null;
  now: Date;
}

/**
 * Erases one ended application's personal data in one transaction; false when it is not an ended
 * application with data left (erased already, or it changed status meanwhile).
 */
export function eraseEndedApplication(
  db: AppDatabase,
  piiKey: Buffer,
  input: ApplicationToErase,
): boolean {
  return db.transaction(
    (tx) => {
      const app = tx
        .select({
          status: applications.status,
          personId: applications.personId,
          erasedAt: applications.erasedAt,
        })
        .from(applications)
        .where(eq(applications.id, input.applicationId))
        .get();
      if (!app || app.erasedAt || !(ENDED_STATUSES as readonly string[]).includes(app.status))
        return false;
      const id = input.applicationId;
      tx.delete(applicantLogins).where(eq(applicantLogins.applicationId, id)).run();
      tx.delete(cardUses).where(eq(cardUses.applicationId, id)).run();
      tx.delete(portraitUses).where(eq(portraitUses.applicationId, id)).run();
      tx.update(applications)
        .set({ view: null, reviewSnapshot: null, erasedAt: input.now })
        .where(eq(applications.id, id))
        .run();
      if (input.phone) deleteOutboxFor(tx, piiKey, input.phone);
      let keyErased = false;
      if (app.personId) {
        const personId = app.personId;
        const wallet = tx
          .select({ id: wallets.id })
          .from(wallets)
          .where(eq(wallets.personId, personId))
          .get();
        const otherWithData = tx
          .select({ id: applications.id })
          .from(applications)
          .where(
            and(
              eq(applications.personId, personId),
              ne(applications.id, id),
              isNull(applications.erasedAt),
            ),
          )
          .get();
        if (!wallet && !otherWithData) {
          tx.delete(personClaims)
            .where(and(eq(personClaims.personId, personId), eq(personClaims.applicationId, id)))
            .run();
          erasePersonKey(tx, personId, input.now);
          keyErased = true;
        }
      }
      appendAudit(tx, {
        eventKey: `application:${id}:erased`,
        at: input.now,
        actor: 'retention',
        action: APPLICATION_DATA_ERASED,
        subjectType: 'application',
        subjectId: id,
        detail: { status: app.status, personKeyErased: keyErased },
      });
      return true;
    },
    { behavior: 'immediate' },
  );
}
