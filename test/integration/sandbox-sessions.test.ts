// The sandbox, watch-list and session routes through the real API, and their absence with SANDBOX=0.
import { createVerifier } from 'fast-jwt';
import Fastify, { type FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import { applicantLogins, watchlist } from '../../db/sqlite/schema';
import { hashPassword, needsRehash } from '../../crypto/password-hash';
import { hashUnderOlderParameters } from '../helpers/older-hashes';
import { PEOPLE } from '../fixtures/id-card';
import { apply, bearer, freshPerson, openBankAccount, verifyPhone } from '../helpers/onboarding';
import { applicant, bankCard, idNumber } from '../helpers/people';
import { startStack, type Stack } from '../helpers/stack';

let stack: Stack;
let ops: string;

beforeAll(async () => {
  stack = await startStack();
  ops = `Bearer ${stack.staffToken('ops')}`;
});
afterAll(async () => {
  await stack?.close();
});

function accountBody(overrides: Record<string, unknown> = {}) {
  const p = applicant();
  return {
    holderName: p.name,
    idNumber: p.idNumber,
    cardNumber: p.bankCardNumber,
    phone: p.phone,
    status: 'NORMAL',
    realNameVerified: true,
    ...overrides,
  };
}

describe('POST /v1/sandbox/bank-accounts', () => {
  it('creates an account for ops and answers 409 for a known card', async () => {
    const body = accountBody({ cardNumber: bankCard('621483001234567') });
    const created = await stack.api.inject({
      method: 'POST',
      url: '/v1/sandbox/bank-accounts',
      headers: { authorization: ops },
      payload: body,
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({
      accountId: expect.stringMatching(/^ba_/),
      holderName: body.holderName,
      idNumber: body.idNumber,
      cardNumber: `${'*'.repeat(body.cardNumber.length - 4)}${body.cardNumber.slice(-4)}`,
      status: 'NORMAL',
      realNameVerified: true,
    });
    const again = await stack.api.inject({
      method: 'POST',
      url: '/v1/sandbox/bank-accounts',
      headers: { authorization: ops },
      payload: { ...accountBody(), cardNumber: body.cardNumber },
    });
    expect(again.statusCode).toBe(409);
    expect(again.headers['content-type']).toContain('application/problem+json');
    expect(again.json()).toMatchObject({ status: 409, code: 'CONFLICT' });
  });

  it('validates the fields', async () => {
    const bad = await stack.api.inject({
      method: 'POST',
      url: '/v1/sandbox/bank-accounts',
      headers: { authorization: ops },
      payload: accountBody({ cardNumber: '4111111111111112', status: 'OPEN', holderName: 'Bob' }),
    });
    expect(bad.statusCode).toBe(400);
    expect(
      bad
        .json<{ errors: { field: string }[] }>()
        .errors.map((e) => e.field)
        .sort(),
    ).toEqual(['cardNumber', 'holderName', 'status']);
  });

  it('answers 401 without a token and 403 for other roles', async () => {
    const none = await stack.api.inject({
      method: 'POST',
      url: '/v1/sandbox/bank-accounts',
      payload: accountBody(),
    });
    expect(none.statusCode).toBe(401);
    const reviewer = await stack.api.inject({
      method: 'POST',
      url: '/v1/sandbox/bank-accounts',
      headers: { authorization: `Bearer ${stack.staffToken('reviewer')}` },
      payload: accountBody(),
    });
    expect(reviewer.statusCode).toBe(403);
    expect(reviewer.json()).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('is what eligibility reads', async () => {
    const body = accountBody({ status: 'FROZEN' });
    await stack.api.inject({
      method: 'POST',
      url: '/v1/sandbox/bank-accounts',
      headers: { authorization: ops },
      payload: body,
    });
    const acts = createActivities({ store: stack.store, config: stack.config });
    await expect(
      acts.checkEligibility({
        applicationId: randomUUID(),
        applicant: {
          name: body.holderName,
          idNumber: body.idNumber,
          phone: body.phone,
          bankCardNumber: body.cardNumber,
        },
        appVersion: '3.2.0',
        loginPasswordHash: await hashPassword('secret123'),
      }),
    ).resolves.toEqual({ ok: false, code: 'BANK_ACCOUNT_NOT_NORMAL' });
  });
});

describe('GET /v1/sandbox/outbox', () => {
  it('lists messages newest first, filtered by recipient, paginated', async () => {
    const acts = createActivities({ store: stack.store, config: stack.config });
    const phone = '13712345678';
    for (let i = 1; i <= 3; i++)
      await acts.notify({
        key: `${randomUUID()}:otp:${i}`,
        recipient: phone,
        channel: 'sms',
        template: 'OTP',
        params: { code: `00000${i}` },
      });
    await acts.notify({
      key: randomUUID(),
      recipient: '13787654321',
      channel: 'sms',
      template: 'OTP',
      params: { code: '999999' },
    });
    const first = await stack.api.inject({
      method: 'GET',
      url: `/v1/sandbox/outbox?recipient=${phone}&limit=2`,
      headers: { authorization: ops },
    });
    expect(first.statusCode).toBe(200);
    const page = first.json<{ items: any[]; nextCursor?: string }>();
    expect(page.items).toHaveLength(2);
    expect(page.items[0]).toEqual({
      recipient: phone,
      channel: 'sms',
      template: 'OTP',
      text: expect.stringContaining('000003'),
      createdAt: expect.any(String),
    });
    expect(page.items[1].text).toContain('000002');
    expect(page.nextCursor).toBeDefined();
    const second = await stack.api.inject({
      method: 'GET',
      url: `/v1/sandbox/outbox?recipient=${phone}&limit=2&cursor=${page.nextCursor}`,
      headers: { authorization: ops },
    });
    const rest = second.json<{ items: any[]; nextCursor?: string }>();
    expect(rest.items.map((m) => m.text)).toEqual([expect.stringContaining('000001')]);
    expect(rest.nextCursor).toBeUndefined();
  });

  it('answers 401 and 403', async () => {
    expect((await stack.api.inject({ method: 'GET', url: '/v1/sandbox/outbox' })).statusCode).toBe(
      401,
    );
    const reviewer = await stack.api.inject({
      method: 'GET',
      url: '/v1/sandbox/outbox',
      headers: { authorization: `Bearer ${stack.staffToken('reviewer')}` },
    });
    expect(reviewer.statusCode).toBe(403);
  });
});

describe('POST /v1/ops/watchlist', () => {
  it('adds one entry or a batch, and re-adding changes nothing', async () => {
    const one = await stack.api.inject({
      method: 'POST',
      url: '/v1/ops/watchlist',
      headers: { authorization: ops },
      payload: { name: '钱 多多', birthDate: '1970-01-02', source: 'UN' },
    });
    expect(one.statusCode).toBe(201);
    expect(one.json()).toMatchObject({ count: 1, added: 1, duplicates: 0 });
    const batch = await stack.api.inject({
      method: 'POST',
      url: '/v1/ops/watchlist',
      headers: { authorization: ops },
      payload: {
        entries: [
          { name: '钱多多', birthDate: '1970-01-02', source: 'UN' },
          { name: '孙悟空', source: 'PEP' },
        ],
      },
    });
    expect(batch.statusCode).toBe(201);
    expect(batch.json()).toMatchObject({ count: 2, added: 1, duplicates: 1 });
    const rows = stack.database.db.select().from(watchlist).all();
    expect(rows.map((r) => [r.name, r.birthDate, r.source])).toEqual([
      ['钱多多', '1970-01-02', 'UN'],
      ['孙悟空', null, 'PEP'],
    ]);
    const acts = createActivities({ store: stack.store, config: stack.config });
    const screened = await acts.screenApplicant({
      applicationId: randomUUID(),
      name: '钱多多',
      idNumber: idNumber('110105', '19700102', '123'),
      bankCardNumber: bankCard('621483009876543'),
      photoRef: null,
    });
    expect(screened.flags.map((f) => f.code)).toEqual(['WATCHLIST_MATCH']);
  });

  it.each([
    [{ name: '钱多多' }],
    [{ entries: [] }],
    [{ entries: [{ name: '钱多多', source: 'UN' }], name: '钱多多', source: 'UN' }],
    [{ name: '钱多多', source: 'UN', birthDate: '1970-02-30' }],
  ])('answers 400 for %j', async (payload) => {
    const response = await stack.api.inject({
      method: 'POST',
      url: '/v1/ops/watchlist',
      headers: { authorization: ops },
      payload,
    });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toContain('application/problem+json');
  });

  it('is for ops only', async () => {
    const response = await stack.api.inject({
      method: 'POST',
      url: '/v1/ops/watchlist',
      headers: { authorization: `Bearer ${stack.staffToken('reviewer')}` },
      payload: { name: '钱多多', source: 'UN' },
    });
    expect(response.statusCode).toBe(403);
  });
});

describe('POST /v1/sessions', () => {
  const phone = '13698765432';
  let newest: string;

  /** An application of `phone` whose applicant proved the phone with its code. */
  async function verifiedApplication(applicantPhone: string, loginPassword: string) {
    const { applicationId, applicantToken } = await unverifiedApplication(
      applicantPhone,
      loginPassword,
    );
    await verifyPhone(stack, applicationId, applicantToken, applicantPhone);
    return { applicationId, applicantToken };
  }

  /** An eligible application of `phone` (its own person and bank account), code not entered. */
  async function unverifiedApplication(applicantPhone: string, loginPassword: string) {
    const a = { ...freshPerson(PEOPLE[1]!), phone: applicantPhone };
    await openBankAccount(stack, a);
    const res = await apply(stack, a, { loginPassword });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ applicationId: string; applicantToken: string }>();
  }

  const signIn = (signInPhone: string, password: string) =>
    stack.api.inject({
      method: 'POST',
      url: '/v1/sessions',
      payload: { phone: signInPhone, password },
    });

  beforeAll(async () => {
    // Two verified applications by one phone: the session is for the more recent one.
    await verifiedApplication(phone, 'oldpass123');
    newest = (await verifiedApplication(phone, 'newpass456')).applicationId;
  });

  it('answers an applicant token for the most recent application', async () => {
    const response = await signIn(phone, 'newpass456');
    expect(response.statusCode).toBe(200);
    const { token, applicationId } = response.json<{ token: string; applicationId: string }>();
    expect(applicationId).toBe(newest);
    expect(createVerifier({ key: stack.config.authSecret })(token)).toMatchObject({
      role: 'applicant',
      applicationId: newest,
    });
  });

  it("is not taken over by a stranger's unverified application with the same phone", async () => {
    const victimPhone = '13655501234';
    const victim = await verifiedApplication(victimPhone, 'victim1234');
    expect((await signIn(victimPhone, 'victim1234')).json().applicationId).toBe(
      victim.applicationId,
    );

    // The stranger applies with their own bank account and the victim's phone, and never
    // enters the code that went to the victim.
    const stranger = await unverifiedApplication(victimPhone, 'stranger99');
    const afterStranger = await signIn(victimPhone, 'victim1234');
    expect(afterStranger.statusCode, afterStranger.body).toBe(200);
    expect(afterStranger.json().applicationId).toBe(victim.applicationId);
    expect((await signIn(victimPhone, 'stranger99')).statusCode).toBe(401);

    const cancelled = await stack.api.inject({
      method: 'POST',
      url: `/v1/applications/${stranger.applicationId}/cancel`,
      headers: bearer(stranger.applicantToken),
      payload: {},
    });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    const afterCancel = await signIn(victimPhone, 'victim1234');
    expect(afterCancel.statusCode).toBe(200);
    expect(afterCancel.json().applicationId).toBe(victim.applicationId);
  });

  it('replaces a login hash under older parameters on the first right password', async () => {
    const olderPhone = '13612345678';
    const older = await hashUnderOlderParameters('secret123');
    const { applicationId } = await verifiedApplication(olderPhone, 'secret123');
    stack.database.db
      .update(applicantLogins)
      .set({ passwordHash: older })
      .where(eq(applicantLogins.applicationId, applicationId))
      .run();
    const stored = () =>
      stack.database.db
        .select({ hash: applicantLogins.passwordHash })
        .from(applicantLogins)
        .where(eq(applicantLogins.applicationId, applicationId))
        .get()!.hash;
    const signIn = (password: string) =>
      stack.api.inject({
        method: 'POST',
        url: '/v1/sessions',
        payload: { phone: olderPhone, password },
      });

    expect((await signIn('secret124')).statusCode).toBe(401);
    expect(stored()).toBe(older);
    expect((await signIn('secret123')).statusCode).toBe(200);
    const upgraded = stored();
    expect(upgraded).toMatch(/^\$argon2id\$/);
    expect(needsRehash(upgraded)).toBe(false);
    expect((await signIn('secret123')).statusCode).toBe(200);
    expect((await signIn('secret124')).statusCode).toBe(401);
    expect(stored()).toBe(upgraded);
  });

  it('answers the same 401 for a wrong password, an unknown phone or a malformed one', async () => {
    const answers = [];
    for (const payload of [
      { phone, password: 'oldpass123' },
      { phone: '13600000000', password: 'newpass456' },
      { phone: 'nonsense', password: 'x' },
    ]) {
      const started = process.hrtime.bigint();
      const response = await stack.api.inject({ method: 'POST', url: '/v1/sessions', payload });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      expect(response.statusCode).toBe(401);
      expect(response.headers['content-type']).toContain('application/problem+json');
      answers.push({ body: response.json(), ms });
    }
    expect(new Set(answers.map((a) => JSON.stringify(a.body))).size).toBe(1);
    expect(answers[0]!.body).toMatchObject({ code: 'UNAUTHORIZED' });
    // Every answer paid for one slow hash: none is several times faster than the others.
    const times = answers.map((a) => a.ms);
    expect(Math.min(...times)).toBeGreaterThan(Math.max(...times) / 5);
  });

  it('slows down guessing: 429 with Retry-After after ten tries for one phone', async () => {
    const responses = [];
    for (let i = 0; i < 11; i++)
      responses.push(
        await stack.api.inject({
          method: 'POST',
          url: '/v1/sessions',
          payload: { phone: '13511112222', password: `guess${i}abc` },
        }),
      );
    expect(responses.map((r) => r.statusCode)).toEqual([...Array<number>(10).fill(401), 429]);
    const last = responses[10]!;
    expect(last.headers['retry-after']).toMatch(/^\d+$/);
    expect(last.json()).toMatchObject({ status: 429, code: 'TOO_MANY_REQUESTS' });
    // Another phone is counted on its own.
    const other = await stack.api.inject({
      method: 'POST',
      url: '/v1/sessions',
      payload: { phone, password: 'newpass456' },
    });
    expect(other.statusCode).toBe(200);
  });

  it('answers 400 for a body of the wrong shape', async () => {
    const response = await stack.api.inject({
      method: 'POST',
      url: '/v1/sessions',
      payload: { phone },
    });
    expect(response.statusCode).toBe(400);
  });
});

describe('SANDBOX=0', () => {
  let real: Stack;
  let fake: FastifyInstance;

  beforeAll(async () => {
    fake = Fastify();
    fake.get('/accounts/:card', async (_request, reply) => reply.code(404).send());
    fake.post('/sms', async (_request, reply) => reply.code(202).send());
    const base = await fake.listen({ host: '127.0.0.1', port: 0 });
    real = await startStack({
      SANDBOX: '0',
      CORE_BANKING_URL: base,
      SMS_WEBHOOK_URL: `${base}/sms`,
    });
  });
  afterAll(async () => {
    await real?.close();
    await fake?.close();
  });

  it('has no sandbox routes, but keeps ops and session routes', async () => {
    const token = `Bearer ${real.staffToken('ops')}`;
    const create = await real.api.inject({
      method: 'POST',
      url: '/v1/sandbox/bank-accounts',
      headers: { authorization: token },
      payload: accountBody(),
    });
    expect(create.statusCode).toBe(404);
    expect(create.json()).toMatchObject({ code: 'NOT_FOUND' });
    const list = await real.api.inject({
      method: 'GET',
      url: '/v1/sandbox/outbox',
      headers: { authorization: token },
    });
    expect(list.statusCode).toBe(404);
    const watch = await real.api.inject({
      method: 'POST',
      url: '/v1/ops/watchlist',
      headers: { authorization: token },
      payload: { name: '钱多多', source: 'UN' },
    });
    expect(watch.statusCode).toBe(201);
    const session = await real.api.inject({
      method: 'POST',
      url: '/v1/sessions',
      payload: { phone: '13800138000', password: 'secret123' },
    });
    expect(session.statusCode).toBe(401);
  });

  it('looks bank accounts up through CORE_BANKING_URL', async () => {
    const acts = createActivities({ store: real.store, config: real.config });
    const p = applicant();
    await expect(
      acts.checkEligibility({
        applicationId: randomUUID(),
        applicant: p,
        appVersion: '3.2.0',
        loginPasswordHash: await hashPassword('secret123'),
      }),
    ).resolves.toEqual({ ok: false, code: 'BANK_ACCOUNT_NOT_FOUND' });
  });
});
