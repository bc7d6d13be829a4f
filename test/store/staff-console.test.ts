// The back-office console's tables on both databases (SPEC §7): case claims, staff accounts and
// sessions, staff notifications. What each stores, and the races many API processes run: two
// reviewers claiming one case, parallel wrong passwords, two dispatchers claiming notices.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../db/store';
import { STORES, type Harness } from './harness';

const master = randomBytes(32);
const unique = (prefix: string) => `${prefix}-${randomBytes(6).toString('hex')}`;

describe.each(STORES)('the staff console tables on $dialect', ({ open }) => {
  let h: Harness;
  let other: Store;
  beforeAll(async () => {
    h = await open();
    other = await h.openAnother();
  });
  afterAll(async () => {
    await h?.close();
  });

  /** An application waiting for review, as the workflow leaves it. */
  async function pendingCase(): Promise<string> {
    const applicationId = unique('app');
    await h.store.saveReviewSnapshot(master, {
      applicationId,
      riskLevel: 'HIGH',
      reviewDueAt: new Date(Date.now() + 86_400_000),
      snapshot: { flags: [] },
    });
    return applicationId;
  }

  describe('case claims', () => {
    it('claims a case for one reviewer, answers others who holds it, and releases it', async () => {
      const id = await pendingCase();
      expect(await h.store.claimCase(id, 'alice')).toEqual({ ok: true, reviewer: 'alice' });
      expect(await other.claimCase(id, 'alice')).toEqual({ ok: true, reviewer: 'alice' });
      expect(await other.claimCase(id, 'bob')).toEqual({
        ok: false,
        reason: 'CLAIMED_BY_OTHER',
        reviewer: 'alice',
      });
      expect(await other.caseClaimOf(id)).toBe('alice');
      const free = await pendingCase();
      expect(await h.store.caseClaimsOf([id, free])).toEqual({ [id]: 'alice' });
      expect(await h.store.caseClaimsOf([])).toEqual({});

      expect(await h.store.releaseCase(id, 'bob')).toEqual({ heldBy: 'alice' });
      expect(await h.store.releaseCase(id, 'alice')).toEqual({ released: 'alice' });
      expect(await h.store.releaseCase(id, 'alice')).toBeNull();
      expect(await h.store.caseClaimOf(id)).toBeNull();
      expect(await h.store.claimCase(id, 'bob')).toEqual({ ok: true, reviewer: 'bob' });
      expect(await other.releaseCase(id, 'ops-1', { anyone: true })).toEqual({ released: 'bob' });
    });

    it('refuses an unknown case and one no longer in review', async () => {
      expect(await h.store.claimCase(unique('missing'), 'alice')).toEqual({
        ok: false,
        reason: 'NOT_FOUND',
      });
      const id = await pendingCase();
      await h.rawSql(`update applications set status = 'REJECTED' where id = '${id}'`);
      expect(await h.store.claimCase(id, 'alice')).toEqual({
        ok: false,
        reason: 'NOT_PENDING_REVIEW',
      });
      expect(await h.store.caseClaimOf(id)).toBeNull();
    });

    it('gives each case to exactly one of ten reviewers claiming it at once on two stores', async () => {
      for (let round = 0; round < 5; round++) {
        const id = await pendingCase();
        const reviewers = Array.from({ length: 10 }, (_, i) => `reviewer-${i}`);
        const outcomes = await Promise.all(
          reviewers.map((r, i) => (i % 2 ? other : h.store).claimCase(id, r)),
        );
        const winners = outcomes.filter((o) => o.ok);
        expect(winners).toHaveLength(1);
        const winner = winners[0]!.reviewer;
        expect(await h.store.caseClaimOf(id)).toBe(winner);
        for (const o of outcomes)
          if (!o.ok) expect(o).toEqual({ ok: false, reason: 'CLAIMED_BY_OTHER', reviewer: winner });
      }
    });
  });

  describe('staff accounts', () => {
    it('creates an account once, finds it, and disabling it ends its sessions', async () => {
      const username = unique('staff');
      expect(
        await h.store.createStaffAccount({ username, role: 'reviewer', passwordHash: 'h1' }),
      ).toBe(true);
      expect(await other.createStaffAccount({ username, role: 'ops', passwordHash: 'h2' })).toBe(
        false,
      );
      expect(await other.findStaffAccount(username)).toMatchObject({
        username,
        role: 'reviewer',
        passwordHash: 'h1',
        failedSignIns: 0,
        lockedUntil: null,
        disabledAt: null,
      });
      expect(await h.store.findStaffAccount(unique('nobody'))).toBeNull();

      const token = unique('token');
      await h.store.createStaffSession(token, username);
      expect(await other.touchStaffSession(token, 60_000)).toEqual({ username, role: 'reviewer' });
      expect(await h.store.disableStaffAccount(username)).toBe(true);
      expect((await h.store.findStaffAccount(username))?.disabledAt).toBeInstanceOf(Date);
      expect(await other.touchStaffSession(token, 60_000)).toBeNull();
      // A session made after disabling does not sign the account in either.
      await h.store.createStaffSession(`${token}-late`, username);
      expect(await h.store.touchStaffSession(`${token}-late`, 60_000)).toBeNull();
      expect(await h.store.disableStaffAccount(unique('nobody'))).toBe(false);
    });

    it('counts wrong passwords to the limit, locks, starts again, and a success resets', async () => {
      const username = unique('staff');
      await h.store.createStaffAccount({ username, role: 'ops', passwordHash: 'h' });
      const now = new Date();
      const options = { limit: 3, lockMs: 900_000, now };
      expect(await h.store.recordStaffSignInFailure(username, options)).toBe(false);
      expect(await other.recordStaffSignInFailure(username, options)).toBe(false);
      expect(await h.store.recordStaffSignInFailure(username, options)).toBe(true);
      expect(await h.store.findStaffAccount(username)).toMatchObject({
        failedSignIns: 0,
        lockedUntil: new Date(now.getTime() + 900_000),
      });
      expect(await h.store.recordStaffSignInFailure(username, options)).toBe(false);
      expect((await h.store.findStaffAccount(username))?.failedSignIns).toBe(1);
      await other.recordStaffSignInSuccess(username);
      expect(await h.store.findStaffAccount(username)).toMatchObject({
        failedSignIns: 0,
        lockedUntil: null,
      });
      expect(await h.store.recordStaffSignInFailure(unique('nobody'), options)).toBe(false);
    });

    it('counts every one of ten parallel wrong passwords on two stores', async () => {
      for (let round = 0; round < 3; round++) {
        const username = unique('staff');
        await h.store.createStaffAccount({ username, role: 'reviewer', passwordHash: 'h' });
        const options = { limit: 4, lockMs: 900_000 };
        const locked = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            (i % 2 ? other : h.store).recordStaffSignInFailure(username, options),
          ),
        );
        // 10 = 4 + 4 + 2: two of them locked the account, two count towards the next lock.
        expect(locked.filter(Boolean)).toHaveLength(2);
        const account = await h.store.findStaffAccount(username);
        expect(account?.failedSignIns).toBe(2);
        expect(account?.lockedUntil).toBeInstanceOf(Date);
      }
    });

    it('expires a session idle longer than the idle time, and keeps a used one', async () => {
      const username = unique('staff');
      await h.store.createStaffAccount({ username, role: 'reviewer', passwordHash: 'h' });
      const idleMs = 30 * 60_000;
      const [used, idle, swept] = ['used', 'idle', 'swept'].map(unique);
      for (const token of [used, idle, swept]) await h.store.createStaffSession(token!, username);
      const start = Date.now();

      // Used just within the idle time: still on, and its idle clock starts again from then.
      const later = new Date(start + idleMs - 1_000);
      expect(await other.touchStaffSession(used!, idleMs, later)).toEqual({
        username,
        role: 'reviewer',
      });
      const evenLater = new Date(later.getTime() + idleMs - 1_000);
      expect(await h.store.touchStaffSession(used!, idleMs, evenLater)).not.toBeNull();

      // Idle past it: gone for good, even when asked again at an earlier time.
      expect(await h.store.touchStaffSession(idle!, idleMs, new Date(start + idleMs + 5_000))).toBe(
        null,
      );
      expect(await h.store.touchStaffSession(idle!, idleMs)).toBeNull();
      expect(await h.store.touchStaffSession(unique('unknown'), idleMs)).toBeNull();

      // The sweep drops idle sessions only (`swept` would pass a touch now); `used` was seen at
      // `evenLater`.
      await other.deleteIdleStaffSessions(idleMs, new Date(start + idleMs + 5_000));
      expect(await h.store.touchStaffSession(swept!, idleMs)).toBeNull();
      expect(await h.store.touchStaffSession(used!, idleMs, evenLater)).not.toBeNull();

      await other.deleteStaffSession(used!);
      expect(await h.store.touchStaffSession(used!, idleMs, evenLater)).toBeNull();
    });
  });

  describe('staff notifications', () => {
    it('stores a notification once per key and lists, counts and marks them', async () => {
      const app = unique('app');
      const recipient = unique('user:');
      const notice = (key: string, template: string, to = recipient) => ({
        key,
        recipient: to,
        template,
        applicationId: app,
        body: JSON.stringify({ key }),
      });
      const [k1, k2, k3] = ['k1', 'k2', 'k3'].map(unique);
      expect(await h.store.insertStaffNotification(notice(k1!, 'REVIEW_REMINDER'))).toBe(true);
      expect(await other.insertStaffNotification(notice(k1!, 'CHANGED'))).toBe(false);
      expect(await other.insertStaffNotification(notice(k2!, 'REVIEW_ESCALATION'))).toBe(true);
      expect(
        await h.store.insertStaffNotification(notice(k3!, 'REVIEW_ESCALATION', 'role:ops')),
      ).toBe(true);

      const mine = await other.listStaffNotifications([recipient], 10);
      expect(mine.map((n) => [n.key, n.template])).toEqual([
        [k2, 'REVIEW_ESCALATION'],
        [k1, 'REVIEW_REMINDER'],
      ]);
      expect(mine[0]).toMatchObject({ applicationId: app, attempts: 0, deliveredAt: null });
      expect(await h.store.listStaffNotifications([recipient, 'role:ops'], 2)).toHaveLength(2);
      expect(await h.store.countStaffNotifications([recipient, 'role:ops'])).toBe(3);
      expect(await h.store.countStaffNotifications([unique('user:')])).toBe(0);

      const templates = await h.store.staffNotificationTemplatesOf([app, unique('app')]);
      expect(Object.keys(templates)).toEqual([app]);
      expect(templates[app]!.sort()).toEqual(['REVIEW_ESCALATION', 'REVIEW_REMINDER']);
      expect(await h.store.staffNotificationTemplatesOf([])).toEqual({});
      expect((await other.staffNotificationsAbout(app)).map((n) => n.key)).toEqual([k1, k2, k3]);
    });

    it('leases due notifications to one dispatcher at a time, and retries or delivers them', async () => {
      await drain();
      const key = unique('notice');
      await h.store.insertStaffNotification({
        key,
        recipient: 'role:ops',
        template: 'REVIEW_ESCALATION',
        applicationId: null,
        body: '{"x":1}',
      });
      const lease = { leaseMs: 60_000, batchSize: 10 };
      const [claimed] = await other.claimDueStaffNotifications(lease);
      expect(claimed).toEqual({
        id: expect.any(Number),
        eventId: `staff:${key}`,
        body: '{"x":1}',
        attempts: 1,
      });
      // Leased: nobody gets it until it is handed back, and then the attempt is not counted.
      expect(await h.store.claimDueStaffNotifications(lease)).toEqual([]);
      await other.handStaffNotificationBack(claimed!.id);
      const [again] = await h.store.claimDueStaffNotifications(lease);
      expect(again).toMatchObject({ id: claimed!.id, attempts: 1 });

      await h.store.retryStaffNotificationLater(claimed!.id, new Date(Date.now() - 1), 'HTTP 503');
      const [retried] = await other.claimDueStaffNotifications(lease);
      expect(retried).toMatchObject({ id: claimed!.id, attempts: 2 });
      const [row] = (await h.store.listStaffNotifications(['role:ops'], 1)).filter(
        (n) => n.key === key,
      );
      expect(row?.lastError).toBe('HTTP 503');

      await h.store.retryStaffNotificationLater(claimed!.id, new Date(Date.now() - 1), 'again');
      await h.store.markStaffNotificationDelivered(claimed!.id);
      expect(await other.claimDueStaffNotifications(lease)).toEqual([]);
      const delivered = (await h.store.listStaffNotifications(['role:ops'], 50)).find(
        (n) => n.key === key,
      );
      expect(delivered).toMatchObject({ lastError: null, deliveredAt: expect.any(Date) });
    });

    it('gives each due notification to exactly one of two dispatchers claiming at once', async () => {
      await drain();
      const keys = Array.from({ length: 30 }, () => unique('notice'));
      for (const key of keys)
        await h.store.insertStaffNotification({
          key,
          recipient: 'role:reviewer',
          template: 'REVIEW_REMINDER',
          applicationId: null,
          body: key,
        });
      const lease = { leaseMs: 60_000, batchSize: 4 };
      const claimedBy = async (store: Store) => {
        const mine: string[] = [];
        for (;;) {
          const batch = await store.claimDueStaffNotifications(lease);
          if (batch.length === 0) return mine;
          mine.push(...batch.map((c) => c.eventId));
        }
      };
      // Three dispatcher loops on each Store, all at once.
      const claims = await Promise.all(
        [h.store, other, h.store, other, h.store, other].map(claimedBy),
      );
      const all = claims.flat();
      expect(all).toHaveLength(keys.length);
      expect(new Set(all)).toEqual(new Set(keys.map((k) => `staff:${k}`)));
    });
  });

  /** Leases whatever an earlier test left due, so a test sees only its own notifications. */
  async function drain(): Promise<void> {
    while (
      (await h.store.claimDueStaffNotifications({ leaseMs: 3_600_000, batchSize: 100 })).length
    );
  }
});
