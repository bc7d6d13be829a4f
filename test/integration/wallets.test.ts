// SPEC §2 and §5 through the HTTP API: a wallet opened end to end (real Temporal, real photo
// pipeline) is topped up, pays, is frozen by risk monitoring and unfrozen by ops; further
// wallets are inserted directly for the rules that need no onboarding.
import { randomBytes, randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, wallets } from '../../db/sqlite/schema';
import { TIER_LIMITS, type Tier } from '../../domain/tiers';
import { hashPassword } from '../../crypto/password-hash';
import { createSigner } from 'fast-jwt';
import { applicantClaims, TOKEN_ALGORITHM, TOKEN_ISSUER } from '../../api/tokens';
import { PEOPLE } from '../fixtures/id-card';
import {
  bearer,
  driveToActive,
  freshPerson,
  TEST_PAYMENT_PASSWORD,
  outboxFor,
  type Applicant,
} from '../helpers/onboarding';
import { eventually } from '../helpers/eventually';
import { startStack, type Stack } from '../helpers/stack';

const PASSWORD = TEST_PAYMENT_PASSWORD;
const STANDARD = TIER_LIMITS.STANDARD;

let stack: Stack;
let owner: Applicant;
let walletId: string;
let ownerToken: string;
let passwordHash: string;

beforeAll(async () => {
  stack = await startStack({}, { photo: true });
  passwordHash = await hashPassword(PASSWORD);
  owner = freshPerson(PEOPLE[0]!);
  const active = await driveToActive(stack, owner);
  expect(active.tier).toBe('STANDARD');
  walletId = active.walletId;
  ownerToken = active.token;
});
afterAll(async () => {
  await stack?.close();
});

/** A wallet row made directly (no onboarding), with its owner's token. */
function directWallet(tier: Tier = 'GUARDIAN', balance = 0) {
  const id = `w_${randomBytes(12).toString('hex')}`;
  const applicationId = randomUUID();
  stack.database.db
    .insert(wallets)
    .values({
      id,
      applicationId,
      personId: `person-${id}`,
      tier,
      status: 'ACTIVE',
      balance,
      paymentPasswordHash: passwordHash,
      createdAt: new Date(),
      updatedAt: new Date(),
    })
    .run();
  // The token POST /v1/applications would have handed out for that application.
  const sign = createSigner({
    key: stack.config.authSecret,
    algorithm: TOKEN_ALGORITHM,
    expiresIn: '1h',
    iss: TOKEN_ISSUER,
  });
  return { id, token: sign({ ...applicantClaims(applicationId) }) };
}

let keySerial = 0;
const newKey = () => `key-${Date.now()}-${++keySerial}`;

function post(
  url: string,
  token: string | null,
  payload: Record<string, unknown> | undefined,
  key: string | null = newKey(),
) {
  return stack.api.inject({
    method: 'POST',
    url,
    headers: {
      ...(token ? bearer(token) : {}),
      ...(key ? { 'idempotency-key': key } : {}),
    },
    ...(payload ? { payload } : {}),
  });
}

function get(url: string, token: string) {
  return stack.api.inject({ method: 'GET', url, headers: bearer(token) });
}

const ops = () => stack.staffToken('ops', 'olga');

describe('reading a wallet', () => {
  it('shows the owner and ops its tier, limits and balance', async () => {
    const res = await get(`/v1/wallets/${walletId}`, ownerToken);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      walletId,
      status: 'ACTIVE',
      tier: 'STANDARD',
      balance: 0,
      limits: STANDARD,
      createdAt: expect.any(String),
    });
    expect((await get(`/v1/wallets/${walletId}`, ops())).statusCode).toBe(200);
  });

  it("answers 404 for someone else's wallet, 403 for reviewers, 401 without a token", async () => {
    const other = directWallet();
    expect((await get(`/v1/wallets/${walletId}`, other.token)).statusCode).toBe(404);
    expect((await get(`/v1/wallets/${walletId}/transactions`, other.token)).statusCode).toBe(404);
    const topUp = await post(`/v1/wallets/${walletId}/top-ups`, other.token, { amount: 1 });
    expect(topUp.statusCode).toBe(404);
    expect((await get(`/v1/wallets/w_unknown`, ops())).json().code).toBe('NOT_FOUND');
    const reviewer = stack.staffToken('reviewer', 'rita');
    expect((await get(`/v1/wallets/${walletId}`, reviewer)).statusCode).toBe(403);
    const anonymous = await stack.api.inject({ method: 'GET', url: `/v1/wallets/${walletId}` });
    expect(anonymous.statusCode).toBe(401);
    // Money moves only at the owner's request.
    expect((await post(`/v1/wallets/${walletId}/top-ups`, ops(), { amount: 1 })).statusCode).toBe(
      403,
    );
  });
});

describe('moving money', () => {
  it('tops up once per Idempotency-Key', async () => {
    const url = `/v1/wallets/${walletId}/top-ups`;
    const first = await post(url, ownerToken, { amount: 100_000 }, 'topup-1');
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toMatchObject({
      transaction: { type: 'TOP_UP', amount: 100_000, balanceAfter: 100_000, status: 'COMPLETED' },
      balance: 100_000,
    });
    const replay = await post(url, ownerToken, { amount: 100_000 }, 'topup-1');
    expect(replay.statusCode).toBe(200);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json()).toEqual(first.json());

    const reused = await post(url, ownerToken, { amount: 100_001 }, 'topup-1');
    expect(reused.statusCode).toBe(422);
    expect(reused.headers['content-type']).toContain('application/problem+json');
    expect(reused.json().code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect((await get(`/v1/wallets/${walletId}`, ownerToken)).json().balance).toBe(100_000);
  });

  it('requires the Idempotency-Key and a positive whole amount of fen', async () => {
    const url = `/v1/wallets/${walletId}/top-ups`;
    const noKey = await post(url, ownerToken, { amount: 1 }, null);
    expect(noKey.statusCode).toBe(400);
    expect(noKey.json().errors).toEqual([{ field: 'idempotency-key', code: 'REQUIRED' }]);
    for (const amount of [0, -1, 1.5, '100', 2 ** 53, null]) {
      const res = await post(url, ownerToken, { amount });
      expect(res.statusCode, String(amount)).toBe(400);
      expect(res.json().errors).toEqual([{ field: 'amount', code: 'INVALID_VALUE' }]);
    }
    const missing = await post(`/v1/wallets/${walletId}/payments`, ownerToken, { amount: 1 });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().errors).toEqual(
      expect.arrayContaining([
        { field: 'merchantId', code: 'REQUIRED' },
        { field: 'paymentPassword', code: 'REQUIRED' },
      ]),
    );
  });

  it('pays and withdraws with the payment password, and keeps the history', async () => {
    const pay = (payload: Record<string, unknown>, key?: string) =>
      post(`/v1/wallets/${walletId}/payments`, ownerToken, payload, key);
    const wrong = await pay({ amount: 2_500, merchantId: 'm_coffee', paymentPassword: '000000' });
    expect(wrong.statusCode).toBe(422);
    expect(wrong.json()).toMatchObject({ code: 'PAYMENT_PASSWORD_INVALID', attemptsLeft: 4 });

    const paid = await pay({ amount: 2_500, merchantId: 'm_coffee', paymentPassword: PASSWORD });
    expect(paid.statusCode, paid.body).toBe(201);
    expect(paid.json()).toMatchObject({
      transaction: { type: 'PAYMENT', amount: 2_500, merchantId: 'm_coffee' },
      balance: 97_500,
    });
    const withdrawn = await post(`/v1/wallets/${walletId}/withdrawals`, ownerToken, {
      amount: 7_500,
      paymentPassword: PASSWORD,
    });
    expect(withdrawn.statusCode, withdrawn.body).toBe(201);
    expect(withdrawn.json().balance).toBe(90_000);
    const short = await post(`/v1/wallets/${walletId}/withdrawals`, ownerToken, {
      amount: 90_001,
      paymentPassword: PASSWORD,
    });
    expect(short.statusCode).toBe(422);
    expect(short.json().code).toBe('INSUFFICIENT_BALANCE');

    const page1 = await get(`/v1/wallets/${walletId}/transactions?limit=2`, ownerToken);
    expect(page1.statusCode, page1.body).toBe(200);
    expect(page1.json().items.map((t: { type: string }) => t.type)).toEqual([
      'WITHDRAWAL',
      'PAYMENT',
    ]);
    const page2 = await get(
      `/v1/wallets/${walletId}/transactions?limit=2&cursor=${page1.json().nextCursor}`,
      ops(),
    );
    expect(page2.json()).toEqual({ items: [expect.objectContaining({ type: 'TOP_UP' })] });
    const bad = await get(`/v1/wallets/${walletId}/transactions?limit=0`, ownerToken);
    expect(bad.statusCode).toBe(400);
  });

  it('of concurrent payments that together exceed the balance, exactly one goes through', async () => {
    const w = directWallet('GUARDIAN', 1_000);
    const results = await Promise.all(
      Array.from({ length: 4 }, () =>
        post(`/v1/wallets/${w.id}/payments`, w.token, {
          amount: 600,
          merchantId: 'm_shop',
          paymentPassword: PASSWORD,
        }),
      ),
    );
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 422, 422, 422]);
    for (const r of results.filter((x) => x.statusCode === 422))
      expect(r.json().code).toBe('INSUFFICIENT_BALANCE');
    expect((await get(`/v1/wallets/${w.id}`, w.token)).json().balance).toBe(400);
  });

  it('replays concurrent retries of one payment as the one payment', async () => {
    const w = directWallet('GUARDIAN', 1_000);
    const body = { amount: 300, merchantId: 'm_shop', paymentPassword: PASSWORD };
    const results = await Promise.all(
      [1, 2, 3].map(() => post(`/v1/wallets/${w.id}/payments`, w.token, body, 'retry-me')),
    );
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 200, 201]);
    expect(new Set(results.map((r) => r.json().transaction.transactionId)).size).toBe(1);
    expect((await get(`/v1/wallets/${w.id}`, w.token)).json().balance).toBe(700);
  });

  it('locks payments after 5 wrong payment passwords', async () => {
    const w = directWallet('GUARDIAN', 1_000);
    const pay = (paymentPassword: string) =>
      post(`/v1/wallets/${w.id}/payments`, w.token, {
        amount: 100,
        merchantId: 'm_shop',
        paymentPassword,
      });
    for (let left = 4; left >= 1; left--)
      expect((await pay('111111')).json()).toMatchObject({
        code: 'PAYMENT_PASSWORD_INVALID',
        attemptsLeft: left,
      });
    const fifth = await pay('111111');
    expect(fifth.statusCode).toBe(422);
    expect(fifth.json()).toMatchObject({ code: 'PAYMENT_PASSWORD_LOCKED', attemptsLeft: 0 });
    expect(Date.parse(fifth.json().lockedUntil)).toBeGreaterThan(Date.now() + 23.9 * 3600_000);
    expect((await pay(PASSWORD)).json().code).toBe('PAYMENT_PASSWORD_LOCKED');
    expect((await get(`/v1/wallets/${w.id}`, w.token)).json().balance).toBe(1_000);
  });
});

describe('risk monitoring and ops', () => {
  it('freezes on a payment over the single-payment limit, notifies the owner; ops unfreeze', async () => {
    const over = await post(`/v1/wallets/${walletId}/payments`, ownerToken, {
      amount: STANDARD.singlePayment + 1,
      merchantId: 'm_big',
      paymentPassword: PASSWORD,
    });
    expect(over.statusCode).toBe(422);
    expect(over.json()).toMatchObject({ code: 'LIMIT_EXCEEDED', walletFrozen: true });

    expect((await get(`/v1/wallets/${walletId}`, ownerToken)).json()).toMatchObject({
      status: 'FROZEN',
      balance: 90_000,
    });
    expect((await get(`/v1/wallets/${walletId}`, ownerToken)).json().frozenReason).toBeUndefined();
    expect((await get(`/v1/wallets/${walletId}`, ops())).json()).toMatchObject({
      status: 'FROZEN',
      frozenReason: 'SINGLE_PAYMENT_LIMIT',
    });
    for (const [path, body] of [
      ['top-ups', { amount: 1 }],
      ['withdrawals', { amount: 1, paymentPassword: PASSWORD }],
      ['payments', { amount: 1, merchantId: 'm', paymentPassword: PASSWORD }],
    ] as const) {
      const res = await post(`/v1/wallets/${walletId}/${path}`, ownerToken, body);
      expect(res.statusCode, path).toBe(422);
      expect(res.json().code, path).toBe('WALLET_FROZEN');
    }
    // Queued with the freeze, sent by its own workflow through the one notify path.
    const frozenNotice = await eventually(
      async () => (await outboxFor(stack, owner.phone))[0],
      (m) => m?.template === 'WALLET_FROZEN',
    );
    expect(frozenNotice).toMatchObject({ template: 'WALLET_FROZEN', channel: 'sms' });

    const asOwner = await post(`/v1/wallets/${walletId}/unfreeze`, ownerToken, {});
    expect(asOwner.statusCode).toBe(403);
    const reviewer = stack.staffToken('reviewer', 'rita');
    expect((await post(`/v1/wallets/${walletId}/unfreeze`, reviewer, {})).statusCode).toBe(403);
    const unfrozen = await post(`/v1/wallets/${walletId}/unfreeze`, ops(), {
      reason: 'owner confirmed by phone',
    });
    expect(unfrozen.statusCode, unfrozen.body).toBe(200);
    expect(unfrozen.json()).toMatchObject({ walletId, status: 'ACTIVE' });
    const unfrozenNotice = await eventually(
      async () => (await outboxFor(stack, owner.phone))[0],
      (m) => m?.template === 'WALLET_UNFROZEN',
    );
    expect(unfrozenNotice).toMatchObject({ template: 'WALLET_UNFROZEN' });

    const audit = stack.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.subjectType, 'wallet'), eq(auditLog.subjectId, walletId)))
      .all();
    expect(audit.map((a) => [a.action, a.actor])).toEqual([
      ['WALLET_CREATED', 'system'],
      ['WALLET_FROZEN', 'risk-monitor'],
      ['WALLET_UNFROZEN', 'ops:olga'],
    ]);
    expect(audit[2]!.detail).toMatchObject({ reason: 'owner confirmed by phone' });
    const again = await post(`/v1/wallets/${walletId}/top-ups`, ownerToken, { amount: 1 });
    expect(again.statusCode).toBe(201);
  });

  it('freezes on the 6th payment within 10 minutes', async () => {
    const w = directWallet('GUARDIAN', 10_000);
    const pay = () =>
      post(`/v1/wallets/${w.id}/payments`, w.token, {
        amount: 100,
        merchantId: 'm_shop',
        paymentPassword: PASSWORD,
      });
    for (let i = 0; i < 5; i++) expect((await pay()).statusCode).toBe(201);
    const sixth = await pay();
    expect(sixth.statusCode).toBe(422);
    expect(sixth.json()).toMatchObject({ code: 'WALLET_FROZEN', walletFrozen: true });
    expect((await get(`/v1/wallets/${w.id}`, ops())).json()).toMatchObject({
      status: 'FROZEN',
      frozenReason: 'PAYMENT_VELOCITY',
      balance: 9_500,
    });
  });

  it('lets ops freeze by hand, with or without a reason; a closed wallet is a 409', async () => {
    const w = directWallet();
    const frozen = await post(`/v1/wallets/${w.id}/freeze`, ops(), undefined);
    expect(frozen.statusCode, frozen.body).toBe(200);
    expect(frozen.json()).toMatchObject({ status: 'FROZEN', frozenReason: 'OPS' });
    expect((await post(`/v1/wallets/${w.id}/top-ups`, w.token, { amount: 1 })).statusCode).toBe(
      422,
    );
    expect((await post(`/v1/wallets/${w.id}/unfreeze`, ops(), {})).json().status).toBe('ACTIVE');

    stack.database.db.update(wallets).set({ status: 'CLOSED' }).where(eq(wallets.id, w.id)).run();
    const closed = await post(`/v1/wallets/${w.id}/top-ups`, w.token, { amount: 1 });
    expect(closed.statusCode).toBe(409);
    expect(closed.json().code).toBe('INVALID_STATE');
    expect((await post(`/v1/wallets/${w.id}/freeze`, ops(), {})).statusCode).toBe(409);
    expect((await post('/v1/wallets/w_nope/freeze', ops(), {})).statusCode).toBe(404);
  });
});
