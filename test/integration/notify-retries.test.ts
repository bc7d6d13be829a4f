// Notifications exactly once (SPEC §1 step 2, notifications/notify.ts): an SMS gateway that fails three
// times for a message and then takes it delivers that message once, through Temporal's real
// activity retries (1 s, 2 s, 4 s) inside a real application.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  outboxTransport,
  type OutboundMessage,
  type SmsTransport,
} from '../../notifications/notify';
import { readOutbox } from '../../db/sqlite/repositories/outbox';
import { PEOPLE } from '../fixtures/id-card';
import { eventually } from '../helpers/eventually';
import { apply, freshPerson, lastOtp, openBankAccount, verifyPhone } from '../helpers/onboarding';
import { startStack, type Stack } from '../helpers/stack';

let stack: Stack;
/** Calls per idempotency key, failed ones included. */
const calls = new Map<string, number>();
const FAILURES_PER_KEY = 3;

beforeAll(async () => {
  // The stack's database exists only once the stack is up: the transport reaches it lazily.
  let delivered: SmsTransport | null = null;
  const flaky: SmsTransport = {
    async send(message: OutboundMessage) {
      const n = (calls.get(message.key) ?? 0) + 1;
      calls.set(message.key, n);
      if (n <= FAILURES_PER_KEY) throw new Error(`SMS gateway down (call ${n} for ${message.key})`);
      delivered ??= outboxTransport(stack.store, stack.config.piiKey);
      await delivered.send(message);
    },
  };
  stack = await startStack({}, { deps: { smsTransport: flaky } });
});
afterAll(async () => {
  await stack?.close();
});

describe('notification delivery under a failing gateway', () => {
  it('delivers the OTP exactly once after three failed calls, and the code works', async () => {
    const a = freshPerson(PEOPLE[0]!);
    await openBankAccount(stack, a);
    const began = Date.now();
    const created = await apply(stack, a);
    expect(created.statusCode, created.body).toBe(201);
    const { applicationId: id, applicantToken: token } = created.json();
    // The application is answered once the code is on its way: after the retries.
    expect(Date.now() - began).toBeGreaterThanOrEqual(6_000);

    const rows = readOutbox(stack.database.db, stack.config.piiKey, { recipient: a.phone });
    expect(rows.map((r) => r.template)).toEqual(['OTP']);
    const key = rows[0]!.idemKey;
    expect(key.startsWith(`${id}:otp:`)).toBe(true);
    expect(calls.get(key)).toBe(FAILURES_PER_KEY + 1);
    // Nothing else was attempted for this application before the answer.
    expect([...calls.keys()].filter((k) => k.startsWith(`${id}:`))).toEqual([key]);

    // The one code delivered is the one the workflow expects.
    expect(await lastOtp(stack, a.phone)).toMatch(/^\d{6}$/);
    const verified = await verifyPhone(stack, id, token, a.phone);
    expect(verified).toMatchObject({ status: 'AWAITING_ID_PHOTO' });
    // The status change that followed went through the same retries, and also arrived once.
    // (The step answers once the status is recorded; the SMS about it follows.)
    const after = await eventually(
      () => readOutbox(stack.database.db, stack.config.piiKey, { recipient: a.phone }),
      (rows) => rows.length === 2,
    );
    const statusKey = [...calls.keys()].find((k) => k.startsWith(`${id}:status:`));
    expect(statusKey).toBeDefined();
    expect(calls.get(statusKey!)).toBe(FAILURES_PER_KEY + 1);
    expect(after.map((r) => r.template).sort()).toEqual(['OTP', 'STATUS_CHANGED']);
  }, 60_000);
});
