// SPEC §5 roles, route by route: every route the app registers × every kind of caller. Bad
// tokens (none, expired, signed with another secret, `alg: none`) are 401 everywhere but on the
// public routes; another applicant's application or wallet is a 404; a role the spec does not
// name is a 403; the roles it names get past authentication and authorisation (their answer may
// still be a 4xx for the state or the body, never 401, 403 or 404). Reviewers never move money
// and applicants never decide. A route added without a row here fails the first test.
import { createSigner } from 'fast-jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../api/tokens';
import { signStaffToken, staffClaims, TOKEN_ALGORITHM, TOKEN_ISSUER } from '../../api/tokens';
import { PEOPLE } from '../fixtures/id-card';
import {
  apply,
  bearer,
  driveToActive,
  freshPerson,
  TEST_PAYMENT_PASSWORD,
  openBankAccount,
} from '../helpers/onboarding';
import { watchlist } from '../../db/sqlite/schema';
import { bankCard, idNumber } from '../helpers/people';
import { startStack, type Stack } from '../helpers/stack';

const PASSWORD = TEST_PAYMENT_PASSWORD;
const BAD_CALLERS = ['no token', 'expired token', 'other secret', 'alg none'] as const;
const CALLERS = [
  ...BAD_CALLERS,
  'other applicant',
  'reviewer',
  'ops',
  'merchant',
  'owner',
] as const;
type Caller = (typeof CALLERS)[number];

let stack: Stack;
let appId: string;
let ownerToken: string;
let walletId: string;
let bankAccountId: string;
let strangerToken: string;

beforeAll(async () => {
  stack = await startStack({}, { photo: true });
  const owner = freshPerson(PEOPLE[0]!);
  const active = await driveToActive(stack, owner);
  appId = active.applicationId;
  ownerToken = active.token;
  walletId = active.walletId;
  bankAccountId = (
    await stack.store.insertSandboxAccount(stack.config.piiKey, {
      holderName: '赵七',
      idNumber: idNumber('110105', '19850505', '977'),
      cardNumber: bankCard('622203009999999999'),
      status: 'NORMAL',
      realNameVerified: true,
    })
  ).id;

  const stranger = freshPerson(PEOPLE[1] ?? PEOPLE[0]!);
  await openBankAccount(stack, stranger);
  const created = await apply(stack, stranger);
  expect(created.statusCode, created.body).toBe(201);
  strangerToken = created.json().applicantToken;
});
afterAll(async () => {
  await stack?.close();
});

function tokenFor(caller: Caller): string | null {
  const now = Math.floor(Date.now() / 1000);
  const claims = staffClaims('ops', 'mallory');
  switch (caller) {
    case 'no token':
      return null;
    case 'expired token':
      return createSigner({
        key: stack.config.authSecret,
        algorithm: TOKEN_ALGORITHM,
        iss: TOKEN_ISSUER,
      })({ ...claims, iat: now - 7200, exp: now - 3600 });
    case 'other secret':
      return createSigner({
        key: 'another-secret-another-secret-another-secret',
        algorithm: TOKEN_ALGORITHM,
        expiresIn: '1h',
        iss: TOKEN_ISSUER,
      })({ ...claims });
    case 'alg none': {
      const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
      return `${part({ alg: 'none', typ: 'JWT' })}.${part({ ...claims, iss: TOKEN_ISSUER, iat: now, exp: now + 3600 })}.`;
    }
    case 'other applicant':
      return strangerToken;
    case 'reviewer':
      return stack.staffToken('reviewer', 'rita');
    case 'ops':
      return stack.staffToken('ops', 'olga');
    case 'merchant':
      return signStaffToken(stack.config.authSecret, 'merchant', 'm_matrix');
    case 'owner':
      return ownerToken;
  }
}

interface Row {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** As registered, with `:id`. */
  path: string;
  /** 'public', or the roles SPEC §5 names ('applicant' = the owner only). */
  allow: 'public' | Role[];
  /** The id put in `:id`. */
  id?: () => string;
  body?: () => unknown;
  /** What the owner sends instead, where the valid body would do something irreversible. */
  ownerBody?: unknown;
  contentType?: string;
  money?: boolean;
  /** Appended to the path. */
  query?: string;
  /** The route acts on no one's resource: another applicant is let through like the owner. */
  noOwner?: boolean;
  /** The route acts on the caller's own session, not on `:id`: any applicant is its owner. */
  ownSession?: boolean;
}

const app = () => appId;
const wallet = () => walletId;
let serial = 0;

// In the order they run: the wallet's deregistration is started, looked at and cancelled.
const ROWS: Row[] = [
  { method: 'GET', path: '/healthz', allow: 'public' },
  { method: 'GET', path: '/readyz', allow: 'public' },
  { method: 'POST', path: '/v1/applications', allow: 'public', body: () => ({}) },
  { method: 'POST', path: '/v1/sessions', allow: 'public', body: () => ({}) },
  { method: 'POST', path: '/v1/sessions/verify', allow: 'public', body: () => ({}) },
  { method: 'POST', path: '/v1/password-resets', allow: 'public', body: () => ({}) },
  { method: 'POST', path: '/v1/password-resets/verify', allow: 'public', body: () => ({}) },
  {
    method: 'PUT',
    path: '/v1/sessions/password',
    allow: ['applicant'],
    ownSession: true,
    body: () => ({}),
  },
  { method: 'GET', path: '/v1/applications/:id', allow: ['applicant', 'reviewer', 'ops'], id: app },
  {
    method: 'POST',
    path: '/v1/applications/:id/otp',
    allow: ['applicant'],
    id: app,
    body: () => ({}),
  },
  {
    method: 'POST',
    path: '/v1/applications/:id/otp/verify',
    allow: ['applicant'],
    id: app,
    body: () => ({ code: '123456' }),
  },
  {
    method: 'PUT',
    path: '/v1/applications/:id/id-photo',
    allow: ['applicant'],
    id: app,
    contentType: 'image/jpeg',
    body: () => Buffer.from([0xff, 0xd8, 0xff, 0xd9]),
  },
  { method: 'GET', path: '/v1/applications/:id/id-photo', allow: ['reviewer', 'ops'], id: app },
  {
    method: 'POST',
    path: '/v1/applications/:id/guardian-consent',
    allow: ['applicant'],
    id: app,
    body: () => ({
      name: '王芳',
      idNumber: idNumber('110105', '19700101', '123'),
      phone: '13700000000',
      relationship: 'PARENT',
    }),
  },
  {
    method: 'POST',
    path: '/v1/applications/:id/resubmission',
    allow: ['applicant'],
    id: app,
    body: () => ({}),
  },
  {
    method: 'POST',
    path: '/v1/applications/:id/payment-password',
    allow: ['applicant'],
    id: app,
    body: () => ({ paymentPassword: '135790' }),
  },
  {
    method: 'POST',
    path: '/v1/applications/:id/cancel',
    allow: ['applicant'],
    id: app,
    body: () => ({}),
  },
  { method: 'GET', path: '/v1/reviews', allow: ['reviewer'] },
  {
    method: 'POST',
    path: '/v1/applications/:id/decision',
    allow: ['reviewer'],
    id: app,
    body: () => ({ decision: 'APPROVE' }),
  },
  { method: 'POST', path: '/v1/applications/:id/claim', allow: ['reviewer'], id: app },
  {
    method: 'POST',
    path: '/v1/applications/:id/release',
    allow: ['reviewer', 'ops'],
    id: app,
  },
  { method: 'GET', path: '/v1/wallets/:id', allow: ['applicant', 'ops'], id: wallet },
  {
    method: 'POST',
    path: '/v1/wallets/:id/top-ups',
    allow: ['applicant'],
    id: wallet,
    money: true,
    body: () => ({ amount: 1000 }),
  },
  {
    method: 'POST',
    path: '/v1/wallets/:id/withdrawals',
    allow: ['applicant'],
    id: wallet,
    money: true,
    body: () => ({ amount: 100, paymentPassword: PASSWORD }),
  },
  {
    method: 'POST',
    path: '/v1/wallets/:id/payments',
    allow: ['applicant'],
    id: wallet,
    money: true,
    body: () => ({ amount: 100, merchantId: 'm_matrix', paymentPassword: PASSWORD }),
  },
  { method: 'GET', path: '/v1/wallets/:id/transactions', allow: ['applicant', 'ops'], id: wallet },
  {
    method: 'POST',
    path: '/v1/wallets/:id/transfers',
    allow: ['applicant'],
    id: wallet,
    money: true,
    // Nobody has this phone: the owner gets past authorisation and moves nothing.
    body: () => ({ toPhone: '13900000001', amount: 100, paymentPassword: PASSWORD }),
  },
  {
    method: 'GET',
    path: '/v1/wallets/recipients',
    allow: ['applicant'],
    query: '?phone=13900000001',
    noOwner: true,
  },
  { method: 'POST', path: '/v1/wallets/:id/payment-codes', allow: ['applicant'], id: wallet },
  {
    method: 'POST',
    path: '/v1/merchant/charges',
    allow: ['merchant'],
    money: true,
    body: () => ({ paymentCode: '000000000000000000', amount: 100, merchantId: 'm_matrix' }),
  },
  { method: 'GET', path: '/v1/wallets/:id/statement', allow: ['applicant'], id: wallet },
  {
    method: 'PUT',
    path: '/v1/wallets/:id/payment-password',
    allow: ['applicant'],
    id: wallet,
    // A wrong old password: the owner hears 422 (one attempt of five), anyone else 404.
    body: () => ({ oldPaymentPassword: '000000', newPaymentPassword: '731592' }),
  },
  { method: 'POST', path: '/v1/wallets/:id/freeze', allow: ['ops'], id: wallet, body: () => ({}) },
  {
    method: 'POST',
    path: '/v1/wallets/:id/unfreeze',
    allow: ['ops'],
    id: wallet,
    body: () => ({}),
  },
  {
    method: 'POST',
    path: '/v1/wallets/:id/deregistration',
    allow: ['applicant'],
    id: wallet,
    body: () => ({ paymentPassword: PASSWORD }),
  },
  {
    method: 'GET',
    path: '/v1/wallets/:id/deregistration',
    allow: ['applicant', 'ops'],
    id: wallet,
  },
  {
    method: 'POST',
    path: '/v1/wallets/:id/deregistration/withdraw-all',
    allow: ['applicant'],
    id: wallet,
    body: () => ({ paymentPassword: PASSWORD }),
  },
  {
    method: 'POST',
    path: '/v1/wallets/:id/deregistration/confirm',
    allow: ['applicant'],
    id: wallet,
    body: () => ({}),
    // Confirming would close the wallet and erase its owner: an invalid body shows the owner
    // got past authorisation without doing it.
    ownerBody: [],
  },
  {
    method: 'POST',
    path: '/v1/wallets/:id/deregistration/cancel',
    allow: ['applicant'],
    id: wallet,
    body: () => ({}),
  },
  {
    method: 'POST',
    path: '/v1/sandbox/bank-accounts',
    allow: ['ops'],
    body: () => ({
      holderName: '赵六',
      idNumber: idNumber('110105', '19850505', String(100 + (serial % 800))),
      cardNumber: bankCard(`62220300${String(1_000_000_000 + ++serial * 7919).slice(-10)}`),
      status: 'NORMAL',
      realNameVerified: true,
    }),
  },
  {
    method: 'GET',
    path: '/v1/sandbox/bank-accounts/:accountId',
    allow: ['ops'],
    id: () => bankAccountId,
  },
  { method: 'GET', path: '/v1/sandbox/outbox', allow: ['ops'] },
  {
    method: 'POST',
    path: '/v1/ops/watchlist',
    allow: ['ops'],
    body: () => ({ name: '矩阵测试', source: 'MATRIX' }),
  },
  { method: 'GET', path: '/v1/ops/watchlist', allow: ['ops'] },
  // A fresh entry for each caller, so that an allowed caller has something to remove.
  {
    method: 'DELETE',
    path: '/v1/ops/watchlist/:id',
    allow: ['ops'],
    id: () =>
      String(
        stack.database.db
          .insert(watchlist)
          .values({
            entryKey: `matrix-${++serial}`,
            name: '矩阵删除',
            source: 'MATRIX',
            createdAt: new Date(),
          })
          .returning({ id: watchlist.id })
          .get().id,
      ),
  },
  { method: 'GET', path: '/v1/ops/alerts', allow: ['ops'] },
  { method: 'GET', path: '/v1/ops/audit', allow: ['ops'] },
  { method: 'GET', path: '/v1/ops/reconciliation', allow: ['ops'] },
  // The codec server for the Temporal UI (SPEC §6: requires the ops role).
  { method: 'POST', path: '/codec/decode', allow: ['ops'], body: () => ({ payloads: [] }) },
  { method: 'POST', path: '/codec/encode', allow: ['ops'], body: () => ({ payloads: [] }) },
  // The browser session that lets the Temporal UI decode (ops only to open; anyone may close).
  { method: 'POST', path: '/codec/session', allow: ['ops'] },
  { method: 'DELETE', path: '/codec/session', allow: 'public' },
  { method: 'GET', path: '/codec/login', allow: 'public' },
];

function expectedFor(row: Row, caller: Caller): 'allowed' | 401 | 403 | 404 {
  if (row.allow === 'public') return 'allowed';
  if ((BAD_CALLERS as readonly string[]).includes(caller)) return 401;
  const role: Role =
    caller === 'owner' || caller === 'other applicant' ? 'applicant' : (caller as Role);
  if (!row.allow.includes(role)) return 403;
  if (caller === 'other applicant' && !row.noOwner && !row.ownSession) return 404;
  return 'allowed';
}

async function call(row: Row, caller: Caller) {
  const token = tokenFor(caller);
  const body = caller === 'owner' && row.ownerBody !== undefined ? row.ownerBody : row.body?.();
  const url = row.path.replace(/:(id|accountId)\b/, row.id?.() ?? '') + (row.query ?? '');
  return stack.api.inject({
    method: row.method,
    url,
    headers: {
      ...(token ? bearer(token) : {}),
      ...(row.money
        ? { 'idempotency-key': `matrix-${caller.replace(/\W/g, '-')}-${++serial}` }
        : {}),
      ...(body !== undefined ? { 'content-type': row.contentType ?? 'application/json' } : {}),
    },
    ...(body !== undefined ? { payload: Buffer.isBuffer(body) ? body : JSON.stringify(body) } : {}),
  });
}

describe('authorisation matrix', () => {
  it('has a row for every route the app registers', async () => {
    // The OpenAPI document lists every route but the documentation's own (hidden) ones.
    const doc = (await stack.api.inject({ url: '/docs/json' })).json<{
      paths: Record<string, Record<string, unknown>>;
    }>();
    const registered = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.keys(methods)
        .filter((m) => m !== 'head')
        .map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    expect(ROWS.map((r) => `${r.method} ${r.path}`).sort()).toEqual(registered.sort());
  });

  it('answers each caller on each route as SPEC §5 says', async () => {
    const wrong: string[] = [];
    for (const row of ROWS)
      for (const caller of CALLERS) {
        const res = await call(row, caller);
        const expected = expectedFor(row, caller);
        const ok =
          expected === 'allowed'
            ? ![401, 403, 404].includes(res.statusCode) && res.statusCode < 500
            : res.statusCode === expected;
        const problem = res.statusCode >= 400;
        const shaped =
          !problem ||
          (/^application\/problem\+json/.test(String(res.headers['content-type'])) &&
            typeof res.json().code === 'string');
        if (!ok || !shaped)
          wrong.push(
            `${row.method} ${row.path} as ${caller}: expected ${expected}, got ${res.statusCode} ${res.body.slice(0, 200)}`,
          );
      }
    expect(wrong).toEqual([]);
  });

  it('serves the API documentation to anyone', async () => {
    for (const url of ['/docs', '/docs/json'])
      for (const caller of CALLERS) {
        const token = tokenFor(caller);
        const res = await stack.api.inject({ url, headers: token ? bearer(token) : {} });
        expect([200, 302], `${url} as ${caller}`).toContain(res.statusCode);
      }
  });

  it('leaves the wallet open and the application active', async () => {
    const res = await stack.api.inject({
      url: `/v1/wallets/${walletId}`,
      headers: bearer(ownerToken),
    });
    expect(res.json()).toMatchObject({ status: 'ACTIVE' });
    const application = await stack.api.inject({
      url: `/v1/applications/${appId}`,
      headers: bearer(ownerToken),
    });
    expect(application.json()).toMatchObject({ status: 'ACTIVE' });
  });
});
