// SPEC §2.1 through the HTTP API, on SQLite and on PostgreSQL: transfers by the payee's verified
// phone (the masked-name look-up first, its throttle, the payee's SMS through the one
// notification path), payment codes charged once by a merchant, and payments with a reference.
// The wallets are made through the Store as onboarding would leave them (login with a verified
// phone, sealed owner phone, read-model view), so the file needs no photo pipeline.
import { randomBytes, randomUUID } from 'node:crypto';
import { createSigner } from 'fast-jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applicantClaims, TOKEN_ALGORITHM, TOKEN_ISSUER } from '../../api/tokens';
import { THROTTLES } from '../../api/throttles';
import { hashPassword } from '../../crypto/password-hash';
import { blindIndex, personIdOf } from '../../crypto/pii';
import type { Tier } from '../../domain/tiers';
import { signStaffToken } from '../../api/tokens';
import { PEOPLE } from '../fixtures/id-card';
import { eventually } from '../helpers/eventually';
import { bearer, freshPerson, outboxFor, TEST_PAYMENT_PASSWORD } from '../helpers/onboarding';
import { startStack, type Stack } from '../helpers/stack';

const PASSWORD = TEST_PAYMENT_PASSWORD;

let stack: Stack;
let passwordHash: string;
beforeAll(async () => {
  stack = await startStack();
  passwordHash = await hashPassword(PASSWORD);
});
afterAll(async () => {
  await stack?.close();
});

interface Owner {
  walletId: string;
  applicationId: string;
  phone: string;
  name: string;
  token: string;
}

let serial = 0;
/** A wallet as onboarding leaves it, with `balance` topped up and its owner's token. */
async function newOwner(tier: Tier = 'STANDARD', balance = 0): Promise<Owner> {
  const base = PEOPLE[serial++ % PEOPLE.length]!;
  const { person, phone, card } = freshPerson(base);
  const { piiKey } = stack.config;
  const applicationId = randomUUID();
  const personId = personIdOf(piiKey, person.idNumber);
  const created = await stack.store.createWalletOnce(piiKey, {
    walletId: `w_${randomBytes(12).toString('hex')}`,
    applicationId,
    personId,
    tier,
    paymentPasswordHash: passwordHash,
    ownerPhone: phone,
    webhooks: false,
  });
  if (!('walletId' in created)) throw new Error(`no wallet: ${created.refused}`);
  const at = new Date();
  const phoneIndex = blindIndex(piiKey, 'phone', phone);
  await stack.store.upsertApplicantLogin({ applicationId, personId, phoneIndex, passwordHash, at });
  await stack.store.markLoginPhoneVerified(applicationId, phoneIndex, at);
  await stack.store.saveApplicationView(piiKey, {
    applicationId,
    status: 'ACTIVE',
    nextAction: 'NONE',
    reasons: [],
    fieldErrors: [],
    attemptsLeft: { otp: 5, photo: 5, resubmission: 3 },
    applicant: { name: person.name, idNumber: person.idNumber, phone, bankCardNumber: card },
    walletId: created.walletId,
    tier,
    createdAt: at.toISOString(),
    updatedAt: at.toISOString(),
    revision: 1,
  });
  if (balance > 0)
    await stack.store.createLedger().topUp(created.walletId, balance, `seed-${applicationId}`);
  const sign = createSigner({
    key: stack.config.authSecret,
    algorithm: TOKEN_ALGORITHM,
    expiresIn: '1h',
    iss: TOKEN_ISSUER,
  });
  return {
    walletId: created.walletId,
    applicationId,
    phone,
    name: person.name,
    token: sign({ ...applicantClaims(applicationId) }),
  };
}

let keySerial = 0;
const newKey = () => `key-${Date.now()}-${++keySerial}`;

function post(url: string, token: string, payload: object, key: string | null = newKey()) {
  return stack.api.inject({
    method: 'POST',
    url,
    headers: { ...bearer(token), ...(key ? { 'idempotency-key': key } : {}) },
    payload,
  });
}

const transfer = (from: Owner, toPhone: string, amount: number, key?: string) =>
  post(
    `/v1/wallets/${from.walletId}/transfers`,
    from.token,
    {
      toPhone,
      amount,
      paymentPassword: PASSWORD,
    },
    key,
  );

const lookUp = (who: Owner, phone: string) =>
  stack.api.inject({
    method: 'GET',
    url: `/v1/wallets/recipients?phone=${encodeURIComponent(phone)}`,
    headers: bearer(who.token),
  });

async function history(owner: Owner) {
  const res = await stack.api.inject({
    method: 'GET',
    url: `/v1/wallets/${owner.walletId}/transactions`,
    headers: bearer(owner.token),
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().items as Record<string, unknown>[];
}

async function balanceOf(owner: Owner): Promise<number> {
  const res = await stack.api.inject({
    method: 'GET',
    url: `/v1/wallets/${owner.walletId}`,
    headers: bearer(owner.token),
  });
  return res.json().balance as number;
}

describe('transfers', () => {
  it('shows the masked name, then moves the money at once; both lists show it', async () => {
    const payer = await newOwner('STANDARD', 100_000);
    const payee = await newOwner('STANDARD', 0);

    const seen = await lookUp(payer, payee.phone);
    expect(seen.statusCode, seen.body).toBe(200);
    const chars = [...payee.name];
    expect(seen.json()).toEqual({
      maskedName: '*'.repeat(chars.length - 1) + chars[chars.length - 1],
    });

    const key = newKey();
    const sent = await transfer(payer, payee.phone, 12_345, key);
    expect(sent.statusCode, sent.body).toBe(201);
    expect(sent.json()).toMatchObject({
      balance: 87_655,
      transaction: { type: 'TRANSFER_OUT', amount: 12_345, status: 'COMPLETED' },
    });
    expect(await balanceOf(payee)).toBe(12_345);
    expect((await history(payee))[0]).toMatchObject({ type: 'TRANSFER_IN', amount: 12_345 });
    expect((await history(payer))[0]).toEqual(sent.json().transaction);

    const again = await transfer(payer, payee.phone, 12_345, key);
    expect(again.statusCode).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(sent.json());
    expect(await balanceOf(payee)).toBe(12_345);

    // The payee reads of it by SMS, through the notice queue and the one notify activity.
    const texts = await eventually(
      async () => (await outboxFor(stack, payee.phone)).map((m) => m.text),
      (all) => all.length > 0,
    );
    expect(texts).toEqual([expect.stringContaining('¥123.45')]);
  });

  it('answers 422 RECIPIENT_NOT_FOUND for a phone without a wallet and for the payer’s own', async () => {
    const payer = await newOwner('STANDARD', 10_000);
    const nobody = freshPerson(PEOPLE[0]!).phone;
    for (const phone of [nobody, payer.phone]) {
      const res = await transfer(payer, phone, 100);
      expect(res.statusCode, res.body).toBe(422);
      expect(res.json().code).toBe('RECIPIENT_NOT_FOUND');
      expect((await lookUp(payer, phone)).json().code).toBe('RECIPIENT_NOT_FOUND');
    }
    expect(await balanceOf(payer)).toBe(10_000);
  });

  it('refuses bad input with 400 and a wrong password with 422, moving nothing', async () => {
    const payer = await newOwner('STANDARD', 10_000);
    const payee = await newOwner();
    const url = `/v1/wallets/${payer.walletId}/transfers`;
    const bad = await post(url, payer.token, { toPhone: '12345', amount: 1, paymentPassword: 'x' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors).toEqual([{ field: 'toPhone', code: 'INVALID_PHONE' }]);
    const body = { toPhone: payee.phone, amount: 0, paymentPassword: PASSWORD };
    expect((await post(url, payer.token, body)).statusCode).toBe(400);
    const noKey = await post(url, payer.token, { ...body, amount: 1 }, null);
    expect(noKey.statusCode).toBe(400);
    const wrong = await post(url, payer.token, { ...body, amount: 1, paymentPassword: 'nope' });
    expect(wrong.json().code).toBe('PAYMENT_PASSWORD_INVALID');
    // Someone else's wallet is a 404 whatever the body.
    expect((await post(url, payee.token, { ...body, amount: 1 })).statusCode).toBe(404);
    expect(await balanceOf(payee)).toBe(0);
  });

  it('counts look-ups per caller: the oracle of who has a wallet is rationed', async () => {
    const asker = await newOwner();
    const { max } = THROTTLES.recipientLookupsPerCaller;
    const allowed = Math.max(1, Math.round(max * stack.config.rateLimitScale));
    let last = await lookUp(asker, freshPerson(PEOPLE[1]!).phone);
    for (let i = 1; i < allowed; i++) last = await lookUp(asker, freshPerson(PEOPLE[1]!).phone);
    expect(last.json().code).toBe('RECIPIENT_NOT_FOUND');
    const over = await lookUp(asker, freshPerson(PEOPLE[1]!).phone);
    expect(over.statusCode, over.body).toBe(429);
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    // A transfer to an unknown phone draws on the same allowance.
    const payer = await newOwner('STANDARD', 1_000);
    for (let i = 0; i < allowed; i++) await transfer(payer, freshPerson(PEOPLE[1]!).phone, 1);
    expect((await transfer(payer, freshPerson(PEOPLE[1]!).phone, 1)).statusCode).toBe(429);
  });

  it('a caller without a wallet may not look anyone up', async () => {
    const sign = createSigner({
      key: stack.config.authSecret,
      algorithm: TOKEN_ALGORITHM,
      expiresIn: '1h',
      iss: TOKEN_ISSUER,
    });
    const res = await stack.api.inject({
      method: 'GET',
      url: `/v1/wallets/recipients?phone=13900000000`,
      headers: bearer(sign({ ...applicantClaims(randomUUID()) })),
    });
    expect(res.statusCode, res.body).toBe(409);
  });
});

describe('payment codes', () => {
  const merchantToken = (id: string) => signStaffToken(stack.config.authSecret, 'merchant', id);
  const charge = (token: string, body: Record<string, unknown>, key = newKey()) =>
    post('/v1/merchant/charges', token, body, key);
  const issue = (owner: Owner) =>
    stack.api.inject({
      method: 'POST',
      url: `/v1/wallets/${owner.walletId}/payment-codes`,
      headers: bearer(owner.token),
    });

  it('issues an 18-digit code with its QR, which one merchant charges once', async () => {
    const customer = await newOwner('STANDARD', 50_000);
    const issued = await issue(customer);
    expect(issued.statusCode, issued.body).toBe(201);
    expect(issued.headers['cache-control']).toBe('no-store');
    const { code, qrSvg, expiresAt } = issued.json();
    expect(code).toMatch(/^\d{18}$/);
    expect(qrSvg).toMatch(/^<svg[^>]*viewBox/);
    const ttl = Date.parse(expiresAt) - Date.now();
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);

    const shop = merchantToken('m_water');
    const body = {
      paymentCode: code,
      amount: 4_200,
      merchantId: 'm_water',
      reference: '水费-0301',
    };
    const key = newKey();
    const paid = await charge(shop, body, key);
    expect(paid.statusCode, paid.body).toBe(201);
    expect(paid.json()).toEqual({
      transaction: expect.objectContaining({
        type: 'PAYMENT',
        amount: 4_200,
        merchantId: 'm_water',
        reference: '水费-0301',
      }),
    });
    expect(paid.json().balance).toBeUndefined();
    const replay = await charge(shop, body, key);
    expect(replay.statusCode).toBe(200);
    expect(replay.json()).toEqual(paid.json());
    const twice = await charge(shop, body);
    expect(twice.statusCode).toBe(422);
    expect(twice.json().code).toBe('PAYMENT_CODE_INVALID');
    expect(await balanceOf(customer)).toBe(45_800);
    expect((await history(customer))[0]).toMatchObject({ reference: '水费-0301' });
  });

  it('charges in the token’s own merchant id only; applicants charge nothing', async () => {
    const customer = await newOwner('STANDARD', 5_000);
    const { code } = (await issue(customer)).json();
    const body = { paymentCode: code, amount: 100, merchantId: 'm_a' };
    expect((await charge(merchantToken('m_b'), body)).statusCode).toBe(403);
    expect((await charge(customer.token, body)).statusCode).toBe(403);
    const garbled = await charge(merchantToken('m_a'), { ...body, paymentCode: '12ab' });
    expect(garbled.json().code).toBe('PAYMENT_CODE_INVALID');
    expect((await charge(merchantToken('m_a'), body)).statusCode).toBe(201);
  });

  it('of two merchants scanning one code at once, one is paid', async () => {
    const customer = await newOwner('STANDARD', 5_000);
    const { code } = (await issue(customer)).json();
    const results = await Promise.all(
      ['m_one', 'm_two', 'm_three'].map((m) =>
        charge(merchantToken(m), { paymentCode: code, amount: 1_000, merchantId: m }),
      ),
    );
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 422, 422]);
    expect(await balanceOf(customer)).toBe(4_000);
  });

  it('a newer code replaces the older; the limits of payments apply', async () => {
    const customer = await newOwner('GUARDIAN', 100_000);
    const older = (await issue(customer)).json().code;
    const newer = (await issue(customer)).json().code;
    const shop = merchantToken('m_x');
    const stale = await charge(shop, { paymentCode: older, amount: 1, merchantId: 'm_x' });
    expect(stale.json().code).toBe('PAYMENT_CODE_INVALID');
    // Over the single-payment limit: refused and frozen, as a payment would be.
    const over = await charge(shop, { paymentCode: newer, amount: 200_001, merchantId: 'm_x' });
    expect(over.statusCode).toBe(422);
    expect(over.json().code).toBe('LIMIT_EXCEEDED');
    expect((await issue(customer)).json().code).toBe('WALLET_FROZEN');
  });
});

describe('payments with a reference', () => {
  it('keeps a bill’s reference with the payment', async () => {
    const owner = await newOwner('STANDARD', 10_000);
    const res = await post(`/v1/wallets/${owner.walletId}/payments`, owner.token, {
      amount: 3_000,
      merchantId: 'state_grid',
      paymentPassword: PASSWORD,
      reference: '电费 2026-03',
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().transaction.reference).toBe('电费 2026-03');
    const bad = await post(`/v1/wallets/${owner.walletId}/payments`, owner.token, {
      amount: 1,
      merchantId: 'state_grid',
      paymentPassword: PASSWORD,
      reference: 'a\u0000b',
    });
    expect(bad.statusCode).toBe(400);
  });
});
