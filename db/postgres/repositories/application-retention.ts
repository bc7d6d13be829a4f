// Retention on PostgreSQL (see db/sqlite/repositories/application-retention.ts). The application
// row is locked, and the person too (the lock wallet creation and claims take), so that a wallet
// being made for the same person at that moment is seen before the key is judged unused.
import { and, eq, inArray, isNull, lt, ne } from 'drizzle-orm';
import type { PgExecutor } from '../client';
import {
  applicantLogins,
  applications,
  cardUses,
  personClaims,
  portraitUses,
  wallets,
} from '../schema';
import {
  APPLICATION_DATA_ERASED,
  ENDED_STATUSES,
  type ApplicationToErase,
} from '../../sqlite/repositories/application-retention';
import { appendAudit } from './audit-log';
import { deleteOutboxFor } from './outbox';
import { lockPerson } from './person-lock';
import { erasePersonKey } from './person-keys';

export async function endedApplicationsBefore(
  db: PgExecutor,
  endedBefore: Date,
  limit: number,
): Promise<string[]> {
  const rows = await db
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
    .limit(limit);
  return rows.map((r) => r.id);
}

export async function eraseEndedApplication(
  db: PgExecutor,
  piiKey: Buffer,
  input: ApplicationToErase,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [app] = await tx
      .select({
        status: applications.status,
        personId: applications.personId,
        erasedAt: applications.erasedAt,
      })
      .from(applications)
      .where(eq(applications.id, input.applicationId))
      .for('update');
    if (!app || app.erasedAt || !(ENDED_STATUSES as readonly string[]).includes(app.status))
      return false;
    const id = input.applicationId;
    if (app.personId) await lockPerson(tx, app.personId);
    await tx.delete(applicantLogins).where(eq(applicantLogins.applicationId, id));
    await tx.delete(cardUses).where(eq(cardUses.applicationId, id));
    await tx.delete(portraitUses).where(eq(portraitUses.applicationId, id));
    await tx
      .update(applications)
      .set({ view: null, reviewSnapshot: null, erasedAt: input.now })
      .where(eq(applications.id, id));
    if (input.phone) await deleteOutboxFor(tx, piiKey, input.phone);
    let keyErased = false;
    if (app.personId) {
      const personId = app.personId;
      const [wallet] = await tx
        .select({ id: wallets.id })
        .from(wallets)
        .where(eq(wallets.personId, personId))
        .limit(1);
      const [other] = await tx
        .select({ id: applications.id })
        .from(applications)
        .where(
          and(
            eq(applications.personId, personId),
            ne(applications.id, id),
            isNull(applications.erasedAt),
          ),
        )
        .limit(1);
      if (!wallet && !other) {
        await tx
          .delete(personClaims)
          .where(and(eq(personClaims.personId, personId), eq(personClaims.applicationId, id)));
        await erasePersonKey(tx, personId, input.now);
        keyErased = true;
      }
    }
    await appendAudit(tx, {
      eventKey: `application:${id}:erased`,
      at: input.now,
      actor: 'retention',
      action: APPLICATION_DATA_ERASED,
      subjectType: 'application',
      subjectId: id,
      detail: { status: app.status, personKeyErased: keyErased },
    });
    return true;
  });
}
