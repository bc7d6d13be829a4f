// Closing a wallet on both databases: refused while money, a freeze or no wallet stands in the
// way; else the wallet CLOSED and the person erased everywhere in one transaction, audited once;
// the owner's number kept under the master key for the closing notice, then forgotten.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hammingDistance } from '../../activities/photo/portrait-hash';
import { personIdOf } from '../../crypto/pii';
import { ledgerOutcome } from '../../db/sqlite/repositories/ledger';
import type { Store } from '../../db/store';
import type { ApplicationView } from '../../domain/contract';
import { DIALECTS, type OpenedStore, type TestDatabase } from '../helpers/store-dialects';

const master = randomBytes(32);
const ID_NUMBER = '11010519491231002X';
const PHONE = '13800138000';
const personId = personIdOf(master, ID_NUMBER);
const hourAgo = new Date(Date.now() - 3_600_000).toISOString();

const view: ApplicationView = {
  applicationId: 'app-1',
  status: 'ACTIVE',
  nextAction: 'NONE',
  reasons: [],
  fieldErrors: [],
  attemptsLeft: { otp: 5, photo: 5, resubmission: 3 },
  applicant: {
    name: '张三',
    idNumber: ID_NUMBER,
    phone: PHONE,
    bankCardNumber: '6222021234567890128',
  },
  createdAt: hourAgo,
  updatedAt: hourAgo,
  revision: 50,
};

describe.each(DIALECTS)('closing a wallet on $dialect', ({ fresh }) => {
  let database: TestDatabase;
  let a: Store;
  let b: OpenedStore;
  beforeAll(async () => {
    database = await fresh();
    a = (await database.open()).store;
    b = await database.open();
    await a.personKey(master, personId);
    await a.saveApplicationView(master, view);
    await a.saveReviewSnapshot(master, {
      applicationId: 'app-1',
      riskLevel: 'LOW',
      reviewDueAt: null,
      snapshot: { name: '张三' },
      idNumber: ID_NUMBER,
    });
    await a.upsertApplicantLogin({
      applicationId: 'app-1',
      personId,
      phoneIndex: 'phone-index',
      passwordHash: 'h',
      at: new Date(hourAgo),
    });
    // The new-device check's devices and a sign-out of every session (SPEC §2.1).
    await a.rememberDevice(personId, 'device-1', new Date(hourAgo));
    await a.revokePersonSessions(personId, new Date(hourAgo));
    await a.recordAndFindRepeats({
      applicationId: 'app-1',
      personId,
      cardIndex: 'card-1',
      portrait: 'ffff0000ffff0000',
      maxPortraitDistance: 6,
      hammingDistance,
      at: new Date(hourAgo),
    });
    await a.insertOutboxEntry(master, {
      idemKey: 'otp-1',
      recipient: PHONE,
      channel: 'sms',
      template: 'otp',
      text: '123456',
    });
    expect(
      await a.createWalletOnce(master, {
        walletId: 'wallet-1',
        applicationId: 'app-1',
        personId,
        tier: 'STANDARD',
        paymentPasswordHash: 'pay',
        ownerPhone: PHONE,
        webhooks: true,
      }),
    ).toEqual({ walletId: 'wallet-1' });
  });
  afterAll(() => database.close());

  const close = (store: Store, walletId = 'wallet-1') =>
    store.closeWalletAndErasePerson(
      master,
      { walletId, applicationId: 'app-1' },
      { webhooks: true },
    );

  it('reads the open wallet and its owner number under the person key', async () => {
    expect(await a.walletStatusAndBalance('wallet-1')).toEqual({
      status: 'ACTIVE',
      balance: 0,
      pending: 0,
    });
    expect(await a.walletStatusAndBalance('no-wallet')).toBeUndefined();
    expect(await b.store.walletOwnerPhone(master, 'wallet-1')).toBe(PHONE);
    expect(await a.closedWalletApplications('wallet-1')).toBeNull();
  });

  it('refuses while money, a freeze or no wallet stands in the way', async () => {
    expect(await close(a, 'no-wallet')).toEqual({ ok: false, code: 'INVALID_STATE' });
    await b.exec("update wallets set balance = 100 where id = 'wallet-1'");
    expect(await close(a)).toEqual({ ok: false, code: 'BALANCE_NOT_ZERO' });
    await b.exec("update wallets set balance = 0, status = 'FROZEN' where id = 'wallet-1'");
    expect(await close(a)).toEqual({ ok: false, code: 'WALLET_FROZEN' });
    await b.exec("update wallets set status = 'ACTIVE' where id = 'wallet-1'");
    expect(await a.personKeyErased(personId)).toBe(false);
  });

  it('closes and erases once, whichever process asks and however often', async () => {
    const outcomes = await Promise.all([close(a), close(b.store), close(a)]);
    expect(outcomes).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    expect(await a.walletStatusAndBalance('wallet-1')).toEqual({
      status: 'CLOSED',
      balance: 0,
      pending: 0,
    });
    expect(await a.personKeyErased(personId)).toBe(true);
    expect(await a.loadApplicationView(master, 'app-1')).toBe('ERASED');
    expect(await a.readReviewSnapshot(master, 'app-1')).toBeNull();
    expect(await a.findVerifiedLogin('phone-index')).toBeUndefined();
    expect(await a.isKnownDevice(personId, null)).toBe(false);
    for (const table of [
      'applicant_logins',
      'person_claims',
      'portrait_uses',
      'card_uses',
      'outbox',
      'known_devices',
      'session_revocations',
    ])
      expect(await b.exec(`select 1 from ${table}`), table).toEqual([]);
    const closed = await a.auditPage({ action: 'WALLET_CLOSED', limit: 5 });
    expect(closed.map((row) => row.subjectId)).toEqual(['wallet-1']);
    expect(closed[0]!.detail).not.toHaveProperty('personId');
    const events = await b.exec<{ status: string }>(
      "select status from webhook_events where subject_id = 'wallet-1' order by id",
    );
    expect(events.map((e) => e.status)).toEqual(['ACTIVE', 'CLOSED']);
    expect(await a.closedWalletApplications('wallet-1')).toEqual(['app-1']);
  });

  it('keeps the owner number for the closing notice, then forgets it', async () => {
    expect(await a.walletOwnerPhone(master, 'wallet-1')).toBe(PHONE);
    await a.insertOutboxEntry(master, {
      idemKey: 'closed-1',
      recipient: PHONE,
      channel: 'sms',
      template: 'wallet-closed',
      text: 'closed',
    });
    await Promise.all([
      a.forgetClosedOwnerPhone(master, 'wallet-1'),
      b.store.forgetClosedOwnerPhone(master, 'wallet-1'),
    ]);
    expect(await a.walletOwnerPhone(master, 'wallet-1')).toBeNull();
    expect(await a.readOutbox(master)).toEqual([]);
  });

  it('audits each deregistration status once, with its event', async () => {
    const change = { walletId: 'wallet-1', status: 'CLOSED', seq: 3, at: hourAgo, reasons: [] };
    await a.recordDeregistrationStatusChange(change, { webhooks: true });
    await b.store.recordDeregistrationStatusChange(change, { webhooks: true });
    const rows = await a.auditPage({ action: 'DEREGISTRATION_STATUS_CHANGED', limit: 5 });
    expect(rows).toHaveLength(1);
    const events = await b.exec(
      "select 1 from webhook_events where kind = 'deregistration' and subject_id = 'wallet-1'",
    );
    expect(events).toHaveLength(1);
  });

  it('never closes a wallet that money reaches at the same moment, nor loses that money', async () => {
    const wallets = Array.from({ length: 6 }, (_, i) => `race-wallet-${i}`);
    for (const [i, walletId] of wallets.entries()) {
      const racer = `race-person-${i}`;
      await a.createWalletOnce(master, {
        walletId,
        applicationId: `race-app-${i}`,
        personId: racer,
        tier: 'STANDARD',
        paymentPasswordHash: 'pay',
        ownerPhone: PHONE,
        webhooks: false,
      });
    }
    const ledger = b.store.createLedger();
    const results = await Promise.all(
      wallets.map(async (walletId) => {
        const [closure, ...topUps] = await Promise.all([
          a.closeWalletAndErasePerson(
            master,
            { walletId, applicationId: walletId.replace('wallet', 'app') },
            { webhooks: false },
          ),
          ...Array.from({ length: 4 }, (_, k) =>
            ledgerOutcome(() => ledger.topUp(walletId, 100, `${walletId}-top-${k}`)),
          ),
        ]);
        return { walletId, closure, credited: topUps.filter((t) => t.ok).length };
      }),
    );
    for (const { walletId, closure, credited } of results) {
      const state = await a.walletStatusAndBalance(walletId);
      if (closure.ok)
        expect({ state, credited }).toEqual({
          state: { status: 'CLOSED', balance: 0, pending: 0 },
          credited: 0,
        });
      else {
        expect(closure).toEqual({ ok: false, code: 'BALANCE_NOT_ZERO' });
        expect(state).toEqual({ status: 'ACTIVE', balance: 100 * credited, pending: 0 });
      }
    }
  });
});
