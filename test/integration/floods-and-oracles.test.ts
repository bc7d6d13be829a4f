// Issue 26 item 6: floods and oracles. SMS codes per phone are capped across applications, sign-in
// is limited per client whatever the phone, POST /v1/applications per client and per card, and
// the eligibility answer does not tell a stranger whether a card exists or whose it is. The
// throttles are counted in the database (api/throttles.ts), so the counts below would hold
// across API processes too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { THROTTLES } from '../../api/throttles';
import { PEOPLE } from '../fixtures/id-card';
import {
  apply,
  bearer,
  freshPerson,
  openBankAccount,
  outboxFor,
  staffView,
} from '../helpers/onboarding';
import { applicationFor } from '../helpers/people';
import { startStack, type Stack } from '../helpers/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

let client = 0;
/** Each test its own client address, so that the per-client throttles of one do not leak. */
const nextClient = () => `10.26.0.${++client}`;

const postApplication = (payload: object, remoteAddress: string) =>
  stack.api.inject({ method: 'POST', url: '/v1/applications', payload, remoteAddress });

function expect429(res: { statusCode: number; headers: Record<string, unknown>; body: string }) {
  expect(res.statusCode, res.body).toBe(429);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
}

describe('SMS codes per phone number', () => {
  it('caps the codes sent to one phone across applications applied and cancelled', async () => {
    const remoteAddress = nextClient();
    const phone = freshPerson(PEOPLE[0]!).phone;
    const cap = THROTTLES.otpPerPhone.max;
    for (let round = 1; round <= cap + 1; round++) {
      const a = { ...freshPerson(PEOPLE[round % 2]!), phone };
      await openBankAccount(stack, a);
      const res = await postApplication(applicationFor(a), remoteAddress);
      if (round > cap) {
        expect429(res);
        break;
      }
      expect(res.statusCode, res.body).toBe(201);
      const { applicationId, applicantToken } = res.json();
      const cancelled = await stack.api.inject({
        method: 'POST',
        url: `/v1/applications/${applicationId}/cancel`,
        headers: bearer(applicantToken),
        payload: {},
      });
      expect(cancelled.statusCode, cancelled.body).toBe(200);
    }
    const codes = (await outboxFor(stack, phone)).filter((m) => m.template === 'OTP');
    expect(codes).toHaveLength(cap);
  });

  it('does not count a refused application: no code went out', async () => {
    const remoteAddress = nextClient();
    const phone = freshPerson(PEOPLE[0]!).phone;
    // No bank account: ineligible, no code. Well past the cap, still not throttled.
    for (let i = 0; i < THROTTLES.otpPerPhone.max + 2; i++) {
      const res = await postApplication(
        applicationFor({ ...freshPerson(PEOPLE[1]!), phone }),
        remoteAddress,
      );
      expect(res.json().code, res.body).toBe('BANK_ACCOUNT_NOT_FOUND');
    }
    const a = { ...freshPerson(PEOPLE[0]!), phone };
    await openBankAccount(stack, a);
    expect((await postApplication(applicationFor(a), nextClient())).statusCode).toBe(201);
  });
});

describe('sign-in', () => {
  it('meets a 429 when one client sprays a password over many phones', async () => {
    const remoteAddress = nextClient();
    const answers: number[] = [];
    for (let i = 0; i < THROTTLES.loginPerClient.max + 1; i++) {
      const res = await stack.api.inject({
        method: 'POST',
        url: '/v1/sessions',
        remoteAddress,
        payload: { phone: `1370000${String(1000 + i)}`, password: 'Spring2026' },
      });
      answers.push(res.statusCode);
      if (res.statusCode === 429) expect429(res);
    }
    expect(answers.slice(0, -1).every((s) => s === 401)).toBe(true);
    expect(answers.at(-1)).toBe(429);
    // Another client is not held up by this one.
    const other = await stack.api.inject({
      method: 'POST',
      url: '/v1/sessions',
      remoteAddress: nextClient(),
      payload: { phone: '13700001000', password: 'Spring2026' },
    });
    expect(other.statusCode).toBe(401);
  });
});

describe('POST /v1/applications', () => {
  it('is limited per bank card, whoever and wherever the caller', async () => {
    const card = freshPerson(PEOPLE[0]!).card;
    for (let i = 0; i < THROTTLES.applicationsPerCard.max; i++) {
      const res = await postApplication(
        applicationFor({ ...freshPerson(PEOPLE[i % 2]!), card }),
        nextClient(),
      );
      expect(res.statusCode, res.body).toBe(422);
    }
    expect429(
      await postApplication(applicationFor({ ...freshPerson(PEOPLE[0]!), card }), nextClient()),
    );
  });

  it('is limited per client', async () => {
    const remoteAddress = nextClient();
    for (let i = 0; i < THROTTLES.applicationsPerClient.max; i++) {
      const res = await postApplication(applicationFor(freshPerson(PEOPLE[0]!)), remoteAddress);
      expect(res.statusCode, res.body).toBe(422);
    }
    expect429(await postApplication(applicationFor(freshPerson(PEOPLE[0]!)), remoteAddress));
  });

  it('answers a stranger’s card exactly as a card that does not exist', async () => {
    const holder = freshPerson(PEOPLE[0]!);
    await openBankAccount(stack, holder);
    const stranger = { ...freshPerson(PEOPLE[1]!), card: holder.card };
    const nobody = freshPerson(PEOPLE[1]!);
    const theirs = await apply(stack, stranger);
    const none = await apply(stack, nobody);
    expect(theirs.statusCode).toBe(none.statusCode);
    const strip = (body: Record<string, unknown>) => {
      const { applicationId: _id, instance: _instance, ...rest } = body;
      return rest;
    };
    expect(strip(theirs.json())).toEqual(strip(none.json()));
    expect(theirs.json().code).toBe('BANK_ACCOUNT_NOT_FOUND');
    // Staff still see what happened.
    const view = await staffView(stack, theirs.json().applicationId);
    expect(view.reasons[0].code).toBe('BANK_ACCOUNT_HOLDER_MISMATCH');
  });
});
