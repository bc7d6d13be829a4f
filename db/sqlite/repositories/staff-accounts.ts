// Back-office accounts and their sessions (SPEC §7). Passwords are hashed by the caller
// (crypto/password-hash.ts, Argon2id); these functions only keep the results.
import { and, eq, lt } from 'drizzle-orm';
import type { AppDatabase } from '../client';
import { staffAccounts, staffSessions } from '../schema';

export type StaffAccountRow = typeof staffAccounts.$inferSelect;
export type StaffAccountRole = StaffAccountRow['role'];

/** False when the username is taken. */
export function createStaffAccount(
  db: AppDatabase,
  account: { username: string; role: StaffAccountRole; passwordHash: string },
): boolean {
  const result = db
    .insert(staffAccounts)
    .values({ ...account, createdAt: new Date() })
    .onConflictDoNothing()
    .run();
  return result.changes === 1;
}

/** Disables the account and ends its sessions; false when there is no such account. */
export function disableStaffAccount(db: AppDatabase, username: string): boolean {
  return db.transaction((tx) => {
    const changed = tx
      .update(staffAccounts)
      .set({ disabledAt: new Date() })
      .where(eq(staffAccounts.username, username))
      .run().changes;
    tx.delete(staffSessions).where(eq(staffSessions.username, username)).run();
    return changed === 1;
  });
}

export function findStaffAccount(db: AppDatabase, username: string): StaffAccountRow | null {
  return db.select().from(staffAccounts).where(eq(staffAccounts.username, username)).get() ?? null;
}

/**
 * One more wrong password in a row; at `limit` the account is locked until `now + lockMs` and the
 * count starts again. Answers whether it is locked now.
 */
export function recordStaffSignInFailure(
  db: AppDatabase,
  username: string,
  { limit, lockMs, now = new Date() }: { limit: number; lockMs: number; now?: Date },
): boolean {
  return db.transaction((tx) => {
    const row = tx
      .select({ failed: staffAccounts.failedSignIns })
      .from(staffAccounts)
      .where(eq(staffAccounts.username, username))
      .get();
    if (!row) return false;
    const failed = row.failed + 1;
    const lock = failed >= limit;
    tx.update(staffAccounts)
      .set(
        lock
          ? { failedSignIns: 0, lockedUntil: new Date(now.getTime() + lockMs) }
          : { failedSignIns: failed },
      )
      .where(eq(staffAccounts.username, username))
      .run();
    return lock;
  });
}

export function recordStaffSignInSuccess(db: AppDatabase, username: string): void {
  db.update(staffAccounts)
    .set({ failedSignIns: 0, lockedUntil: null })
    .where(eq(staffAccounts.username, username))
    .run();
}

export function createStaffSession(db: AppDatabase, tokenHash: string, username: string): void {
  const now = new Date();
  db.insert(staffSessions).values({ tokenHash, username, createdAt: now, lastSeenAt: now }).run();
}

/**
 * The session's account if the session was used within `idleMs` and the account is enabled, its
 * idle clock started again; null otherwise (an expired session is deleted).
 */
export function touchStaffSession(
  db: AppDatabase,
  tokenHash: string,
  idleMs: number,
  now = new Date(),
): { username: string; role: StaffAccountRole } | null {
  return db.transaction((tx) => {
    const row = tx
      .select({
        username: staffSessions.username,
        lastSeenAt: staffSessions.lastSeenAt,
        role: staffAccounts.role,
        disabledAt: staffAccounts.disabledAt,
      })
      .from(staffSessions)
      .innerJoin(staffAccounts, eq(staffAccounts.username, staffSessions.username))
      .where(eq(staffSessions.tokenHash, tokenHash))
      .get();
    if (!row) return null;
    if (row.disabledAt !== null || now.getTime() - row.lastSeenAt.getTime() > idleMs) {
      tx.delete(staffSessions).where(eq(staffSessions.tokenHash, tokenHash)).run();
      return null;
    }
    tx.update(staffSessions)
      .set({ lastSeenAt: now })
      .where(eq(staffSessions.tokenHash, tokenHash))
      .run();
    return { username: row.username, role: row.role };
  });
}

export function deleteStaffSession(db: AppDatabase, tokenHash: string): void {
  db.delete(staffSessions).where(eq(staffSessions.tokenHash, tokenHash)).run();
}

/** Drops sessions idle longer than `idleMs` (called now and then at sign-in). */
export function deleteIdleStaffSessions(db: AppDatabase, idleMs: number, now = new Date()): void {
  db.delete(staffSessions)
    .where(and(lt(staffSessions.lastSeenAt, new Date(now.getTime() - idleMs))))
    .run();
}
