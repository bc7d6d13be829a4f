// Passwords, sessions and devices after onboarding on PostgreSQL: as
// db/sqlite/repositories/credentials.ts. The wallet row is locked (FOR UPDATE) while its
// payment password changes, and the audit row's unique event key makes a retry a no-op.
import { and, eq, or, sql } from 'drizzle-orm';
import type { PasswordChange } from '../../sqlite/repositories/credentials';
import type { PgExecutor } from '../client';
import { applicantLogins, knownDevices, sessionRevocations, wallets } from '../schema';
import { appendAudit } from './audit-log';

export async function loginOfApplication(
  db: PgExecutor,
  applicationId: string,
): Promise<{ applicationId: string; personId: string | null; passwordHash: string } | undefined> {
  const [row] = await db
    .select({
      applicationId: applicantLogins.applicationId,
      personId: applicantLogins.personId,
      passwordHash: applicantLogins.passwordHash,
    })
    .from(applicantLogins)
    .where(eq(applicantLogins.applicationId, applicationId));
  return row;
}

export async function openWalletOfPerson(db: PgExecutor, personId: string): Promise<string | null> {
  const rows = await db
    .select({ id: wallets.id, status: wallets.status })
    .from(wallets)
    .where(eq(wallets.personId, personId));
  return rows.find((w) => w.status !== 'CLOSED')?.id ?? null;
}

export async function storePasswordChange(
  db: PgExecutor,
  change: PasswordChange,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    if (change.kind === 'PAYMENT') {
      const [wallet] = change.walletId
        ? await tx.select().from(wallets).where(eq(wallets.id, change.walletId)).for('update')
        : [];
      if (!wallet || wallet.status === 'CLOSED' || wallet.personId !== change.personId)
        return false;
    }
    const added = await appendAudit(tx, {
      eventKey: change.eventKey,
      at: change.at,
      actor: change.actor,
      action: `${change.kind}_PASSWORD_${change.how === 'CHANGE' ? 'CHANGED' : 'RESET'}`,
      subjectType: change.kind === 'PAYMENT' ? 'wallet' : 'application',
      subjectId: change.kind === 'PAYMENT' ? change.walletId! : change.applicationId,
      detail: change.how === 'RESET' ? { sessionsSignedOut: true } : {},
    });
    if (!added) return false;
    if (change.kind === 'LOGIN')
      await tx
        .update(applicantLogins)
        .set({ passwordHash: change.hash })
        .where(
          or(
            eq(applicantLogins.personId, change.personId),
            eq(applicantLogins.applicationId, change.applicationId),
          ),
        );
    else
      await tx
        .update(wallets)
        .set({
          paymentPasswordHash: change.hash,
          updatedAt: change.at,
          ...(change.how === 'RESET'
            ? { paymentPasswordFailures: 0, paymentPasswordLockedUntil: null }
            : {}),
        })
        .where(eq(wallets.id, change.walletId!));
    if (change.how === 'RESET') await revokePersonSessions(tx, change.personId, change.at);
    return true;
  });
}

export async function revokePersonSessions(
  db: PgExecutor,
  personId: string,
  at: Date,
): Promise<void> {
  // GREATEST: a revocation never moves back in time, whichever of two commits last.
  await db
    .insert(sessionRevocations)
    .values({ personId, revokedAt: at })
    .onConflictDoUpdate({
      target: sessionRevocations.personId,
      set: { revokedAt: at },
      setWhere: sql`${sessionRevocations.revokedAt} < ${at}`,
    });
}

export async function sessionsRevokedAt(
  db: PgExecutor,
  applicationId: string,
): Promise<number | null> {
  const [row] = await db
    .select({ revokedAt: sessionRevocations.revokedAt })
    .from(applicantLogins)
    .innerJoin(sessionRevocations, eq(sessionRevocations.personId, applicantLogins.personId))
    .where(eq(applicantLogins.applicationId, applicationId));
  return row ? row.revokedAt.getTime() : null;
}

export async function isKnownDevice(
  db: PgExecutor,
  personId: string,
  deviceIndex: string | null,
): Promise<boolean> {
  const [row] = await db
    .select({ personId: knownDevices.personId })
    .from(knownDevices)
    .where(
      deviceIndex === null
        ? eq(knownDevices.personId, personId)
        : and(eq(knownDevices.personId, personId), eq(knownDevices.deviceIndex, deviceIndex)),
    )
    .limit(1);
  return !!row;
}

export async function rememberDevice(
  db: PgExecutor,
  personId: string,
  deviceIndex: string,
  at: Date,
): Promise<void> {
  await db
    .insert(knownDevices)
    .values({ personId, deviceIndex, firstSeenAt: at })
    .onConflictDoNothing();
}
