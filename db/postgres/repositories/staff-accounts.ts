// Back-office accounts and their sessions (SPEC §7) on PostgreSQL (see
// db/sqlite/repositories/staff-accounts.ts). Passwords are hashed by the caller; the failure
// count is one UPDATE, so that parallel wrong passwords from many processes all count.
import { and, eq, lt, sql } from 'drizzle-orm';
import type { StaffAccountRole } from '../../sqlite/repositories/staff-accounts';
import type { PgExecutor } from '../client';
import { staffAccounts, staffSessions } from '../schema';

export type StaffAccountRow = typeof staffAccounts.$inferSelect;
export type { StaffAccountRole };

/** False when the username is taken. */
export async function createStaffAccount(
  db: PgExecutor,
  account: { username: string; role: StaffAccountRole; passwordHash: string },
): Promise<boolean> {
  const inserted = await db
    .insert(staffAccounts)
    .values({ ...account, createdAt: new Date() })
    .onConflictDoNothing();
  return inserted.rowCount === 1;
}

/** Disables the account and ends its sessions; false when there is no such account. */
export async function disableStaffAccount(db: PgExecutor, username: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    const changed = await tx
      .update(staffAccounts)
      .set({ disabledAt: new Date() })
      .where(eq(staffAccounts.username, username));
    await tx.delete(staffSessions).where(eq(staffSessions.username, username));
    return changed.rowCount === 1;
  });
}

export async function findStaffAccount(
  db: PgExecutor,
  username: string,
): Promise<StaffAccountRow | null> {
  const [row] = await db.select().from(staffAccounts).where(eq(staffAccounts.username, username));
  return row ?? null;
}

/**
 * One more wrong password in a row; at `limit` the account is locked until `now + lockMs` and the
 * count starts again. Answers whether it is locked now. One UPDATE … RETURNING: concurrent
 * failures queue on the row and each counts on the one before it.
 */
export async function recordStaffSignInFailure(
  db: PgExecutor,
  username: string,
  { limit, lockMs, now = new Date() }: { limit: number; lockMs: number; now?: Date },
): Promise<boolean> {
  const reachesLimit = sql`${staffAccounts.failedSignIns} + 1 >= ${limit}`;
  const [row] = await db
    .update(staffAccounts)
    .set({
      failedSignIns: sql`CASE WHEN ${reachesLimit} THEN 0 ELSE ${staffAccounts.failedSignIns} + 1 END`,
      lockedUntil: sql`CASE WHEN ${reachesLimit} THEN ${new Date(now.getTime() + lockMs)}::timestamptz ELSE ${staffAccounts.lockedUntil} END`,
    })
    .where(eq(staffAccounts.username, username))
    .returning({ failed: staffAccounts.failedSignIns });
  // Without the lock the new count is at least 1, so 0 means this failure locked it.
  return row !== undefined && row.failed === 0;
}

export async function recordStaffSignInSuccess(db: PgExecutor, username: string): Promise<void> {
  await db
    .update(staffAccounts)
    .set({ failedSignIns: 0, lockedUntil: null })
    .where(eq(staffAccounts.username, username));
}

export async function createStaffSession(
  db: PgExecutor,
  tokenHash: string,
  username: string,
): Promise<void> {
  const now = new Date();
  await db.insert(staffSessions).values({ tokenHash, username, createdAt: now, lastSeenAt: now });
}

/**
 * The session's account if the session was used within `idleMs` and the account is enabled, its
 * idle clock started again; null otherwise (an expired session is deleted).
 */
export async function touchStaffSession(
  db: PgExecutor,
  tokenHash: string,
  idleMs: number,
  now = new Date(),
): Promise<{ username: string; role: StaffAccountRole } | null> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select({
        username: staffSessions.username,
        lastSeenAt: staffSessions.lastSeenAt,
        role: staffAccounts.role,
        disabledAt: staffAccounts.disabledAt,
      })
      .from(staffSessions)
      .innerJoin(staffAccounts, eq(staffAccounts.username, staffSessions.username))
      .where(eq(staffSessions.tokenHash, tokenHash))
      .for('update', { of: staffSessions });
    if (!row) return null;
    if (row.disabledAt !== null || now.getTime() - row.lastSeenAt.getTime() > idleMs) {
      await tx.delete(staffSessions).where(eq(staffSessions.tokenHash, tokenHash));
      return null;
    }
    await tx
      .update(staffSessions)
      .set({ lastSeenAt: now })
      .where(eq(staffSessions.tokenHash, tokenHash));
    return { username: row.username, role: row.role };
  });
}

export async function deleteStaffSession(db: PgExecutor, tokenHash: string): Promise<void> {
  await db.delete(staffSessions).where(eq(staffSessions.tokenHash, tokenHash));
}

/** Drops sessions idle longer than `idleMs` (called now and then at sign-in). */
export async function deleteIdleStaffSessions(
  db: PgExecutor,
  idleMs: number,
  now = new Date(),
): Promise<void> {
  await db
    .delete(staffSessions)
    .where(and(lt(staffSessions.lastSeenAt, new Date(now.getTime() - idleMs))));
}
