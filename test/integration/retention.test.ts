// SPEC §9: a FAILED or CANCELLED application's personal data and photos are erased
// RETENTION_AFTER after it ended, by a durable scheduled process (a Temporal Schedule); its
// anonymous audit trail stays, and a person's other live application and wallet stay whole.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onboardingWorkflowId } from '../../domain/contract';
import { ensureSchedules } from '../../temporal/schedules';
import { idCardPhoto, PEOPLE } from '../fixtures/id-card';
import { getReviewFileQuery } from '../../workflows/messages';
import { eventually } from '../helpers/eventually';
import {
  apply,
  bearer,
  decide,
  freshPerson,
  openBankAccount,
  setPaymentPassword,
  staffView,
  uploadClearCard,
  verifyPhone,
} from '../helpers/onboarding';
import { applicationFor } from '../helpers/people';
import { startStack, type Stack } from '../helpers/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ RETENTION_AFTER: '2s' }, { photo: true });
  await ensureSchedules(stack.temporalClient, stack.config);
}, 180_000);
afterAll(async () => {
  await stack?.close();
});

const ops = () => bearer(stack.staffToken('ops', 'olga'));
const cancel = (id: string, token: string) =>
  stack.api.inject({
    method: 'POST',
    url: `/v1/applications/${id}/cancel`,
    headers: bearer(token),
    payload: {},
  });
const staffRead = (id: string) =>
  stack.api.inject({
    method: 'GET',
    url: `/v1/applications/${id}`,
    headers: bearer(stack.staffToken('reviewer', 'rita')),
  });
const auditOf = async (id: string) =>
  (
    await stack.api.inject({
      method: 'GET',
      url: `/v1/ops/audit?subjectType=application&subjectId=${id}&limit=100`,
      headers: ops(),
    })
  ).json().items as { action: string; detail: Record<string, unknown> | null }[];
const historyExists = async (id: string) =>
  stack.temporalClient.workflow
    .getHandle(onboardingWorkflowId(id))
    .describe()
    .then(
      () => true,
      () => false,
    );

describe('retention of ended applications', () => {
  it('erases a cancelled application: view, photo, login, history; the audit trail stays', async () => {
    const a = freshPerson(PEOPLE[0]!);
    await openBankAccount(stack, a);
    const created = await apply(stack, a);
    expect(created.statusCode, created.body).toBe(201);
    const { applicationId: id, applicantToken: token } = created.json();
    await verifyPhone(stack, id, token, a.phone);
    const review = await stack.api.inject({
      method: 'PUT',
      url: `/v1/applications/${id}/id-photo`,
      headers: { ...bearer(token), 'content-type': 'image/jpeg' },
      payload: await idCardPhoto(a.person, 'blur-8'),
    });
    expect(review.json().code, review.body).toBe('PHOTO_BLURRY');
    const { photoRefs } = await stack.temporalClient.workflow
      .getHandle(onboardingWorkflowId(id))
      .query(getReviewFileQuery);
    expect(photoRefs.length).toBe(1);
    expect((await cancel(id, token)).json().status).toBe('CANCELLED');

    const erased = await eventually(
      () => staffRead(id),
      (r) => r.statusCode === 404,
      60_000,
    );
    expect(erased.statusCode, erased.body).toBe(404);
    // Temporal deletes an execution in the background: ~30 s on the dev server.
    expect(
      await eventually(
        () => historyExists(id),
        (exists) => !exists,
        90_000,
      ),
    ).toBe(false);
    expect(await stack.photoStore!.of(id).has(photoRefs[0]!)).toBe(false);
    const signIn = await stack.api.inject({
      method: 'POST',
      url: '/v1/sessions',
      payload: { phone: a.phone, password: applicationFor(a).loginPassword },
    });
    expect(signIn.statusCode).toBe(401);
    const trail = await auditOf(id);
    expect(trail.map((r) => r.action)).toContain('APPLICATION_DATA_ERASED');
    expect(trail.find((r) => r.action === 'APPLICATION_DATA_ERASED')?.detail).toMatchObject({
      status: 'CANCELLED',
      personKeyErased: true,
    });
  }, 180_000);

  it("keeps the person's key and new application when an earlier one is erased", async () => {
    const b = freshPerson(PEOPLE[1]!);
    await openBankAccount(stack, b);
    const first = (await apply(stack, b)).json();
    expect((await cancel(first.applicationId, first.applicantToken)).json().status).toBe(
      'CANCELLED',
    );
    const second = await apply(stack, b);
    expect(second.statusCode, second.body).toBe(201);
    const { applicationId: id, applicantToken: token } = second.json();
    await verifyPhone(stack, id, token, b.phone);
    await uploadClearCard(stack, id, token, b.person);
    expect((await decide(stack, id, 'rita')).json().status).toBe('AWAITING_PAYMENT_PASSWORD');
    const active = await setPaymentPassword(stack, id, token);

    await eventually(
      () => staffRead(first.applicationId),
      (r) => r.statusCode === 404,
      60_000,
    );
    const trail = await auditOf(first.applicationId);
    expect(trail.find((r) => r.action === 'APPLICATION_DATA_ERASED')?.detail).toMatchObject({
      personKeyErased: false,
    });
    // The live application and its wallet read whole.
    expect((await staffView(stack, id)).applicant.name).toBe(b.person.name);
    const wallet = await stack.api.inject({
      method: 'GET',
      url: `/v1/wallets/${active.json().walletId}`,
      headers: bearer(token),
    });
    expect(wallet.statusCode, wallet.body).toBe(200);
  }, 180_000);
});
