// Durable review timers (SPEC §1 step 6) with short configured durations on the real server: the
// REVIEW_* settings reach the workflow and the texts reach the outbox. Each timer's rules, and
// that a decision stops them: test/workflow/review.test.ts.
import { staffNotificationsAbout } from '../../db/sqlite/repositories/staff-notifications';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PEOPLE } from '../fixtures/id-card';
import {
  apply,
  bearer,
  decide,
  freshPerson,
  openBankAccount,
  uploadClearCard,
  verifyPhone,
} from '../helpers/onboarding';
import { eventually } from '../helpers/eventually';
import { startStack, type Stack } from '../helpers/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack(
    { REVIEW_REMIND_AFTER: '2s', REVIEW_ESCALATE_AFTER: '4s', REVIEW_EXPIRE_AFTER: '6s' },
    { photo: true },
  );
});
afterAll(async () => {
  await stack?.close();
});

async function outbox(recipient: string) {
  const res = await stack.api.inject({
    url: `/v1/sandbox/outbox?recipient=${recipient}&limit=100`,
    headers: bearer(stack.staffToken('ops')),
  });
  return res.json().items as { recipient: string; template: string; text: string }[];
}

describe('review timers', () => {
  it('reminds reviewers, escalates, then expires the application and tells the applicant', async () => {
    const a = freshPerson(PEOPLE[2]!);
    await openBankAccount(stack, a);
    const { applicationId: id, applicantToken: token } = (await apply(stack, a)).json();
    await verifyPhone(stack, id, token, a.phone);
    const inReview = await uploadClearCard(stack, id, token, a.person);
    expect(inReview.status).toBe('PENDING_REVIEW');
    const due = Date.parse(inReview.reviewDueAt);
    expect(due - Date.parse(inReview.updatedAt)).toBeGreaterThanOrEqual(5_900);
    expect(due - Date.parse(inReview.updatedAt)).toBeLessThanOrEqual(6_100);

    const view = await eventually(
      async () =>
        (await stack.api.inject({ url: `/v1/applications/${id}`, headers: bearer(token) })).json(),
      (v) => v.status === 'FAILED',
      20_000,
    );
    expect(view).toMatchObject({ status: 'FAILED', reasons: [{ code: 'REVIEW_TIMEOUT' }] });

    // Staff are told in the console (and STAFF_WEBHOOK_URL), never through the SMS outbox.
    const toStaff = staffNotificationsAbout(stack.database.db, id);
    expect(toStaff.map((m) => [m.template, m.recipient])).toEqual([
      ['REVIEW_REMINDER', 'role:reviewer'],
      ['REVIEW_ESCALATION', 'role:ops'],
    ]);
    expect(await outbox('reviewers')).toEqual([]);
    expect(await outbox('review-supervisors')).toEqual([]);
    // The status is recorded and the applicant told side by side: the text may trail the GET.
    const told = await eventually(
      async () => (await outbox(a.phone)).filter((m) => m.template === 'STATUS_CHANGED'),
      (messages) => messages[0]?.text.includes('could not be completed') ?? false,
      10_000,
    );
    expect(told[0]!.text).toContain('The review could not be completed in time.');

    const late = await decide(stack, id, 'rita');
    expect(late.statusCode).toBe(409);
  });
});
