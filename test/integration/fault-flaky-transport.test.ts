// Notifications exactly once under a flaky gateway (issue 7): an SMS transport that fails half of
// its calls, in both ways a real gateway fails (unreachable before it took the message, or took
// it and the acknowledgement was lost), under several applications driven at once through real
// flows. Every message the workflows asked for arrives once, and the codes that arrive work.
import { staffNotificationsAbout } from '../../db/sqlite/repositories/staff-notifications';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  outboxTransport,
  type OutboundMessage,
  type SmsTransport,
} from '../../notifications/notify';
import { onboardingWorkflowId } from '../../domain/contract';
import { readOutbox } from '../../db/sqlite/repositories/outbox';
import { PEOPLE } from '../fixtures/id-card';
import { eventually } from '../helpers/eventually';
import {
  apply,
  bearer,
  decide,
  freshPerson,
  lastOtp,
  openBankAccount,
  TEST_PAYMENT_PASSWORD,
  uploadClearCard,
  verifyPhone,
  wrongCode,
  type Applicant,
} from '../helpers/onboarding';
import { startStack, type Stack } from '../helpers/stack';

let stack: Stack;

/** Calls per idempotency key, failed ones included. */
const calls = new Map<string, number>();
const failed = { beforeDelivery: 0, afterDelivery: 0 };

beforeAll(async () => {
  // The gateway's failures are the point here; the worker logs each one as a warning with its
  // stack trace, which would bury the run's output. Everything else is still written.
  const write = process.stderr.write.bind(process.stderr);
  vi.spyOn(process.stderr, 'write').mockImplementation(((chunk: unknown, ...rest: never[]) =>
    /SMS gateway (unreachable|took)/.test(String(chunk))
      ? true
      : write(chunk as string, ...rest)) as typeof process.stderr.write);
  // The stack's database exists only once the stack is up: the gateway reaches it lazily.
  let gateway: SmsTransport | null = null;
  const flaky: SmsTransport = {
    async send(message: OutboundMessage) {
      gateway ??= outboxTransport(stack.store, stack.config.piiKey);
      const n = (calls.get(message.key) ?? 0) + 1;
      calls.set(message.key, n);
      // Every odd-numbered call for a message fails, so exactly half of all calls fail and each
      // message costs one retry (1 s), whatever order the applications' calls interleave in.
      if (n % 2 === 0) return gateway.send(message);
      // The two kinds of failure take turns.
      if ((failed.beforeDelivery + failed.afterDelivery) % 2 === 0) {
        failed.beforeDelivery += 1;
        throw new Error(`SMS gateway unreachable (${message.key})`);
      }
      await gateway.send(message);
      failed.afterDelivery += 1;
      throw new Error(`SMS gateway took ${message.key} but its acknowledgement was lost`);
    },
  };
  stack = await startStack(
    // Long enough that an application decided at once never hears of them.
    { REVIEW_REMIND_AFTER: '8s', REVIEW_ESCALATE_AFTER: '10s', REVIEW_EXPIRE_AFTER: '1h' },
    { photo: true, deps: { smsTransport: flaky } },
  );
});
afterAll(async () => {
  await stack?.close();
  vi.restoreAllMocks();
});

async function post(url: string, token: string, payload: Record<string, unknown> = {}) {
  return stack.api.inject({ method: 'POST', url, headers: bearer(token), payload });
}

async function start(a: Applicant) {
  await openBankAccount(stack, a);
  const created = await apply(stack, a);
  expect(created.statusCode, created.body).toBe(201);
  const { applicationId: id, applicantToken: token } = created.json();
  return { id: id as string, token: token as string, phone: a.phone };
}

async function toReview(a: Applicant) {
  const app = await start(a);
  expect(await verifyPhone(stack, app.id, app.token, a.phone)).toMatchObject({
    status: 'AWAITING_ID_PHOTO',
  });
  const photo = await uploadClearCard(stack, app.id, app.token, a.person);
  expect(photo).toMatchObject({ accepted: true, status: 'PENDING_REVIEW' });
  return app;
}

async function approveAndActivate(id: string, token: string) {
  const approved = await decide(stack, id, 'rita');
  expect(approved.statusCode, approved.body).toBe(200);
  expect(approved.json().status).toBe('AWAITING_PAYMENT_PASSWORD');
  const active = await post(`/v1/applications/${id}/payment-password`, token, {
    paymentPassword: TEST_PAYMENT_PASSWORD,
  });
  expect(active.statusCode, active.body).toBe(200);
  expect(active.json().status).toBe('ACTIVE');
}

/** Reviewed, kept waiting until both review timers have told the staff, then activated. */
async function activatedAfterTimers(a: Applicant) {
  const app = await toReview(a);
  await eventually(
    () => staffMessages('review-supervisors', app.id),
    (m) => m.length > 0,
    30_000,
  );
  await approveAndActivate(app.id, app.token);
  return app;
}

async function activatedAtOnce(a: Applicant) {
  const app = await toReview(a);
  await approveAndActivate(app.id, app.token);
  return app;
}

async function cancelledAfterVerification(a: Applicant) {
  const app = await start(a);
  await verifyPhone(stack, app.id, app.token, a.phone);
  const cancelled = await post(`/v1/applications/${app.id}/cancel`, app.token);
  expect(cancelled.statusCode, cancelled.body).toBe(200);
  expect(cancelled.json().status).toBe('CANCELLED');
  return app;
}

async function failedOtp(a: Applicant) {
  const app = await start(a);
  const wrong = wrongCode(await lastOtp(stack, a.phone));
  for (let i = 1; i < 5; i++) {
    const res = await post(`/v1/applications/${app.id}/otp/verify`, app.token, { code: wrong });
    expect(res.json().code, res.body).toBe('OTP_INVALID');
  }
  const locked = await post(`/v1/applications/${app.id}/otp/verify`, app.token, { code: wrong });
  expect(locked.json(), locked.body).toMatchObject({
    code: 'OTP_ATTEMPTS_EXCEEDED',
    applicationStatus: 'FAILED',
  });
  return app;
}

async function rejectedForGood(a: Applicant) {
  const app = await toReview(a);
  const rejected = await decide(stack, app.id, 'rita', {
    decision: 'REJECT',
    reasonCode: 'DOCUMENT_SUSPICIOUS',
    rejectType: 'FINAL',
  });
  expect(rejected.statusCode, rejected.body).toBe(200);
  expect(rejected.json().status).toBe('FAILED');
  return app;
}

/** Staff notifications about `id`: reminders ('reviewers') or escalations ('review-supervisors'). */
function staffMessages(recipient: 'reviewers' | 'review-supervisors', id: string) {
  const template = recipient === 'reviewers' ? 'REVIEW_REMINDER' : 'REVIEW_ESCALATION';
  return staffNotificationsAbout(stack.database.db, id).filter((m) => m.template === template);
}

/** The notify activities the workflow scheduled, each with the attempt that completed it. */
async function notifyActivities(id: string) {
  const history = await stack.temporalClient.workflow
    .getHandle(onboardingWorkflowId(id))
    .fetchHistory();
  const events = history.events ?? [];
  const of = (scheduledId: string) =>
    events.filter(
      (e) =>
        String(
          (e.activityTaskStartedEventAttributes ?? e.activityTaskCompletedEventAttributes)
            ?.scheduledEventId,
        ) === scheduledId,
    );
  return events
    .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'notify')
    .map((e) => {
      const after = of(String(e.eventId));
      return {
        completed: after.some((c) => c.activityTaskCompletedEventAttributes),
        attempt: after.find((c) => c.activityTaskStartedEventAttributes)
          ?.activityTaskStartedEventAttributes?.attempt,
      };
    });
}

describe('notification delivery through a gateway that fails half of its calls', () => {
  it('delivers every message of several concurrent flows exactly once', async () => {
    const flows = await Promise.all([
      activatedAfterTimers(freshPerson(PEOPLE[0]!)).then((app) => ({
        app,
        // OTP, then AWAITING_ID_PHOTO, PENDING_REVIEW, AWAITING_PAYMENT_PASSWORD, ACTIVE.
        statusChanges: 4,
        staff: ['REVIEW_ESCALATION', 'REVIEW_REMINDER'],
      })),
      activatedAtOnce(freshPerson(PEOPLE[1]!)).then((app) => ({
        app,
        statusChanges: 4,
        staff: [],
      })),
      cancelledAfterVerification(freshPerson(PEOPLE[3]!)).then((app) => ({
        app,
        // AWAITING_ID_PHOTO, CANCELLED.
        statusChanges: 2,
        staff: [],
      })),
      failedOtp(freshPerson(PEOPLE[0]!)).then((app) => ({ app, statusChanges: 1, staff: [] })),
      rejectedForGood(freshPerson(PEOPLE[2]!)).then((app) => ({
        app,
        // AWAITING_ID_PHOTO, PENDING_REVIEW, FAILED.
        statusChanges: 3,
        staff: [],
      })),
    ]);
    // Steps answer once a status is recorded; each workflow ends after its last SMS is out.
    await Promise.all(
      flows.map(({ app }) =>
        stack.temporalClient.workflow.getHandle(onboardingWorkflowId(app.id)).result(),
      ),
    );

    const delivered = readOutbox(stack.database.db, stack.config.piiKey);
    for (const { app, statusChanges, staff } of flows) {
      const toApplicant = delivered.filter((m) => m.recipient === app.phone);
      const expected = ['OTP', ...Array<string>(statusChanges).fill('STATUS_CHANGED')];
      expect(toApplicant.map((m) => m.template).sort(), app.id).toEqual(expected.sort());
      // One status change per step, in order, none told twice under another key.
      expect(
        toApplicant
          .filter((m) => m.template === 'STATUS_CHANGED')
          .map((m) => m.idemKey)
          .sort(),
      ).toEqual(Array.from({ length: statusChanges }, (_, i) => `${app.id}:status:${i + 2}`));
      const toStaff = [
        ...staffMessages('reviewers', app.id),
        ...staffMessages('review-supervisors', app.id),
      ];
      expect(toStaff.map((m) => m.template).sort(), app.id).toEqual(staff);

      // Every message the workflow asked for completed and is here once: those to the applicant
      // on their second attempt (the gateway fails half its calls), those to staff on the first
      // (they are kept for the console, never sent through the SMS gateway).
      const asked = await notifyActivities(app.id);
      expect(asked.length, app.id).toBe(toApplicant.length + toStaff.length);
      expect(
        asked.every((a) => a.completed),
        JSON.stringify(asked),
      ).toBe(true);
      expect(asked.filter((a) => a.attempt === 2).length, JSON.stringify(asked)).toBe(
        toApplicant.length,
      );
      expect(asked.filter((a) => a.attempt === 1).length, JSON.stringify(asked)).toBe(
        toStaff.length,
      );
    }

    // The gateway holds each key once, and every key it was called with got through.
    const keys = delivered.map((m) => m.idemKey);
    expect(new Set(keys).size).toBe(keys.length);
    expect([...calls.keys()].sort()).toEqual([...keys].sort());
    // Exactly half of all calls failed (each key: one failure, one success), in both ways.
    expect(
      [...calls.values()].every((n) => n === 2),
      JSON.stringify([...calls]),
    ).toBe(true);
    const total = [...calls.values()].reduce((s, n) => s + n, 0);
    expect(failed.beforeDelivery + failed.afterDelivery).toBe(total / 2);
    // 19 messages to applicants (staff ones no longer pass the gateway): both kinds ≥ 9.
    expect(failed.beforeDelivery).toBeGreaterThanOrEqual(9);
    expect(failed.afterDelivery).toBeGreaterThanOrEqual(9);
  });
});
