// The activities the onboarding workflow calls for eligibility, notifications, screening, review
// and activation, run against a real stack's database the way Temporal would call (and retry) them.
import { staffNotificationsAbout } from '../../db/sqlite/repositories/staff-notifications';
import { ApplicationFailure } from '@temporalio/common';
import Fastify, { type FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import sharp from 'sharp';
import { createActivities } from '../../activities';
import { decodePhoto, straightenCard } from '../../activities/photo/card-photo';
import { createPhotoStore } from '../../db/sqlite/repositories/photo-store';
import { httpCoreBanking } from '../../adapters/core-banking';
import { insertSandboxAccount } from '../../db/sqlite/repositories/sandbox-bank-accounts';
import {
  outboxTransport,
  webhookTransport,
  type NotifyInput,
  type OutboundMessage,
} from '../../notifications/notify';
import type { RecordStatusInput } from '../../activities/application-status';
import { readReviewSnapshot } from '../../db/sqlite/repositories/review-snapshots';
import {
  applicantLogins,
  applications,
  auditLog,
  personClaims,
  wallets,
  watchlist,
} from '../../db/sqlite/schema';
import { readOutbox } from '../../db/sqlite/repositories/outbox';
import { hashPassword } from '../../crypto/password-hash';
import { personIdOf } from '../../crypto/pii';
import { erasePersonKey } from '../../db/sqlite/repositories/person-keys';
import { applicant as person, bankCard, birthDateForAge, idNumber } from '../helpers/people';
import { startStack, type Stack } from '../helpers/stack';
import { PEOPLE, type FakePerson } from '../fixtures/id-card';
import { phoneScene, type SceneSpec } from '../fixtures/phone-scene';

const SCENE: SceneSpec = {
  seed: 1,
  width: 1280,
  height: 960,
  background: 'dark-desk',
  cardShare: 0.6,
  rotation: 0,
  perspective: 6,
  lighting: 'uneven',
  format: 'jpeg',
};

/** A status record as the workflow sends it; its view has no revision, so the read model skips it. */
function statusRecord(input: Omit<RecordStatusInput, 'view'>): RecordStatusInput {
  return {
    ...input,
    view: {
      applicationId: input.applicationId,
      status: input.status as RecordStatusInput['view']['status'],
      nextAction: input.nextAction as RecordStatusInput['view']['nextAction'],
      reasons: [],
      fieldErrors: [],
      attemptsLeft: { otp: 5, photo: 5, resubmission: 3 },
      applicant: { name: '', idNumber: '', phone: '', bankCardNumber: '' },
      createdAt: input.at,
      updatedAt: input.at,
    },
  };
}

let stack: Stack;
let acts: ReturnType<typeof createActivities>;
let loginHash: string;

beforeAll(async () => {
  stack = await startStack({ MIN_APP_VERSION: '3.0.0' });
  acts = createActivities({ store: stack.store, config: stack.config });
  loginHash = await hashPassword('secret123');
});
afterAll(async () => {
  await stack?.close();
});

let seq = 0;
/** A fresh person with a NORMAL, verified bank account unless told otherwise. */
function newPerson(
  account: Partial<{
    status: 'NORMAL' | 'FROZEN' | 'CLOSED';
    realNameVerified: boolean;
  }> | null = {},
  birth = '19900307',
) {
  seq += 1;
  const p = person({
    idNumber: idNumber('310104', birth, String(100 + seq).padStart(3, '0')),
    bankCardNumber: bankCard(`62148300${String(10_000_000 + seq * 7919).slice(-8)}`),
  });
  if (account)
    insertSandboxAccount(stack.database.db, stack.config.piiKey, {
      holderName: p.name,
      idNumber: p.idNumber,
      cardNumber: p.bankCardNumber,
      phone: p.phone,
      status: account.status ?? 'NORMAL',
      realNameVerified: account.realNameVerified ?? true,
    });
  return p;
}

function eligibilityInput(p: ReturnType<typeof newPerson>, applicationId = randomUUID()) {
  return {
    applicationId,
    applicant: {
      name: p.name,
      idNumber: p.idNumber,
      phone: p.phone,
      bankCardNumber: p.bankCardNumber,
    },
    appVersion: p.appVersion,
    loginPasswordHash: loginHash,
  };
}

function claimOf(idNumberValue: string) {
  return stack.database.db
    .select()
    .from(personClaims)
    .where(eq(personClaims.personId, personIdOf(stack.config.piiKey, idNumberValue)))
    .get();
}

async function failure(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

describe('checkEligibility', () => {
  it('passes an eligible applicant, claims the person and stores the login', async () => {
    const p = newPerson();
    const input = eligibilityInput(p);
    await expect(acts.checkEligibility(input)).resolves.toEqual({ ok: true });
    expect(claimOf(p.idNumber)).toMatchObject({
      applicationId: input.applicationId,
      kind: 'IN_PROGRESS',
    });
    const login = stack.database.db
      .select()
      .from(applicantLogins)
      .where(eq(applicantLogins.applicationId, input.applicationId))
      .get();
    expect(login?.passwordHash).toBe(loginHash);
    expect(login?.phoneIndex).toMatch(/^[0-9a-f]{64}$/);
    // A retry by Temporal answers the same and changes nothing.
    await expect(acts.checkEligibility(input)).resolves.toEqual({ ok: true });
    expect(
      stack.database.db
        .select()
        .from(applicantLogins)
        .where(eq(applicantLogins.applicationId, input.applicationId))
        .all(),
    ).toHaveLength(1);
  });

  it('refuses an app older than MIN_APP_VERSION first, whatever else is wrong', async () => {
    const p = newPerson(null);
    await expect(
      acts.checkEligibility({ ...eligibilityInput(p), appVersion: '2.9.9' }),
    ).resolves.toEqual({ ok: false, code: 'APP_VERSION_TOO_OLD' });
    const q = newPerson();
    await expect(
      acts.checkEligibility({ ...eligibilityInput(q), appVersion: '3.0' }),
    ).resolves.toEqual({ ok: true });
  });

  it('answers BANK_ACCOUNT_NOT_FOUND for an unknown card', async () => {
    const p = newPerson(null);
    await expect(acts.checkEligibility(eligibilityInput(p))).resolves.toEqual({
      ok: false,
      code: 'BANK_ACCOUNT_NOT_FOUND',
    });
    expect(claimOf(p.idNumber)).toBeUndefined();
  });

  it('answers BANK_ACCOUNT_HOLDER_MISMATCH for another name or ID number', async () => {
    const p = newPerson();
    await expect(
      acts.checkEligibility({
        ...eligibilityInput(p),
        applicant: { ...eligibilityInput(p).applicant, name: '李四' },
      }),
    ).resolves.toEqual({ ok: false, code: 'BANK_ACCOUNT_HOLDER_MISMATCH' });
    await expect(
      acts.checkEligibility({
        ...eligibilityInput(p),
        applicant: {
          ...eligibilityInput(p).applicant,
          idNumber: idNumber('310104', '19900307', '999'),
        },
      }),
    ).resolves.toEqual({ ok: false, code: 'BANK_ACCOUNT_HOLDER_MISMATCH' });
    // The name is compared normalised: spaces and look-alike dots do not make a mismatch.
    const q = person({ name: '买买提·艾力' });
    insertSandboxAccount(stack.database.db, stack.config.piiKey, {
      holderName: '买买提·艾力',
      idNumber: q.idNumber,
      cardNumber: q.bankCardNumber,
      status: 'NORMAL',
      realNameVerified: true,
    });
    await expect(
      acts.checkEligibility({
        ...eligibilityInput(q as never),
        applicant: { ...eligibilityInput(q as never).applicant, name: '买买提 • 艾力' },
      }),
    ).resolves.toEqual({ ok: true });
  });

  it.each(['FROZEN', 'CLOSED'] as const)(
    'answers BANK_ACCOUNT_NOT_NORMAL for a %s account',
    async (status) => {
      const p = newPerson({ status });
      await expect(acts.checkEligibility(eligibilityInput(p))).resolves.toEqual({
        ok: false,
        code: 'BANK_ACCOUNT_NOT_NORMAL',
      });
    },
  );

  it('answers REAL_NAME_NOT_VERIFIED', async () => {
    const p = newPerson({ realNameVerified: false });
    await expect(acts.checkEligibility(eligibilityInput(p))).resolves.toEqual({
      ok: false,
      code: 'REAL_NAME_NOT_VERIFIED',
    });
  });

  it('answers APPLICATION_IN_PROGRESS for a second application, and frees the person on release', async () => {
    const p = newPerson();
    const first = eligibilityInput(p);
    const second = eligibilityInput(p);
    await expect(acts.checkEligibility(first)).resolves.toEqual({ ok: true });
    await expect(acts.checkEligibility(second)).resolves.toEqual({
      ok: false,
      code: 'APPLICATION_IN_PROGRESS',
    });
    // Releasing on behalf of the application that does not hold the claim changes nothing.
    await acts.releaseApplicant({ applicationId: second.applicationId, idNumber: p.idNumber });
    expect(claimOf(p.idNumber)?.applicationId).toBe(first.applicationId);
    await acts.releaseApplicant({ applicationId: first.applicationId, idNumber: p.idNumber });
    await acts.releaseApplicant({ applicationId: first.applicationId, idNumber: p.idNumber });
    expect(claimOf(p.idNumber)).toBeUndefined();
    await expect(acts.checkEligibility(second)).resolves.toEqual({ ok: true });
  });

  it('lets a new application take over the claim of one recorded as FAILED or CANCELLED', async () => {
    const p = newPerson();
    const first = eligibilityInput(p);
    await acts.checkEligibility(first);
    await acts.recordApplicationStatus(
      statusRecord({
        applicationId: first.applicationId,
        status: 'CANCELLED',
        nextAction: 'NONE',
        seq: 5,
        at: new Date().toISOString(),
        reasons: [],
      }),
    );
    const second = eligibilityInput(p);
    await expect(acts.checkEligibility(second)).resolves.toEqual({ ok: true });
    expect(claimOf(p.idNumber)?.applicationId).toBe(second.applicationId);
  });

  it('lets exactly one of many concurrent applications of one person through', async () => {
    const p = newPerson();
    const results = await Promise.all(
      Array.from({ length: 8 }, () => acts.checkEligibility(eligibilityInput(p))),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok && r.code === 'APPLICATION_IN_PROGRESS')).toHaveLength(7);
  });

  it('answers ALREADY_HAS_WALLET once the person has a wallet, and release leaves it', async () => {
    const p = newPerson();
    const input = eligibilityInput(p);
    await acts.checkEligibility(input);
    await acts.createWallet({
      applicationId: input.applicationId,
      idNumber: p.idNumber,
      tier: 'STANDARD',
      paymentPasswordHash: await hashPassword('135792'),
      ownerPhone: p.phone,
    });
    await acts.releaseApplicant({ applicationId: input.applicationId, idNumber: p.idNumber });
    expect(claimOf(p.idNumber)?.kind).toBe('WALLET');
    await expect(acts.checkEligibility(eligibilityInput(p))).resolves.toEqual({
      ok: false,
      code: 'ALREADY_HAS_WALLET',
    });
  });

  it('refuses malformed input without retrying', async () => {
    const p = newPerson();
    const bad = eligibilityInput(p);
    bad.applicant.idNumber = '';
    const error = await failure(acts.checkEligibility(bad));
    expect(error.nonRetryable).toBe(true);
    expect(error.type).toBe('INVALID_INPUT');
  });
});

describe('createWallet', () => {
  it('creates one wallet per application however often it is retried', async () => {
    const p = newPerson({}, birthDateForAge(17));
    const input = eligibilityInput(p);
    await acts.checkEligibility(input);
    const wallet = {
      applicationId: input.applicationId,
      idNumber: p.idNumber,
      tier: 'RESTRICTED' as const,
      paymentPasswordHash: await hashPassword('135792'),
      ownerPhone: p.phone,
    };
    const results = await Promise.all([
      acts.createWallet(wallet),
      acts.createWallet(wallet),
      acts.createWallet(wallet),
    ]);
    const again = await acts.createWallet(wallet);
    expect(new Set([...results, again].map((r) => r.walletId)).size).toBe(1);
    expect(again.walletId).toMatch(/^w_[0-9a-f]{24}$/);
    const rows = stack.database.db
      .select()
      .from(wallets)
      .where(eq(wallets.applicationId, input.applicationId))
      .all();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ tier: 'RESTRICTED', status: 'ACTIVE', balance: 0 });
    expect(claimOf(p.idNumber)).toMatchObject({
      kind: 'WALLET',
      applicationId: input.applicationId,
    });
  });

  it('refuses a second wallet for a person from another application, and bad input', async () => {
    const p = newPerson();
    const input = eligibilityInput(p);
    await acts.checkEligibility(input);
    const hash = await hashPassword('135792');
    await acts.createWallet({
      ...input,
      idNumber: p.idNumber,
      tier: 'STANDARD',
      paymentPasswordHash: hash,
      ownerPhone: p.phone,
    });
    const other = await failure(
      acts.createWallet({
        applicationId: randomUUID(),
        idNumber: p.idNumber,
        tier: 'STANDARD',
        paymentPasswordHash: hash,
        ownerPhone: p.phone,
      }),
    );
    expect(other).toMatchObject({ nonRetryable: true, type: 'ALREADY_HAS_WALLET' });
    const badTier = await failure(
      acts.createWallet({
        applicationId: randomUUID(),
        idNumber: p.idNumber,
        tier: 'GOLD' as never,
        paymentPasswordHash: hash,
        ownerPhone: p.phone,
      }),
    );
    expect(badTier).toMatchObject({ nonRetryable: true, type: 'INVALID_INPUT' });
  });
});

describe('notify', () => {
  it('delivers exactly once per key through a transport that fails three times first', async () => {
    let calls = 0;
    const sandbox = outboxTransport(stack.store, stack.config.piiKey);
    const flaky = createActivities({
      store: stack.store,
      config: stack.config,
      smsTransport: {
        async send(message: OutboundMessage) {
          calls += 1;
          if (calls <= 3) throw new Error(`gateway down (${calls})`);
          await sandbox.send(message);
        },
      },
    });
    const key = `${randomUUID()}:otp:1`;
    const input = {
      key,
      recipient: '13900139000',
      channel: 'sms' as const,
      template: 'OTP' as const,
      params: { code: '864209' },
    };
    // As Temporal would: retry until it succeeds, then a late duplicate attempt.
    for (let attempt = 1; attempt <= 3; attempt++)
      await expect(flaky.notify(input)).rejects.toThrow(/gateway down/);
    await flaky.notify(input);
    await flaky.notify(input);
    const rows = readOutbox(stack.database.db, stack.config.piiKey, { idemKey: key });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ recipient: '13900139000', channel: 'sms', template: 'OTP' });
    expect(rows[0]!.text).toContain('864209');
    expect(calls).toBe(5);
  });

  it('sends staff notifications to the console, not the SMS outbox, and refuses bad input', async () => {
    const key = `${randomUUID()}:remind`;
    const applicationId = `app-${randomUUID()}`;
    await acts.notify({
      key,
      recipient: 'reviewers',
      channel: 'staff',
      template: 'REVIEW_REMINDER',
      params: { applicationId },
    });
    expect(readOutbox(stack.database.db, stack.config.piiKey, { idemKey: key })).toEqual([]);
    const [row] = staffNotificationsAbout(stack.database.db, applicationId);
    expect(row).toMatchObject({ recipient: 'role:reviewer', template: 'REVIEW_REMINDER' });
    expect(JSON.parse(row!.body).text).toContain(applicationId);
    const bads: Omit<NotifyInput, 'key'>[] = [
      {
        recipient: 'not-a-phone',
        channel: 'sms' as const,
        template: 'OTP' as const,
        params: { code: '1' },
      },
      { recipient: '13900139000', channel: 'sms' as const, template: 'OTP' as const, params: {} },
      {
        recipient: 'Reviewers!',
        channel: 'staff' as const,
        template: 'REVIEW_REMINDER' as const,
        params: { applicationId: 'x' },
      },
    ];
    for (const bad of bads) {
      const error = await failure(acts.notify({ key: randomUUID(), ...bad }));
      expect(error.nonRetryable).toBe(true);
    }
  });
});

describe('HTTP adapters (SANDBOX=0)', () => {
  let server: FastifyInstance;
  let base: string;
  const smsReceived: { key: string | undefined; body: unknown }[] = [];
  let smsFailures = 0;

  beforeAll(async () => {
    server = Fastify();
    server.get<{ Params: { card: string } }>('/accounts/:card', async (request, reply) => {
      if (request.params.card === '4111111111111111')
        return {
          holderName: '张三',
          idNumber: '11010519491231002X',
          status: 'NORMAL',
          realNameVerified: true,
        };
      if (request.params.card === '5555555555554444') return reply.code(503).send();
      return reply.code(404).send({ error: 'not found' });
    });
    server.post('/sms', async (request, reply) => {
      if (smsFailures > 0) {
        smsFailures -= 1;
        return reply.code(502).send();
      }
      if ((request.body as { recipient?: string }).recipient === '13000000000')
        return reply.code(400).send();
      smsReceived.push({ key: request.headers['idempotency-key'] as string, body: request.body });
      return reply.code(202).send();
    });
    base = await server.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('looks accounts up over HTTP: found, 404, and 5xx thrown for a retry', async () => {
    const bank = httpCoreBanking(base);
    await expect(bank.findAccountByCard('4111 1111 1111 1111')).resolves.toEqual({
      holderName: '张三',
      idNumber: '11010519491231002X',
      status: 'NORMAL',
      realNameVerified: true,
    });
    await expect(bank.findAccountByCard('6222020000000000008')).resolves.toBeNull();
    await expect(bank.findAccountByCard('5555555555554444')).rejects.toThrow(/503/);
    const stackless = createActivities({
      store: stack.store,
      config: stack.config,
      coreBanking: bank,
    });
    const result = await stackless.checkEligibility({
      applicationId: randomUUID(),
      applicant: {
        name: '张三',
        idNumber: '11010519491231002X',
        phone: '13800138000',
        bankCardNumber: '4111111111111111',
      },
      appVersion: '3.2.0',
      loginPasswordHash: loginHash,
    });
    expect(result).toEqual({ ok: true });
  });

  it('posts SMS with an Idempotency-Key, retries 5xx and gives up on a refusal', async () => {
    const sms = webhookTransport(`${base}/sms`);
    const message = {
      key: 'k-1',
      recipient: '13900139000',
      channel: 'sms' as const,
      template: 'OTP' as const,
      text: 'code 1',
    };
    smsFailures = 1;
    await expect(sms.send(message)).rejects.toThrow(/502/);
    await sms.send(message);
    expect(smsReceived).toEqual([{ key: 'k-1', body: message }]);
    const refused = await failure(sms.send({ ...message, recipient: '13000000000' }));
    expect(refused).toMatchObject({ nonRetryable: true, type: 'NOTIFICATION_REFUSED' });
  });
});

describe('screenApplicant', () => {
  beforeAll(() => {
    stack.database.db
      .insert(watchlist)
      .values([
        {
          entryKey: randomUUID(),
          name: '王大锤',
          birthDate: '1980-05-05',
          source: 'UN',
          createdAt: new Date(),
        },
        {
          entryKey: randomUUID(),
          name: '赵铁柱',
          birthDate: null,
          source: 'PEP',
          createdAt: new Date(),
        },
      ])
      .run();
  });

  function screenInput(overrides: Partial<Parameters<typeof acts.screenApplicant>[0]> = {}) {
    seq += 1;
    return {
      applicationId: randomUUID(),
      name: '张三',
      idNumber: idNumber('310104', '19900307', String(100 + seq).padStart(3, '0')),
      bankCardNumber: bankCard(`62148301${String(10_000_000 + seq * 7919).slice(-8)}`),
      photoRef: randomUUID().replace(/-/g, '').padEnd(64, '0'),
      ...overrides,
    };
  }

  it('is LOW with no flags for an ordinary applicant, also when retried', async () => {
    const input = screenInput();
    await expect(acts.screenApplicant(input)).resolves.toEqual({ riskLevel: 'LOW', flags: [] });
    await expect(acts.screenApplicant(input)).resolves.toEqual({ riskLevel: 'LOW', flags: [] });
  });

  it('flags WATCHLIST_MATCH on a similar name with the same birth date, and a weaker hit on another date', async () => {
    const hit = await acts.screenApplicant(
      screenInput({ name: '王大垂', idNumber: idNumber('310104', '19800505', '011') }),
    );
    expect(hit.riskLevel).toBe('HIGH');
    expect(hit.flags.map((f) => [f.code, f.score])).toEqual([['WATCHLIST_MATCH', 0.8]]);
    // SPEC §1 step 5: a different full date lowers the score but does not hide the hit.
    const otherBirth = await acts.screenApplicant(
      screenInput({ name: '王大锤', idNumber: idNumber('310104', '19800506', '011') }),
    );
    expect(otherBirth.riskLevel).toBe('HIGH');
    expect(otherBirth.flags.map((f) => [f.code, f.score])).toEqual([
      ['WATCHLIST_NAME_SIMILAR', 0.5],
    ]);
    const otherName = await acts.screenApplicant(
      screenInput({ name: '王海涛', idNumber: idNumber('310104', '19800505', '011') }),
    );
    expect(otherName).toEqual({ riskLevel: 'LOW', flags: [] });
  });

  it('flags WATCHLIST_NAME_SIMILAR when the entry has no birth date', async () => {
    const result = await acts.screenApplicant(screenInput({ name: '赵铁柱' }));
    expect(result.riskLevel).toBe('HIGH');
    expect(result.flags.map((f) => f.code)).toEqual(['WATCHLIST_NAME_SIMILAR']);
  });

  it('flags a card another person used, not the same person reapplying', async () => {
    const first = screenInput();
    await acts.screenApplicant(first);
    const reapplication = randomUUID();
    const samePerson = await acts.screenApplicant({ ...first, applicationId: reapplication });
    expect(samePerson.flags).toEqual([]);
    const other = await acts.screenApplicant(screenInput({ bankCardNumber: first.bankCardNumber }));
    expect(other.riskLevel).toBe('HIGH');
    expect(other.flags.map((f) => f.code)).toEqual(['DUPLICATE_BANK_CARD']);
    expect(other.flags[0]!.detail).toMatch(
      new RegExp(`application (${first.applicationId}|${reapplication})`),
    );
    const noPhoto = await acts.screenApplicant(screenInput({ photoRef: null }));
    expect(noPhoto.flags).toEqual([]);
  });

  it("flags the same portrait on another person's accepted card, photographed again", async () => {
    const photoStore = createPhotoStore({ dir: join(stack.config.dataDir, 'portrait-photos') });
    const withPhotos = createActivities({
      store: stack.store,
      config: stack.config,
      photoStore,
    });
    // The straightened card of each scene, stored beside a ref as the photo step does, as the
    // photo of a fresh application.
    const storedCard = async (card: FakePerson, spec: Partial<SceneSpec>) => {
      const scene = await phoneScene(card, { ...SCENE, ...spec });
      const straight = await straightenCard(await decodePhoto(scene.bytes));
      const applicationId = randomUUID();
      const photos = photoStore.of(applicationId);
      const { ref } = await photos.put(scene.bytes);
      const { data, width, height } = straight!.rgb;
      const jpeg = await sharp(data, { raw: { width, height, channels: 3 } })
        .jpeg()
        .toBuffer();
      await photos.putDerived(ref, 'card', jpeg);
      return { applicationId, photoRef: ref };
    };
    const [original, rephotographed, otherFace] = await Promise.all([
      storedCard(PEOPLE[0]!, { seed: 11, rotation: 3 }),
      storedCard(PEOPLE[0]!, { seed: 12, rotation: -7, perspective: 12, format: 'webp' }),
      storedCard(PEOPLE[1]!, { seed: 13, rotation: 2 }),
    ]);
    const first = screenInput(original);
    expect((await withPhotos.screenApplicant(first)).flags).toEqual([]);
    // The same person again: never a repeat of themselves.
    const sameAgain = await storedCard(PEOPLE[0]!, { seed: 11, rotation: 3 });
    const again = await withPhotos.screenApplicant({ ...first, ...sameAgain });
    expect(again.flags).toEqual([]);

    const copycat = await withPhotos.screenApplicant(screenInput(rephotographed));
    expect(copycat.riskLevel).toBe('HIGH');
    expect(copycat.flags.map((f) => f.code)).toEqual(['DUPLICATE_PHOTO']);
    expect(copycat.flags[0]!.detail).toContain(first.applicationId);

    const someoneElse = await withPhotos.screenApplicant(screenInput(otherFace));
    expect(someoneElse.flags).toEqual([]);
  });
});

describe('recordApplicationStatus', () => {
  it('keeps the newest status whatever order retries arrive in, with one audit row per change', async () => {
    const applicationId = randomUUID();
    const at = (seq: number) => new Date(Date.UTC(2026, 10, 22, 8, 0, seq));
    const record = (seq: number, status: string, reasons: string[] = []) =>
      acts.recordApplicationStatus(
        statusRecord({
          applicationId,
          status,
          nextAction: 'NONE',
          seq,
          at: at(seq).toISOString(),
          reasons,
        }),
      );
    await record(2, 'AWAITING_PHONE_VERIFICATION');
    await record(3, 'PENDING_REVIEW', ['WATCHLIST_MATCH']);
    // Retries of both, the older one last: neither moves the status back nor adds an audit row.
    await record(3, 'PENDING_REVIEW', ['WATCHLIST_MATCH']);
    await record(2, 'AWAITING_PHONE_VERIFICATION');

    const row = stack.database.db
      .select()
      .from(applications)
      .where(eq(applications.id, applicationId))
      .get();
    expect(row).toMatchObject({
      status: 'PENDING_REVIEW',
      statusSeq: 3,
      createdAt: at(2),
      updatedAt: at(3),
    });
    const audits = stack.database.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.subjectId, applicationId))
      .orderBy(auditLog.id)
      .all();
    expect(audits.map((a) => [a.eventKey, a.at, a.actor, a.detail])).toEqual([
      [
        `application:${applicationId}:status:2`,
        at(2),
        'system',
        { status: 'AWAITING_PHONE_VERIFICATION', nextAction: 'NONE', reasons: [] },
      ],
      [
        `application:${applicationId}:status:3`,
        at(3),
        'system',
        { status: 'PENDING_REVIEW', nextAction: 'NONE', reasons: ['WATCHLIST_MATCH'] },
      ],
    ]);
  });
});

describe('saveReviewSnapshot', () => {
  it('creates or updates the row, sealed under the person key, and erasure makes it unreadable', async () => {
    const p = newPerson();
    const input = eligibilityInput(p);
    await acts.checkEligibility(input);
    const due = new Date(Date.now() + 3600_000).toISOString();
    const snapshot = { applicant: { name: p.name, idNumber: p.idNumber }, flags: [] };
    await acts.saveReviewSnapshot({
      applicationId: input.applicationId,
      riskLevel: 'LOW',
      reviewDueAt: due,
      snapshot,
    });
    const row = stack.database.db
      .select()
      .from(applications)
      .where(eq(applications.id, input.applicationId))
      .get();
    expect(row).toMatchObject({ riskLevel: 'LOW', statusSeq: 0 });
    expect(row?.reviewDueAt?.toISOString()).toBe(due);
    expect(row?.reviewSnapshot).not.toContain(p.idNumber);
    expect(readReviewSnapshot(stack.database.db, stack.config.piiKey, input.applicationId)).toEqual(
      snapshot,
    );

    // The status mirror still lands on a row the snapshot created, and the snapshot survives it.
    await acts.recordApplicationStatus(
      statusRecord({
        applicationId: input.applicationId,
        status: 'PENDING_REVIEW',
        nextAction: 'WAIT_FOR_REVIEW',
        seq: 4,
        at: new Date().toISOString(),
        reasons: [],
      }),
    );
    await acts.saveReviewSnapshot({
      applicationId: input.applicationId,
      riskLevel: 'HIGH',
      reviewDueAt: null,
      snapshot: { ...snapshot, flags: ['x'] },
    });
    const updated = stack.database.db
      .select()
      .from(applications)
      .where(eq(applications.id, input.applicationId))
      .get();
    expect(updated).toMatchObject({
      riskLevel: 'HIGH',
      reviewDueAt: null,
      statusSeq: 4,
      status: 'PENDING_REVIEW',
    });
    expect(
      readReviewSnapshot(stack.database.db, stack.config.piiKey, input.applicationId),
    ).toMatchObject({ flags: ['x'] });

    erasePersonKey(stack.database.db, personIdOf(stack.config.piiKey, p.idNumber));
    expect(
      readReviewSnapshot(stack.database.db, stack.config.piiKey, input.applicationId),
    ).toBeNull();
  });
});
