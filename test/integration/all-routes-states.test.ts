// SPEC §5 "Nothing a client sends yields a 500", swept: every route the app registers (read from
// the app itself, so a new route cannot be left out), against an application in each status of
// SPEC §1 and a wallet ACTIVE, FROZEN and closed (its person erased), as its owner, a reviewer and
// ops. Each answer is 2xx/3xx, or 4xx problem+json; never 5xx.
import type { RouteOptions } from 'fastify';
import Fastify from 'fastify';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import app from '../../api/app';
import { signStaffToken } from '../../api/tokens';
import { serverOptions } from '../../api/build';
import { idCardPhoto, PEOPLE } from '../fixtures/id-card';
import { closeWallet } from '../helpers/full-flow';
import {
  apply,
  bearer,
  decide,
  driveToActive,
  driveToPendingReview,
  freshPerson,
  openBankAccount,
  TEST_PAYMENT_PASSWORD,
  uploadClearCard,
  verifyPhone,
  wrongCode,
  lastOtp,
  type Applicant,
} from '../helpers/onboarding';
import { applicationFor, bankAccountFor, birthForAge } from '../helpers/people';
import { startStack, type Stack } from '../helpers/stack';

let stack: Stack;
let routes: { method: string; url: string }[] = [];

beforeAll(async () => {
  stack = await startStack({ RATE_LIMIT_SCALE: '100' }, { photo: true });
  // The routes as the app registers them: a second instance of the same app, only listed.
  const lister = Fastify(serverOptions(stack.config, { logger: false }));
  lister.addHook('onRoute', (route: RouteOptions) => {
    for (const method of [route.method].flat())
      if (method !== 'HEAD' && method !== 'OPTIONS') routes.push({ method, url: route.url });
  });
  await lister.register(app, { config: stack.config });
  await lister.ready();
  await lister.close();
  routes = [...new Map(routes.map((r) => [`${r.method} ${r.url}`, r])).values()];
}, 180_000);
afterAll(async () => {
  await stack?.close();
});

interface Subject {
  state: string;
  a: Applicant;
  applicationId: string;
  token: string;
  walletId: string;
}

const NO_WALLET = 'w_0000000000000000deadbeef';
let tinyPng: Buffer;

/** What each route is sent: a body that passes its schema, so the handler itself is reached. */
function sample(route: string, s: Subject): { body?: unknown; raw?: Buffer; type?: string } {
  const guardian = freshPerson(PEOPLE[0]!);
  const table: Record<string, () => { body?: unknown; raw?: Buffer; type?: string }> = {
    'GET /healthz': () => ({}),
    'GET /readyz': () => ({}),
    'GET /docs': () => ({}),
    'GET /docs/': () => ({}),
    'GET /docs/json': () => ({}),
    'GET /docs/yaml': () => ({}),
    'GET /docs/static/*': () => ({}),
    'GET /docs/*': () => ({}),
    'GET /docs/static/index.html': () => ({}),
    'GET /docs/static/swagger-initializer.js': () => ({}),
    'POST /v1/applications': () => ({ body: applicationFor(s.a) }),
    'GET /v1/applications/:id': () => ({}),
    'POST /v1/applications/:id/otp': () => ({ body: {} }),
    'POST /v1/applications/:id/otp/verify': () => ({ body: { code: '000000' } }),
    'PUT /v1/applications/:id/id-photo': () => ({ raw: tinyPng, type: 'image/png' }),
    'GET /v1/applications/:id/id-photo': () => ({}),
    'POST /v1/applications/:id/guardian-consent': () => ({
      body: {
        name: guardian.person.name,
        idNumber: guardian.person.idNumber,
        phone: guardian.phone,
        relationship: 'PARENT',
      },
    }),
    'POST /v1/applications/:id/resubmission': () => ({ body: {} }),
    'POST /v1/applications/:id/payment-password': () => ({
      body: { paymentPassword: TEST_PAYMENT_PASSWORD },
    }),
    'POST /v1/applications/:id/cancel': () => ({ body: {} }),
    'GET /v1/reviews': () => ({}),
    'POST /v1/applications/:id/claim': () => ({ body: {} }),
    'POST /v1/applications/:id/release': () => ({ body: {} }),
    'POST /v1/applications/:id/decision': () => ({
      body: { decision: 'REJECT', reasonCode: 'OTHER', rejectType: 'RETRY' },
    }),
    'POST /v1/sessions': () => ({ body: { phone: s.a.phone, password: 'secret123' } }),
    'PUT /v1/sessions/password': () => ({
      body: { oldPassword: 'secret123', newPassword: 'secret123' },
    }),
    'POST /v1/sessions/verify': () => ({
      body: { phone: s.a.phone, deviceId: 'sweep-device', code: '000000' },
    }),
    'POST /v1/password-resets': () => ({ body: { phone: s.a.phone, kind: 'PAYMENT' } }),
    'POST /v1/password-resets/verify': () => ({
      body: { phone: s.a.phone, code: '000000', idNumber: s.a.person.idNumber, newPassword: 'x' },
    }),
    'PUT /v1/wallets/:id/payment-password': () => ({
      body: { oldPaymentPassword: '000000', newPaymentPassword: '731592' },
    }),
    'GET /v1/wallets/:id/statement': () => ({}),
    'GET /v1/wallets/:id': () => ({}),
    'POST /v1/wallets/:id/top-ups': () => ({ body: { amount: 100 } }),
    'POST /v1/wallets/:id/withdrawals': () => ({
      body: { amount: 100, paymentPassword: TEST_PAYMENT_PASSWORD },
    }),
    'POST /v1/wallets/:id/payments': () => ({
      body: { amount: 100, merchantId: 'm-1', paymentPassword: TEST_PAYMENT_PASSWORD },
    }),
    'GET /v1/wallets/:id/transactions': () => ({}),
    'POST /v1/wallets/:id/transfers': () => ({
      body: { toPhone: s.a.phone, amount: 100, paymentPassword: TEST_PAYMENT_PASSWORD },
    }),
    'GET /v1/wallets/recipients': () => ({}),
    'POST /v1/wallets/:id/payment-codes': () => ({}),
    'POST /v1/merchant/charges': () => ({
      body: { paymentCode: '000000000000000000', amount: 100, merchantId: 'm-sweep' },
    }),
    'POST /v1/wallets/:id/freeze': () => ({ body: { reason: 'sweep' } }),
    'POST /v1/wallets/:id/unfreeze': () => ({ body: { reason: 'sweep' } }),
    'POST /v1/wallets/:id/deregistration': () => ({
      body: { paymentPassword: TEST_PAYMENT_PASSWORD },
    }),
    'GET /v1/wallets/:id/deregistration': () => ({}),
    'POST /v1/wallets/:id/deregistration/withdraw-all': () => ({
      body: { paymentPassword: TEST_PAYMENT_PASSWORD },
    }),
    'POST /v1/wallets/:id/deregistration/confirm': () => ({ body: {} }),
    'POST /v1/wallets/:id/deregistration/cancel': () => ({ body: {} }),
    'POST /v1/sandbox/bank-accounts': () => ({ body: bankAccountFor(applicationFor(s.a)) }),
    'GET /v1/sandbox/bank-accounts/:accountId': () => ({}),
    'GET /v1/sandbox/outbox': () => ({}),
    'POST /v1/ops/watchlist': () => ({ body: { name: '王五', source: 'sweep' } }),
    'GET /v1/ops/audit': () => ({}),
    'GET /v1/ops/watchlist': () => ({}),
    // An id no entry has: the sweep is about the answer's shape, not about emptying the list.
    'DELETE /v1/ops/watchlist/:id': () => ({}),
    'GET /v1/ops/alerts': () => ({}),
    'GET /v1/ops/reconciliation': () => ({}),
    'POST /codec/encode': () => ({ body: { payloads: [] } }),
    'POST /codec/decode': () => ({ body: { payloads: [] } }),
    'POST /codec/session': () => ({ body: {} }),
    'DELETE /codec/session': () => ({}),
    'GET /codec/login': () => ({}),
    // The console: bearer tokens open no console session (a redirect to sign in, or 403 CSRF).
    'GET /console/assets/htmx.min.js': () => ({}),
    'GET /console/assets/console.css': () => ({}),
    'GET /console/login': () => ({}),
    'POST /console/login': () => ({ body: { username: 'nobody', password: 'x' } }),
    'POST /console/logout': () => ({ body: {} }),
    'GET /console': () => ({}),
    'GET /console/applications/:id': () => ({}),
    'GET /console/applications/:id/photo': () => ({}),
    'POST /console/applications/:id/claim': () => ({ body: {} }),
    'POST /console/applications/:id/release': () => ({ body: {} }),
    'POST /console/applications/:id/decision': () => ({ body: { decision: 'APPROVE' } }),
    'GET /console/notifications': () => ({}),
    'GET /console/wallets': () => ({}),
    'GET /console/wallets/:id': () => ({}),
    'POST /console/wallets/:id/freeze': () => ({ body: {} }),
    'POST /console/wallets/:id/unfreeze': () => ({ body: {} }),
    'GET /console/watchlist': () => ({}),
    'POST /console/watchlist': () => ({ body: { csv: 'name,birthDate,source,aliases' } }),
    'POST /console/watchlist/:id/remove': () => ({ body: {} }),
    'GET /console/alerts': () => ({}),
    'GET /console/audit': () => ({}),
  };
  const make = table[route];
  if (!make) throw new Error(`No sample request for ${route}: add one to this sweep`);
  return make();
}

function urlOf(url: string, s: Subject): string {
  return url
    .replace(/^\/v1\/applications\/:id/, `/v1/applications/${s.applicationId}`)
    .replace(/^\/v1\/wallets\/:id/, `/v1/wallets/${s.walletId}`)
    .replace(/:[A-Za-z]+/g, randomUUID())
    .replace(/\*$/, 'index.html')
    .concat(url === '/v1/sandbox/outbox' ? `?recipient=${s.a.phone}` : '')
    .concat(url === '/v1/wallets/recipients' ? `?phone=${s.a.phone}` : '');
}

/** Destructive steps last, so that each subject is swept in its state as far as possible. */
function order(route: { method: string; url: string }): number {
  if (route.method === 'GET') return 0;
  if (/cancel|confirm|decision|deregistration$|freeze/.test(route.url)) return 2;
  return 1;
}

async function subjects(): Promise<Subject[]> {
  const made: Subject[] = [];
  const add = (
    state: string,
    a: Applicant,
    applicationId: string,
    token: string,
    walletId = NO_WALLET,
  ) => made.push({ state, a, applicationId, token, walletId });
  const started = async (a: Applicant) => {
    await openBankAccount(stack, a);
    const res = await apply(stack, a);
    expect(res.statusCode, res.body).toBe(201);
    const body: { applicationId: string; applicantToken: string } = res.json();
    return body;
  };

  let a = freshPerson(PEOPLE[0]!);
  let c = await started(a);
  add('AWAITING_PHONE_VERIFICATION', a, c.applicationId, c.applicantToken);

  a = freshPerson(PEOPLE[1]!);
  c = await started(a);
  await verifyPhone(stack, c.applicationId, c.applicantToken, a.phone);
  add('AWAITING_ID_PHOTO', a, c.applicationId, c.applicantToken);

  a = freshPerson(PEOPLE[1]!, birthForAge(12));
  c = await started(a);
  await verifyPhone(stack, c.applicationId, c.applicantToken, a.phone);
  expect((await uploadClearCard(stack, c.applicationId, c.applicantToken, a.person)).status).toBe(
    'AWAITING_GUARDIAN_CONSENT',
  );
  add('AWAITING_GUARDIAN_CONSENT', a, c.applicationId, c.applicantToken);

  a = freshPerson(PEOPLE[0]!);
  let p = await driveToPendingReview(stack, a);
  add('PENDING_REVIEW', a, p.id, p.token);

  a = freshPerson(PEOPLE[1]!);
  p = await driveToPendingReview(stack, a);
  const rejected = await decide(stack, p.id, 'rita', { decision: 'REJECT', reasonCode: 'OTHER' });
  expect(rejected.json().status, rejected.body).toBe('REJECTED');
  add('REJECTED', a, p.id, p.token);

  a = freshPerson(PEOPLE[0]!);
  p = await driveToPendingReview(stack, a);
  expect((await decide(stack, p.id, 'rita')).json().status).toBe('AWAITING_PAYMENT_PASSWORD');
  add('AWAITING_PAYMENT_PASSWORD', a, p.id, p.token);

  a = freshPerson(PEOPLE[1]!);
  c = await started(a);
  const code = await lastOtp(stack, a.phone);
  for (let i = 0; i < 5; i++)
    await stack.api.inject({
      method: 'POST',
      url: `/v1/applications/${c.applicationId}/otp/verify`,
      headers: bearer(c.applicantToken),
      payload: { code: wrongCode(code) },
    });
  add('FAILED', a, c.applicationId, c.applicantToken);

  a = freshPerson(PEOPLE[0]!);
  c = await started(a);
  const cancelled = await stack.api.inject({
    method: 'POST',
    url: `/v1/applications/${c.applicationId}/cancel`,
    headers: bearer(c.applicantToken),
    payload: {},
  });
  expect(cancelled.json().status, cancelled.body).toBe('CANCELLED');
  add('CANCELLED', a, c.applicationId, c.applicantToken);

  a = freshPerson(PEOPLE[1]!);
  let w = await driveToActive(stack, a);
  add('ACTIVE (wallet ACTIVE)', a, w.applicationId, w.token, w.walletId);

  a = freshPerson(PEOPLE[0]!);
  w = await driveToActive(stack, a);
  const frozen = await stack.api.inject({
    method: 'POST',
    url: `/v1/wallets/${w.walletId}/freeze`,
    headers: bearer(stack.staffToken('ops')),
    payload: { reason: 'sweep' },
  });
  expect(frozen.statusCode, frozen.body).toBe(200);
  add('ACTIVE (wallet FROZEN)', a, w.applicationId, w.token, w.walletId);

  a = freshPerson(PEOPLE[1]!);
  w = await driveToActive(stack, a);
  await closeWallet(stack, w.walletId, w.token);
  add('wallet CLOSED, person erased', a, w.applicationId, w.token, w.walletId);
  return made;
}

describe('every route in every state', () => {
  it('answers 2xx or a 4xx problem+json, never a 5xx', async () => {
    tinyPng = await idCardPhoto(PEOPLE[0]!, 'clear-1600').then(async (jpeg) => {
      const sharp = (await import('sharp')).default;
      return sharp(jpeg).resize(200).png().toBuffer();
    });
    expect(routes.length).toBeGreaterThan(30);
    const all = await subjects();
    const sorted = [...routes].sort((x, y) => order(x) - order(y));
    const failures: string[] = [];
    let sent = 0;
    for (const s of all) {
      const tokens = {
        owner: s.token,
        reviewer: stack.staffToken('reviewer', 'rita'),
        ops: stack.staffToken('ops', 'olga'),
        merchant: signStaffToken(stack.config.authSecret, 'merchant', 'm-sweep'),
      };
      for (const route of sorted) {
        const { body, raw, type } = sample(`${route.method} ${route.url}`, s);
        for (const [who, token] of Object.entries(tokens)) {
          const res = await stack.api.inject({
            method: route.method as 'GET',
            url: urlOf(route.url, s),
            headers: {
              ...bearer(token),
              'idempotency-key': `sweep-${randomUUID()}`,
              ...(raw ? { 'content-type': type! } : {}),
              ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
            },
            ...(raw
              ? { payload: raw }
              : body !== undefined
                ? { payload: JSON.stringify(body) }
                : {}),
          });
          sent += 1;
          const label = `${s.state} · ${who} · ${route.method} ${route.url} → ${res.statusCode} ${res.body.slice(0, 200)}`;
          const problem = /^application\/problem\+json/.test(String(res.headers['content-type']));
          if (res.statusCode >= 500 || (res.statusCode >= 400 && !problem)) failures.push(label);
        }
      }
      // A multipart body without its boundary, on the upload route.
      const res = await stack.api.inject({
        method: 'PUT',
        url: `/v1/applications/${s.applicationId}/id-photo`,
        headers: { ...bearer(s.token), 'content-type': 'multipart/form-data' },
        payload: 'no boundary here',
      });
      sent += 1;
      if (res.statusCode >= 500 || !/problem\+json/.test(String(res.headers['content-type'])))
        failures.push(`${s.state} · multipart without boundary → ${res.statusCode} ${res.body}`);
    }
    console.info(`swept ${routes.length} routes × ${all.length} states: ${sent} requests`);
    expect(failures).toEqual([]);
  }, 300_000);
});
