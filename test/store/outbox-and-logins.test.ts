// The sandbox outbox and the applicants' logins on both databases: what each stores, that a
// retry changes nothing, and the queries the API reads them by.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../db/store';
import { DIALECTS, type OpenedStore, type TestDatabase } from '../helpers/store-dialects';

const master = randomBytes(32);
const at = new Date(Date.now() - 60_000);

describe.each(DIALECTS)('the outbox and logins on $dialect', ({ fresh }) => {
  let database: TestDatabase;
  let a: Store;
  let b: OpenedStore;
  beforeAll(async () => {
    database = await fresh();
    a = (await database.open()).store;
    b = await database.open();
  });
  afterAll(() => database.close());

  const message = (idemKey: string, recipient: string, text = `code for ${idemKey}`) => ({
    idemKey,
    recipient,
    channel: 'sms',
    template: 'otp',
    text,
  });

  it('writes a message once per idempotency key, sealed, and reads it back by recipient', async () => {
    await a.insertOutboxEntry(master, message('k1', '13800000001'), at);
    await b.store.insertOutboxEntry(master, message('k1', '13800000001', 'changed'), at);
    await a.insertOutboxEntry(master, message('k2', '13800000002'), at);
    await a.insertOutboxEntry(master, message('k3', '13800000001'), at);
    const mine = await b.store.readOutbox(master, { recipient: '13800000001' });
    expect(mine.map((m) => [m.idemKey, m.text])).toEqual([
      ['k3', 'code for k3'],
      ['k1', 'code for k1'],
    ]);
    expect(await a.readOutbox(master, { idemKey: 'k2' })).toEqual([
      expect.objectContaining({ recipient: '13800000002', channel: 'sms', createdAt: at }),
    ]);
    const newest = await a.readOutbox(master, { limit: 1 });
    expect(newest.map((m) => m.idemKey)).toEqual(['k3']);
    expect((await a.readOutbox(master, { before: newest[0]!.id })).map((m) => m.idemKey)).toEqual([
      'k2',
      'k1',
    ]);
    const raw = JSON.stringify(await b.exec('select * from outbox'));
    expect(raw).not.toContain('13800000001');
    expect(raw).not.toContain('code for');
  });

  it('forgets every message to one recipient', async () => {
    await a.deleteOutboxFor(master, '13800000001');
    expect((await a.readOutbox(master)).map((m) => m.idemKey)).toEqual(['k2']);
  });

  it('signs in by verified phones only, the most recently verified first', async () => {
    const login = (applicationId: string, personId: string, phoneIndex: string) =>
      a.upsertApplicantLogin({ applicationId, personId, phoneIndex, passwordHash: 'h1', at });
    await login('app-1', 'person-1', 'phone-1');
    await login('app-1', 'person-1', 'phone-1');
    expect(await a.findVerifiedLogin('phone-1')).toBeUndefined();
    await a.markLoginPhoneVerified('app-1', 'phone-1', new Date(Date.now() - 30_000));
    expect(await b.store.findVerifiedLogin('phone-1')).toMatchObject({ applicationId: 'app-1' });
    // A stranger's unverified application with the same phone shadows nothing.
    await login('app-2', 'person-2', 'phone-1');
    expect(await a.findVerifiedLogin('phone-1')).toMatchObject({ applicationId: 'app-1' });
    expect(await a.phoneVerifiedByAnotherPerson('app-1')).toBeNull();
    await a.markLoginPhoneVerified('app-2', 'phone-1', new Date(Date.now() - 10_000));
    expect(await a.findVerifiedLogin('phone-1')).toMatchObject({ applicationId: 'app-2' });
    expect(await a.phoneVerifiedByAnotherPerson('app-1')).toEqual({ applicationId: 'app-2' });
    // The same phone again keeps its verification; another phone loses it.
    await login('app-2', 'person-2', 'phone-1');
    expect(await a.findVerifiedLogin('phone-1')).toMatchObject({ applicationId: 'app-2' });
    await login('app-2', 'person-2', 'phone-2');
    expect(await a.findVerifiedLogin('phone-2')).toBeUndefined();
  });

  it('replaces a hash only if it is still the one read', async () => {
    await a.replaceLoginHash('app-1', 'h1', 'h2');
    await b.store.replaceLoginHash('app-1', 'h1', 'h3');
    expect(await a.findVerifiedLogin('phone-1')).toMatchObject({ passwordHash: 'h2' });
  });
});
