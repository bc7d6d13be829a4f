// Passwords, sessions and devices after onboarding (SPEC §2.1) on both databases: a change or
// reset and its audit row are one call, applied once per event key; a reset signs out every
// session of the person and lifts the payment-password lock; devices are remembered per person.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../db/store';
import { DIALECTS, type OpenedStore, type TestDatabase } from '../helpers/store-dialects';

const master = randomBytes(32);
const at = new Date(Date.now() - 60_000);

describe.each(DIALECTS)('credentials on $dialect', ({ fresh }) => {
  let database: TestDatabase;
  let store: Store;
  let raw: OpenedStore;
  beforeAll(async () => {
    database = await fresh();
    store = (await database.open()).store;
    raw = await database.open();
    for (const app of ['app-1', 'app-2'])
      await store.upsertApplicantLogin({
        applicationId: app,
        personId: 'person-1',
        phoneIndex: `phone-${app}`,
        passwordHash: 'old-login',
        at,
      });
    await store.createWalletOnce(master, {
      walletId: 'wallet-1',
      applicationId: 'app-2',
      personId: 'person-1',
      tier: 'STANDARD',
      paymentPasswordHash: 'old-pay',
      ownerPhone: '13800138000',
      webhooks: false,
    });
  });
  afterAll(() => database.close());

  it('changes the login password of every login of the person, once per key, audited', async () => {
    const change = {
      eventKey: 'change-1',
      kind: 'LOGIN' as const,
      how: 'CHANGE' as const,
      personId: 'person-1',
      applicationId: 'app-1',
      hash: 'new-login',
      actor: 'application:app-1',
      at,
    };
    expect(await store.storePasswordChange(change)).toBe(true);
    expect(await store.storePasswordChange({ ...change, hash: 'other' })).toBe(false);
    for (const app of ['app-1', 'app-2'])
      expect((await store.loginOfApplication(app))?.passwordHash).toBe('new-login');
    const rows = await store.auditPage({ action: 'LOGIN_PASSWORD_CHANGED', limit: 5 });
    expect(rows.map((r) => [r.subjectId, r.actor])).toEqual([['app-1', 'application:app-1']]);
    // A change signs nobody out by itself.
    expect(await store.sessionsRevokedAt('app-1')).toBeNull();
  });

  it('a payment reset lifts the lock and signs out every session of the person', async () => {
    await raw.exec(
      `update wallets set payment_password_failures = 5, payment_password_locked_until = ${
        database.dialect === 'postgres' ? "now() + interval '1 day'" : Date.now() + 86_400_000
      } where id = 'wallet-1'`,
    );
    const applied = await store.storePasswordChange({
      eventKey: 'reset-1',
      kind: 'PAYMENT',
      how: 'RESET',
      personId: 'person-1',
      applicationId: 'app-2',
      walletId: 'wallet-1',
      hash: 'new-pay',
      actor: 'password-reset',
      at,
    });
    expect(applied).toBe(true);
    const [wallet] = await raw.exec<Record<string, unknown>>(
      "select payment_password_hash, payment_password_failures, payment_password_locked_until from wallets where id = 'wallet-1'",
    );
    expect(wallet).toEqual({
      payment_password_hash: 'new-pay',
      payment_password_failures: 0,
      payment_password_locked_until: null,
    });
    for (const app of ['app-1', 'app-2'])
      expect(await store.sessionsRevokedAt(app)).toBe(at.getTime());
    expect(await store.sessionsRevokedAt('app-unknown')).toBeNull();
    // Someone else's wallet is not reset.
    expect(
      await store.storePasswordChange({
        eventKey: 'reset-2',
        kind: 'PAYMENT',
        how: 'RESET',
        personId: 'person-2',
        applicationId: 'app-2',
        walletId: 'wallet-1',
        hash: 'x',
        actor: 'password-reset',
        at,
      }),
    ).toBe(false);
  });

  it('never moves a sign-out back in time', async () => {
    await store.revokePersonSessions('person-1', new Date(at.getTime() - 10_000));
    expect(await store.sessionsRevokedAt('app-1')).toBe(at.getTime());
    const later = new Date(at.getTime() + 5_000);
    await store.revokePersonSessions('person-1', later);
    expect(await store.sessionsRevokedAt('app-1')).toBe(later.getTime());
  });

  it('remembers devices per person', async () => {
    expect(await store.isKnownDevice('person-1', null)).toBe(false);
    await store.rememberDevice('person-1', 'device-a', at);
    await store.rememberDevice('person-1', 'device-a', at);
    expect(await store.isKnownDevice('person-1', 'device-a')).toBe(true);
    expect(await store.isKnownDevice('person-1', null)).toBe(true);
    expect(await store.isKnownDevice('person-1', 'device-b')).toBe(false);
    expect(await store.isKnownDevice('person-2', 'device-a')).toBe(false);
    expect(await store.openWalletOfPerson('person-1')).toBe('wallet-1');
    expect(await store.openWalletOfPerson('person-2')).toBeNull();
  });
});
