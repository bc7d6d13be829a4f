// Durability (issue 7): the Temporal cluster itself goes down hard and comes back with its state.
// The API and the worker that were running keep running through it and recover by themselves;
// the applications, their state and their durable review timers survive.
import { staffNotificationsAbout } from '../../db/sqlite/repositories/staff-notifications';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { PEOPLE } from '../fixtures/id-card';
import { eventually } from '../helpers/eventually';
import {
  apply,
  bearer,
  decide,
  driveToPendingReview,
  freshPerson,
  openBankAccount,
  setPaymentPassword,
  uploadClearCard,
  verifyPhone,
} from '../helpers/onboarding';
import { freePort } from '../helpers/ports';
import { startStack, type Stack } from '../helpers/stack';
import { devServer } from '../helpers/temporal-server';

const REMIND_AFTER_MS = 10_000;
const ESCALATE_AFTER_MS = 20_000;
const EXPIRE_AFTER_MS = 3_600_000;

const cleanups: (() => Promise<unknown> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function view(stack: Stack, id: string, token: string) {
  return stack.api.inject({ url: `/v1/applications/${id}`, headers: bearer(token) });
}

/** Staff notifications about `id` for 'reviewers' (reminders) or 'review-supervisors' (escalations), oldest first. */
function staffMessages(stack: Stack, recipient: 'reviewers' | 'review-supervisors', id: string) {
  const template = recipient === 'reviewers' ? 'REVIEW_REMINDER' : 'REVIEW_ESCALATION';
  return staffNotificationsAbout(stack.database.db, id).filter((m) => m.template === template);
}

describe('a Temporal server restart', () => {
  it('loses nothing: API and worker recover unrestarted, state and timers survive', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wallet-temporal-restart-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const server = devServer({
      cli: inject('temporalCli'),
      port: await freePort(),
      dbFile: join(dir, 'temporal.db'),
    });
    cleanups.push(() => server.kill());
    await server.start();

    const stack = await startStack(
      {
        TEMPORAL_ADDRESS: server.address,
        REVIEW_REMIND_AFTER: `${REMIND_AFTER_MS}ms`,
        REVIEW_ESCALATE_AFTER: `${ESCALATE_AFTER_MS}ms`,
        REVIEW_EXPIRE_AFTER: `${EXPIRE_AFTER_MS}ms`,
      },
      { photo: true },
    );
    // Closed before the server goes (cleanups run in reverse), and with the server up even if the
    // test failed during the outage: a worker shuts down cleanly only with its server there.
    cleanups.push(() => stack.close());
    cleanups.push(async () => {
      if (!server.running()) await server.start();
    });

    // One application early in the flow, waiting for its OTP...
    const early = freshPerson(PEOPLE[0]!);
    await openBankAccount(stack, early);
    const created = await apply(stack, early);
    expect(created.statusCode, created.body).toBe(201);
    const { applicationId: earlyId, applicantToken: earlyToken } = created.json();

    // ...and one waiting for a reviewer, its reminder due while the server is down.
    const reviewed = freshPerson(PEOPLE[1]!);
    const { id, token } = await driveToPendingReview(stack, reviewed);
    const inReview = (await view(stack, id, token)).json();
    expect(inReview.status).toBe('PENDING_REVIEW');
    // The workflow starts its review clock just before it records PENDING_REVIEW.
    const reviewOpened = Date.parse(inReview.reviewDueAt) - EXPIRE_AFTER_MS;
    expect(staffMessages(stack, 'reviewers', id)).toEqual([]);

    await server.kill('SIGKILL');
    // The reminder is due after this point, so it cannot have gone out before the outage.
    expect(Date.now()).toBeLessThan(reviewOpened + REMIND_AFTER_MS);

    // The same API instance answers 503 with Retry-After for what needs Temporal: steps, and the
    // staff view with its review file. The applicant still reads their application, from the app
    // database's read model.
    const ready = await stack.api.inject('/readyz');
    expect(ready.statusCode).toBe(503);
    expect(ready.json().checks).toEqual({ temporal: false, database: true });
    const read = await view(stack, id, token);
    expect(read.statusCode, read.body).toBe(200);
    expect(read.json()).toMatchObject({ status: 'PENDING_REVIEW' });
    const staffRead = await stack.api.inject({
      url: `/v1/applications/${id}`,
      headers: bearer(stack.staffToken('reviewer')),
    });
    expect(staffRead.statusCode, staffRead.body).toBe(503);
    expect(staffRead.headers['retry-after']).toBe('5');
    expect(staffRead.json().code).toBe('TEMPORAL_UNAVAILABLE');
    const verify = await stack.api.inject({
      method: 'POST',
      url: `/v1/applications/${earlyId}/otp/verify`,
      headers: bearer(earlyToken),
      payload: { code: '000000' },
    });
    expect(verify.statusCode, verify.body).toBe(503);
    expect(verify.headers['retry-after']).toBe('5');
    expect(verify.json().code).toBe('TEMPORAL_UNAVAILABLE');
    // A decision refused with 503 must not have been taken: the timers below still run.
    const decision = await decide(stack, id, 'rita');
    expect(decision.statusCode, decision.body).toBe(503);
    expect(decision.headers['retry-after']).toBe('5');

    // Stay down until the reminder is overdue, so that it can only fire from persisted state.
    const remindAt = reviewOpened + REMIND_AFTER_MS;
    await new Promise((r) => setTimeout(r, Math.max(0, remindAt - Date.now()) + 1_000));
    expect(staffMessages(stack, 'reviewers', id)).toEqual([]);
    const restartedAt = Date.now();
    await server.start();

    // Neither the API nor the worker is restarted: the API's client reconnects by itself...
    const readyAgain = await eventually(
      async () => (await stack.api.inject('/readyz')).statusCode,
      (status) => status === 200,
      30_000,
    );
    expect(readyAgain).toBe(200);
    // ...and the worker answers queries again, with both applications where they were.
    const back = await eventually(
      () => view(stack, id, token),
      (res) => res.statusCode === 200,
      60_000,
    );
    expect(back.statusCode, back.body).toBe(200);
    expect(back.json()).toMatchObject({ status: 'PENDING_REVIEW', nextAction: 'WAIT_FOR_REVIEW' });
    const earlyBack = await view(stack, earlyId, earlyToken);
    expect(earlyBack.statusCode, earlyBack.body).toBe(200);
    expect(earlyBack.json().status).toBe('AWAITING_PHONE_VERIFICATION');

    // The overdue reminder fires once the server is back, then the escalation at its time.
    const reminders = await eventually(
      () => staffMessages(stack, 'reviewers', id),
      (m) => m.length > 0,
      60_000,
    );
    expect(reminders.map((m) => m.template)).toEqual(['REVIEW_REMINDER']);
    expect(reminders[0]!.createdAt.getTime()).toBeGreaterThanOrEqual(restartedAt);
    const escalations = await eventually(
      () => staffMessages(stack, 'review-supervisors', id),
      (m) => m.length > 0,
      60_000,
    );
    expect(escalations.map((m) => m.template)).toEqual(['REVIEW_ESCALATION']);
    expect(escalations[0]!.createdAt.getTime()).toBeGreaterThanOrEqual(
      reviewOpened + ESCALATE_AFTER_MS,
    );

    // A decision now carries the reviewed application to an active wallet.
    const approved = await decide(stack, id, 'rita');
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json().status).toBe('AWAITING_PAYMENT_PASSWORD');
    expect((await setPaymentPassword(stack, id, token)).json()).toMatchObject({ status: 'ACTIVE' });
    // Each staff message went out once, however the server's restart replayed the timers.
    expect(staffMessages(stack, 'reviewers', id)).toHaveLength(1);
    expect(staffMessages(stack, 'review-supervisors', id)).toHaveLength(1);

    // The early one continues with the code it was sent before the outage.
    expect(await verifyPhone(stack, earlyId, earlyToken, early.phone)).toMatchObject({
      status: 'AWAITING_ID_PHOTO',
    });
    const photo = await uploadClearCard(stack, earlyId, earlyToken, early.person);
    expect(photo).toMatchObject({ accepted: true, status: 'PENDING_REVIEW' });
    expect((await decide(stack, earlyId, 'rita')).json().status).toBe('AWAITING_PAYMENT_PASSWORD');
    expect((await setPaymentPassword(stack, earlyId, earlyToken)).json()).toMatchObject({
      status: 'ACTIVE',
    });
  });
});
