// SPEC §1 step 1 through POST /v1/applications: every eligibility refusal answers with its reason
// code and leaves the application recorded as FAILED, against a real worker and Temporal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PEOPLE } from '../fixtures/id-card';
import {
  apply,
  bearer,
  driveToActive,
  freshPerson,
  openBankAccount,
  staffView,
  type Applicant,
} from '../helpers/onboarding';
import { startStack, type Stack } from '../helpers/stack';

let stack: Stack;
beforeAll(async () => {
  // MIN_APP_VERSION 3.0.0 is below the helpers' default app version (3.2.0).
  stack = await startStack({ MIN_APP_VERSION: '3.0.0' }, { photo: true });
});
afterAll(async () => {
  await stack?.close();
});

/** Applies and expects a refusal: status, problem code, and a FAILED record with that reason. */
async function expectRefused(
  a: Applicant,
  status: number,
  code: string,
  overrides: Record<string, string> = {},
  /** The code staff see when the applicant is told less (api/eligibility-answers.ts). */
  staffCode = code,
) {
  const res = await apply(stack, a, overrides);
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const problem = res.json();
  // RFC 9457: `status` is the HTTP status; the application's own status has another name.
  expect(problem).toMatchObject({ status, code, applicationStatus: 'FAILED' });
  expect(problem.applicantToken).toBeUndefined();
  expect(problem.applicationId).toMatch(/^[0-9a-f-]{36}$/);
  expect(problem.reasons).toEqual([{ code, message: expect.any(String) }]);
  const view = await staffView(stack, problem.applicationId);
  expect(view).toMatchObject({
    applicationId: problem.applicationId,
    status: 'FAILED',
    nextAction: 'NONE',
  });
  expect(view.reasons.map((r: { code: string }) => r.code)).toEqual([staffCode]);
  return problem.applicationId as string;
}

describe('eligibility refusals through POST /v1/applications', () => {
  it('refuses a card with no bank account: 422 BANK_ACCOUNT_NOT_FOUND', async () => {
    const a = freshPerson(PEOPLE[0]!);
    await expectRefused(a, 422, 'BANK_ACCOUNT_NOT_FOUND');
  });

  // Told like an unknown card, so that the answer says neither that the card exists nor whose it
  // is; staff see the mismatch (docs/security.md, "Floods and oracles").
  it('refuses an account held under another name: 422 BANK_ACCOUNT_NOT_FOUND (staff: HOLDER_MISMATCH)', async () => {
    const a = freshPerson(PEOPLE[0]!);
    await openBankAccount(stack, a, { holderName: PEOPLE[1]!.name });
    await expectRefused(a, 422, 'BANK_ACCOUNT_NOT_FOUND', {}, 'BANK_ACCOUNT_HOLDER_MISMATCH');
  });

  it('refuses an account held under another ID number: 422 BANK_ACCOUNT_NOT_FOUND (staff: HOLDER_MISMATCH)', async () => {
    const a = freshPerson(PEOPLE[0]!);
    const other = freshPerson(PEOPLE[0]!);
    expect(other.person.idNumber).not.toBe(a.person.idNumber);
    await openBankAccount(stack, a, { idNumber: other.person.idNumber });
    await expectRefused(a, 422, 'BANK_ACCOUNT_NOT_FOUND', {}, 'BANK_ACCOUNT_HOLDER_MISMATCH');
  });

  it.each(['FROZEN', 'CLOSED'])(
    'refuses a %s account: 422 BANK_ACCOUNT_NOT_NORMAL',
    async (accountStatus) => {
      const a = freshPerson(PEOPLE[1]!);
      await openBankAccount(stack, a, { status: accountStatus });
      await expectRefused(a, 422, 'BANK_ACCOUNT_NOT_NORMAL');
    },
  );

  it('refuses an account without real-name verification: 422 REAL_NAME_NOT_VERIFIED', async () => {
    const a = freshPerson(PEOPLE[1]!);
    await openBankAccount(stack, a, { realNameVerified: false });
    await expectRefused(a, 422, 'REAL_NAME_NOT_VERIFIED');
  });

  it('refuses an app older than MIN_APP_VERSION: 422 APP_VERSION_TOO_OLD; the minimum itself passes', async () => {
    const a = freshPerson(PEOPLE[1]!);
    await openBankAccount(stack, a);
    await expectRefused(a, 422, 'APP_VERSION_TOO_OLD', { appVersion: '2.9.9' });
    // The refusal did not hold the person: the same person with the minimum version is accepted.
    const ok = await apply(stack, a, { appVersion: '3.0.0' });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json()).toMatchObject({
      status: 'AWAITING_PHONE_VERIFICATION',
      nextAction: 'VERIFY_PHONE',
    });
  });

  it('refuses a second application while the first is in progress (409), and accepts one after cancelling', async () => {
    const a = freshPerson(PEOPLE[2]!);
    await openBankAccount(stack, a);
    const first = await apply(stack, a);
    expect(first.statusCode, first.body).toBe(201);
    const { applicationId: firstId, applicantToken } = first.json();

    const secondId = await expectRefused(a, 409, 'APPLICATION_IN_PROGRESS');
    expect(secondId).not.toBe(firstId);
    // The refused second application did not disturb the first.
    expect(await staffView(stack, firstId)).toMatchObject({
      status: 'AWAITING_PHONE_VERIFICATION',
    });

    const cancelled = await stack.api.inject({
      method: 'POST',
      url: `/v1/applications/${firstId}/cancel`,
      headers: bearer(applicantToken),
      payload: {},
    });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    expect(cancelled.json()).toMatchObject({ status: 'CANCELLED', nextAction: 'NONE' });

    // Straight after the cancel answers, the person is free again.
    const third = await apply(stack, a);
    expect(third.statusCode, third.body).toBe(201);
    expect(third.json()).toMatchObject({ status: 'AWAITING_PHONE_VERIFICATION' });
    expect(third.json().applicationId).not.toBe(firstId);
  });

  it('refuses a person who already has an ACTIVE wallet: 409 ALREADY_HAS_WALLET', async () => {
    const a = freshPerson(PEOPLE[0]!);
    const { applicationId: id, walletId } = await driveToActive(stack, a);

    await expectRefused(a, 409, 'ALREADY_HAS_WALLET');
    // The wallet's application is untouched.
    expect(await staffView(stack, id)).toMatchObject({
      status: 'ACTIVE',
      walletId,
    });
  });
});
