// The repositories ported to PostgreSQL, through the Store on both databases: person claims,
// wallet creation, the webhook and wallet-notice outboxes with their leases, throttles and the
// sandbox core-banking table. Same calls, same answers, whichever database is underneath.
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuplicateCardError } from '../../db/sqlite/repositories/sandbox-bank-accounts';
import { applicant } from '../helpers/people';
import { STORES, type Harness } from './harness';

const PII_KEY = randomBytes(32);
const id = (prefix: string) => `${prefix}_${randomBytes(8).toString('hex')}`;

describe.each(STORES)('repositories on $dialect', ({ open }) => {
  let h: Harness;
  beforeAll(async () => {
    h = await open();
  });
  afterAll(async () => {
    await h?.close();
  });

  const claim = (personId: string, applicationId: string, phoneIndex = 'phone-1') =>
    h.store.claimPersonForApplication({
      personId,
      applicationId,
      phoneIndex,
      loginPasswordHash: 'hash',
      at: new Date(),
    });

  const newWallet = (
    personId: string,
    applicationId: string,
    walletId = id('w'),
    webhooks = true,
  ) =>
    h.store.createWalletOnce(PII_KEY, {
      walletId,
      applicationId,
      personId,
      tier: 'STANDARD',
      paymentPasswordHash: 'hash',
      ownerPhone: '13800138000',
      webhooks,
    });

  describe('person claims', () => {
    it('one application in progress per person; a retry passes; release frees the person', async () => {
      const person = id('p');
      const [a, b] = [id('app'), id('app')];
      expect(await claim(person, a)).toEqual({ ok: true });
      expect(await claim(person, a, 'phone-2')).toEqual({ ok: true });
      expect(await claim(person, b)).toEqual({ ok: false, code: 'APPLICATION_IN_PROGRESS' });
      const [login] = await h.rows(
        `select phone_index, person_id from applicant_logins where application_id = '${a}'`,
      );
      expect(login).toEqual({ phone_index: 'phone-2', person_id: person });
      await h.store.releaseInProgressClaim(person, b);
      expect(await claim(person, b)).toMatchObject({ ok: false });
      await h.store.releaseInProgressClaim(person, a);
      expect(await claim(person, b)).toEqual({ ok: true });
    });

    it('an application that ended FAILED or CANCELLED no longer holds the person', async () => {
      const person = id('p');
      const [a, b] = [id('app'), id('app')];
      await claim(person, a);
      const now = h.dialect === 'postgres' ? 'now()' : '0';
      await h.rawSql(
        `insert into applications (id, status, next_action, created_at, updated_at)
         values ('${a}', 'CANCELLED', 'NONE', ${now}, ${now})`,
      );
      expect(await claim(person, b)).toEqual({ ok: true });
    });

    it('racing applications of one person: exactly one claims it', async () => {
      const person = id('p');
      const other = await h.openAnother();
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          (i % 2 ? other : h.store).claimPersonForApplication({
            personId: person,
            applicationId: `race-${person}-${i}`,
            phoneIndex: 'phone',
            loginPasswordHash: 'hash',
            at: new Date(),
          }),
        ),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(1);
    });
  });

  describe('wallets', () => {
    it('one wallet per application, audited and queued as an event; another application is refused', async () => {
      const person = id('p');
      const app = id('app');
      await claim(person, app);
      const created = await newWallet(person, app);
      expect(created).toHaveProperty('walletId');
      const { walletId } = created as { walletId: string };
      // A retry (even under another proposed id) answers the same wallet.
      expect(await newWallet(person, app)).toEqual({ walletId });
      expect(await newWallet(person, id('app'))).toEqual({ refused: 'ALREADY_HAS_WALLET' });
      expect(await claim(person, id('app'))).toEqual({ ok: false, code: 'ALREADY_HAS_WALLET' });

      const summary = await h.store.createLedger().summary(walletId);
      expect(summary).toMatchObject({ status: 'ACTIVE', tier: 'STANDARD', balance: 0 });
      const audit = await h.store.auditPage({ subjectId: walletId, limit: 10 });
      expect(audit).toMatchObject([{ action: 'WALLET_CREATED', detail: { status: 'ACTIVE' } }]);
      const [sealed] = await h.rows(`select owner_phone from wallets where id = '${walletId}'`);
      expect(String(sealed!.owner_phone)).not.toContain('13800138000');
      const [event] = await h.rows(
        `select status, body from webhook_events where subject_id = '${walletId}'`,
      );
      expect(event).toMatchObject({ status: 'ACTIVE' });
      expect(JSON.parse(String(event!.body))).toMatchObject({
        type: 'wallet.status_changed',
        subjectId: walletId,
        status: 'ACTIVE',
      });
    });

    it('racing retries of one application through two stores make one wallet', async () => {
      const person = id('p');
      const app = id('app');
      const other = await h.openAnother();
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          (i % 2 ? other : h.store).createWalletOnce(PII_KEY, {
            walletId: id('w'),
            applicationId: app,
            personId: person,
            tier: 'GUARDIAN',
            paymentPasswordHash: 'hash',
            ownerPhone: '13800138000',
            webhooks: false,
          }),
        ),
      );
      expect(new Set(results.map((r) => JSON.stringify(r))).size).toBe(1);
      const [count] = await h.rows(
        `select count(*) as n from wallets where application_id = '${app}'`,
      );
      expect(Number(count!.n)).toBe(1);
    });
  });

  describe('webhook events', () => {
    it('claims the oldest undelivered event per subject under a lease, in order', async () => {
      // Events of earlier tests are in the table too: deliver them first.
      for (
        let batch;
        (batch = await h.store.claimDueWebhookEvents({ leaseMs: 60_000, batchSize: 100 })).length;
      )
        for (const e of batch) await h.store.markWebhookEventDelivered(e.id);

      const ledger = h.store.createLedger({ webhookEvents: true });
      const person = id('p');
      const app = id('app');
      await claim(person, app);
      const { walletId } = (await newWallet(person, app, id('w'), true)) as { walletId: string };
      await ledger.freeze(walletId, 'ops:olga', 'check');
      await ledger.unfreeze(walletId, 'ops:olga');

      const statusOf = (body: string) => (JSON.parse(body) as { status: string }).status;
      const first = await h.store.claimDueWebhookEvents({ leaseMs: 60_000, batchSize: 10 });
      expect(first.map((e) => statusOf(e.body))).toEqual(['ACTIVE']);
      expect(first[0]).toMatchObject({ attempts: 1, eventId: expect.stringMatching(/^evt_/) });
      expect(typeof first[0]!.id).toBe('number');
      // Leased: nobody else takes it, and the next of its subject waits for it.
      expect(await h.store.claimDueWebhookEvents({ leaseMs: 60_000, batchSize: 10 })).toEqual([]);

      await h.store.handWebhookEventBack(first[0]!.id);
      const again = await h.store.claimDueWebhookEvents({ leaseMs: 60_000, batchSize: 10 });
      expect(again).toMatchObject([{ id: first[0]!.id, attempts: 1 }]);

      await h.store.retryWebhookEventLater(first[0]!.id, new Date(Date.now() - 1), 'HTTP 500');
      const retried = await h.store.claimDueWebhookEvents({ leaseMs: 60_000, batchSize: 10 });
      expect(retried).toMatchObject([{ id: first[0]!.id, attempts: 2 }]);

      await h.store.markWebhookEventDelivered(first[0]!.id);
      const next = await h.store.claimDueWebhookEvents({ leaseMs: 60_000, batchSize: 10 });
      expect(next.map((e) => statusOf(e.body))).toEqual(['FROZEN']);
    });

    it('two dispatchers claiming at once never take one event both', async () => {
      for (
        let batch;
        (batch = await h.store.claimDueWebhookEvents({ leaseMs: 60_000, batchSize: 100 })).length;
      )
        for (const e of batch) await h.store.markWebhookEventDelivered(e.id);
      for (let i = 0; i < 30; i++) {
        const person = id('p');
        const app = id('app');
        await claim(person, app);
        await newWallet(person, app, id('w'), true);
      }
      const other = await h.openAnother();
      const claims = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          (i % 2 ? other : h.store).claimDueWebhookEvents({ leaseMs: 60_000, batchSize: 7 }),
        ),
      );
      const ids = claims.flat().map((e) => e.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.length).toBe(30);
    });
  });

  describe('wallet notices', () => {
    it('are claimed under a lease, oldest first, and relayed once', async () => {
      const ledger = h.store.createLedger();
      const person = id('p');
      const app = id('app');
      await claim(person, app);
      const { walletId } = (await newWallet(person, app, id('w'), false)) as { walletId: string };
      await ledger.freeze(walletId, 'ops:olga', 'check');
      await ledger.unfreeze(walletId, 'ops:olga');
      const mine = async () =>
        (await h.store.pendingWalletNotices()).filter((n) => n.walletId === walletId);
      expect((await mine()).map((n) => n.kind)).toEqual(['WALLET_FROZEN', 'WALLET_UNFROZEN']);

      const now = new Date(Date.now() + 1000);
      const claimed = await h.store.claimDueWalletNotices({ limit: 100, leaseMs: 60_000, now });
      const ours = claimed.filter((n) => n.walletId === walletId);
      expect(ours.map((n) => n.kind)).toEqual(['WALLET_FROZEN', 'WALLET_UNFROZEN']);
      expect(await h.store.claimDueWalletNotices({ limit: 100, leaseMs: 60_000, now })).toEqual([]);
      await h.store.markWalletNoticeRelayed(ours[0]!.key);
      expect((await mine()).map((n) => n.kind)).toEqual(['WALLET_UNFROZEN']);
      // After the lease, the notice not relayed is due again.
      const later = new Date(now.getTime() + 61_000);
      const due = await h.store.claimDueWalletNotices({ limit: 100, leaseMs: 60_000, now: later });
      expect(due.filter((n) => n.walletId === walletId).map((n) => n.kind)).toEqual([
        'WALLET_UNFROZEN',
      ]);
    });
  });

  describe('throttles', () => {
    const rule = () => ({ bucket: `test-${randomUUID()}`, max: 3, windowMs: 60_000 });

    it('takes up to max hits in the window, then says when one is free; a returned hit is free', async () => {
      const r = rule();
      const t0 = new Date();
      const hits = [];
      for (let i = 0; i < 3; i++)
        hits.push(
          await h.store.takeThrottleHit(
            PII_KEY,
            r,
            '13800138000',
            new Date(t0.getTime() + i * 1000),
          ),
        );
      expect(hits.every((x) => x.ok)).toBe(true);
      const refused = await h.store.takeThrottleHit(
        PII_KEY,
        r,
        '13800138000',
        new Date(t0.getTime() + 3000),
      );
      expect(refused).toEqual({ ok: false, retryAfterSeconds: 57 });
      // Another subject has its own count.
      expect((await h.store.takeThrottleHit(PII_KEY, r, '13900139000', t0)).ok).toBe(true);
      const first = hits[0]!;
      if (!first.ok) throw new Error('unreachable');
      await h.store.returnThrottleHit(first.hitId);
      expect(
        (await h.store.takeThrottleHit(PII_KEY, r, '13800138000', new Date(t0.getTime() + 3000)))
          .ok,
      ).toBe(true);
      // The subject is stored only as a keyed hash.
      const stored = await h.rows(`select subject from throttle_hits where bucket = '${r.bucket}'`);
      expect(stored.every((s) => !String(s.subject).includes('13800138000'))).toBe(true);
    });

    it('concurrent takes through two stores never pass max', async () => {
      const r = rule();
      const other = await h.openAnother();
      const at = new Date();
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          (i % 2 ? other : h.store).takeThrottleHit(PII_KEY, r, 'client-1', at),
        ),
      );
      expect(results.filter((x) => x.ok)).toHaveLength(3);
    });
  });

  describe('sandbox bank accounts', () => {
    it('stores an account sealed, finds it by card, refuses the same card twice', async () => {
      const person = applicant();
      const account = {
        holderName: person.name,
        idNumber: person.idNumber,
        cardNumber: person.bankCardNumber,
        phone: person.phone,
        status: 'NORMAL' as const,
        realNameVerified: true,
      };
      const row = await h.store.insertSandboxAccount(PII_KEY, account);
      expect(row).toMatchObject({ holderName: person.name, status: 'NORMAL' });
      expect(row.createdAt).toBeInstanceOf(Date);
      await expect(h.store.insertSandboxAccount(PII_KEY, account)).rejects.toBeInstanceOf(
        DuplicateCardError,
      );
      const bank = await h.store.sandboxCoreBanking(PII_KEY);
      expect(await bank.findAccountByCard(person.bankCardNumber)).toEqual({
        holderName: person.name,
        idNumber: person.idNumber,
        status: 'NORMAL',
        realNameVerified: true,
      });
      expect(await bank.findAccountByCard('6222020000000000000')).toBeNull();
      const [sealed] = await h.rows(`select sealed from bank_accounts where id = '${row.id}'`);
      expect(String(sealed!.sealed)).not.toContain(person.idNumber);
    });
  });
});
