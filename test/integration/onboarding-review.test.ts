// Minors, screening, four-eyes review, rejection and resubmission (SPEC §1 steps 4–7).
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
  type Applicant,
} from '../helpers/onboarding';
import { startStack, type Stack } from '../helpers/stack';
import { birthForAge } from '../helpers/people';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({}, { photo: true });
});
afterAll(async () => {
  await stack?.close();
});

async function toReview(a: Applicant) {
  await openBankAccount(stack, a);
  const created = await apply(stack, a);
  expect(created.statusCode, created.body).toBe(201);
  const { applicationId: id, applicantToken: token } = created.json();
  await verifyPhone(stack, id, token, a.phone);
  const photo = await uploadClearCard(stack, id, token, a.person);
  return { id, token, photo };
}

async function post(url: string, token: string, payload: unknown = {}) {
  return stack.api.inject({
    method: 'POST',
    url,
    headers: bearer(token),
    payload: payload as object,
  });
}

async function activate(id: string, token: string) {
  const res = await post(`/v1/applications/${id}/payment-password`, token, {
    paymentPassword: '580314',
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

describe('minors', () => {
  it('needs a guardian’s consent under 16, then two reviewers, and opens a GUARDIAN wallet', async () => {
    const child = freshPerson(PEOPLE[1]!, birthForAge(13));
    const parent = freshPerson(PEOPLE[0]!);
    const { id, token, photo } = await toReview(child);
    expect(photo.status).toBe('AWAITING_GUARDIAN_CONSENT');
    expect(photo.nextAction).toBe('GUARDIAN_CONSENT');
    expect(Date.parse(photo.stepDeadline)).toBeGreaterThan(Date.now() + 6 * 86_400_000);

    const self = await post(`/v1/applications/${id}/guardian-consent`, token, {
      name: child.person.name,
      idNumber: child.person.idNumber,
      phone: child.phone,
      relationship: 'PARENT',
    });
    expect(self.statusCode).toBe(422);
    expect(self.json().code).toBe('GUARDIAN_INVALID');
    expect(self.json().errors).toContainEqual({ field: 'idNumber', code: 'GUARDIAN_INVALID' });

    const minorGuardian = freshPerson(PEOPLE[3]!, birthForAge(17));
    const tooYoung = await post(`/v1/applications/${id}/guardian-consent`, token, {
      name: minorGuardian.person.name,
      idNumber: minorGuardian.person.idNumber,
      phone: minorGuardian.phone,
      relationship: 'LEGAL_GUARDIAN',
    });
    expect(tooYoung.statusCode).toBe(422);

    const consent = await post(`/v1/applications/${id}/guardian-consent`, token, {
      name: parent.person.name,
      idNumber: parent.person.idNumber,
      phone: parent.phone,
      relationship: 'PARENT',
    });
    expect(consent.statusCode, consent.body).toBe(200);
    expect(consent.json().status).toBe('PENDING_REVIEW');

    const staffView = await stack.api.inject({
      url: `/v1/applications/${id}`,
      headers: bearer(stack.staffToken('reviewer', 'rita')),
    });
    expect(staffView.json().review).toMatchObject({
      riskLevel: 'HIGH',
      approvalsRequired: 2,
      flags: [{ code: 'MINOR_UNDER_16' }],
      guardian: { relationship: 'PARENT', idNumber: parent.person.idNumber },
    });

    // Four eyes: one approval is not enough, and the same reviewer cannot give the second.
    const first = await decide(stack, id, 'rita');
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json().status).toBe('PENDING_REVIEW');
    const again = await decide(stack, id, 'rita');
    expect(again.statusCode).toBe(409);
    const second = await decide(stack, id, 'sam');
    expect(second.json().status).toBe('AWAITING_PAYMENT_PASSWORD');
    expect((await activate(id, token)).tier).toBe('GUARDIAN');
  });

  it('gives a 16- or 17-year-old a RESTRICTED wallet without a guardian', async () => {
    const teen = freshPerson(PEOPLE[2]!, birthForAge(17));
    const { id, token, photo } = await toReview(teen);
    expect(photo.status).toBe('PENDING_REVIEW');
    expect((await decide(stack, id, 'rita')).json().status).toBe('AWAITING_PAYMENT_PASSWORD');
    expect((await activate(id, token)).tier).toBe('RESTRICTED');
  });
});

describe('screening', () => {
  it('flags a watch-list match for the reviewers and asks for two approvals', async () => {
    const a = freshPerson(PEOPLE[3]!);
    const b = a.person.birth;
    const listed = await stack.api.inject({
      method: 'POST',
      url: '/v1/ops/watchlist',
      headers: bearer(stack.staffToken('ops')),
      payload: {
        name: a.person.name,
        birthDate: `${b.year}-${String(b.month).padStart(2, '0')}-${String(b.day).padStart(2, '0')}`,
        source: 'TEST-LIST',
      },
    });
    expect(listed.statusCode, listed.body).toBe(201);
    const { id } = await toReview(a);
    const queue = await stack.api.inject({
      url: '/v1/reviews',
      headers: bearer(stack.staffToken('reviewer', 'rita')),
    });
    const item = queue.json().items.find((i: { applicationId: string }) => i.applicationId === id);
    expect(item).toMatchObject({ riskLevel: 'HIGH', approvalsRequired: 2 });
    expect(item.flags.map((f: { code: string }) => f.code)).toEqual(['WATCHLIST_MATCH']);
    const rejected = await decide(stack, id, 'rita', {
      decision: 'REJECT',
      reasonCode: 'WATCHLIST_MATCH',
      rejectType: 'FINAL',
      internalNote: 'sanctions hit confirmed',
    });
    expect(rejected.statusCode, rejected.body).toBe(200);
    expect(rejected.json()).toMatchObject({
      status: 'FAILED',
      reasons: [{ code: 'REVIEW_REJECTED' }, { code: 'WATCHLIST_MATCH' }],
    });
  });
});

describe('rejection and resubmission', () => {
  it('lets the applicant correct and resubmit after a RETRY rejection, at most three times', async () => {
    const a = freshPerson(PEOPLE[0]!);
    const { id, token } = await toReview(a);

    const missingReason = await decide(stack, id, 'rita', { decision: 'REJECT' });
    expect(missingReason.statusCode).toBe(400);

    for (let round = 1; round <= 3; round++) {
      const rejected = await decide(stack, id, 'rita', {
        decision: 'REJECT',
        reasonCode: 'INFORMATION_INCONSISTENT',
        messageToApplicant: '请重新拍摄身份证',
        internalNote: 'internal only',
      });
      expect(rejected.json().status).toBe('REJECTED');
      const seen = await stack.api.inject({
        url: `/v1/applications/${id}`,
        headers: bearer(token),
      });
      expect(seen.json()).toMatchObject({
        status: 'REJECTED',
        nextAction: 'RESUBMIT',
        reasons: [{ code: 'INFORMATION_INCONSISTENT', message: '请重新拍摄身份证' }],
        attemptsLeft: { resubmission: 4 - round },
      });
      expect(JSON.stringify(seen.json())).not.toContain('internal only');

      const badFix = await post(`/v1/applications/${id}/resubmission`, token, { phone: '12345' });
      expect(badFix.statusCode).toBe(400);
      const resubmitted = await post(`/v1/applications/${id}/resubmission`, token, {});
      expect(resubmitted.statusCode, resubmitted.body).toBe(200);
      expect(resubmitted.json()).toMatchObject({
        status: 'AWAITING_ID_PHOTO',
        attemptsLeft: { resubmission: 3 - round },
      });
      expect((await uploadClearCard(stack, id, token, a.person)).status).toBe('PENDING_REVIEW');
    }
    const last = await decide(stack, id, 'rita', {
      decision: 'REJECT',
      reasonCode: 'DOCUMENT_SUSPICIOUS',
    });
    expect(last.json()).toMatchObject({
      status: 'FAILED',
      reasons: [{ code: 'DOCUMENT_SUSPICIOUS' }, { code: 'RESUBMISSION_LIMIT_REACHED' }],
    });
  });

  it('verifies a corrected phone number again before the photo step', async () => {
    const a = freshPerson(PEOPLE[1]!);
    const { id, token } = await toReview(a);
    await decide(stack, id, 'rita', { decision: 'REJECT', reasonCode: 'OTHER' });
    const newPhone = `137${a.phone.slice(3)}`;
    const res = await post(`/v1/applications/${id}/resubmission`, token, { phone: newPhone });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().status).toBe('AWAITING_PHONE_VERIFICATION');
    const verified = await verifyPhone(stack, id, token, newPhone);
    expect(verified.status).toBe('AWAITING_ID_PHOTO');
  });
});
