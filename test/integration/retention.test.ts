// SPEC §9: a FAILED or CANCELLED application's personal data and photos are erased
// RETENTION_AFTER after it ended, by a durable scheduled process (a Temporal Schedule); its
// anonymous audit trail stays, and a person's other live application and wallet stay whole.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onboardingWorkflowId } from '../../domain/contract';
import { photoRef } from '../../db/sqlite/repositories/photo-store';
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
  uploadPhoto,
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
const photoOf = (id: string, variant = '') =>
  stack.api.inject({
    method: 'GET',
    url: `/v1/applications/${id}/id-photo${variant}`,
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

  it("erases an ended application's photo, never another live application's identical one", async () => {
    const ended = freshPerson(PEOPLE[2]!);
    const live = freshPerson(PEOPLE[3]!);
    const bytes = await idCardPhoto(ended.person, 'clear-1600');
    const started = [];
    for (const a of [live, ended]) {
      await openBankAccount(stack, a);
      const created = (await apply(stack, a)).json();
      await verifyPhone(stack, created.applicationId, created.applicantToken, a.phone);
      // Both upload the same file (for the live one it is someone else's card: kept for review).
      await uploadPhoto(stack, created.applicationId, created.applicantToken, bytes);
      started.push(created as { applicationId: string; applicantToken: string });
    }
    const [kept, gone] = started as [(typeof started)[0], (typeof started)[0]];
    expect((await photoOf(gone.applicationId)).statusCode).toBe(200);
    expect((await cancel(gone.applicationId, gone.applicantToken)).json().status).toBe('CANCELLED');
    await eventually(
      () => staffRead(gone.applicationId),
      (r) => r.statusCode === 404,
      60_000,
    );
    expect(await stack.photoStore!.of(gone.applicationId).has(photoRef(bytes))).toBe(false);
    const photo = await photoOf(kept.applicationId);
    expect(photo.statusCode, photo.body).toBe(200);
    expect(photo.rawPayload.equals(bytes)).toBe(true);
    expect((await photoOf(kept.applicationId, '?variant=card')).statusCode).toBe(200);
  }, 180_000);

  it("keeps the person's key and new application when an earlier one is erased", async () => {
    const b = freshPerson(PEOPLE[1]!);
    await openBankAccount(stack, b);
    const first = (await apply(stack, b)).json();
    // The same picture in both applications: retention of the first must leave the second's.
    const card = await idCardPhoto(b.person, 'clear-1600');
    await verifyPhone(stack, first.applicationId, first.applicantToken, b.phone);
    await uploadPhoto(stack, first.applicationId, first.applicantToken, card);
    expect((await cancel(first.applicationId, first.applicantToken)).json().status).toBe(
      'CANCELLED',
    );
    const second = await apply(stack, b);
    expect(second.statusCode, second.body).toBe(201);
    const { applicationId: id, applicantToken: token } = second.json();
    await verifyPhone(stack, id, token, b.phone);
    await uploadPhoto(stack, id, token, card);
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
    // The live application and its wallet read whole, its photo and card included.
    expect((await staffView(stack, id)).applicant.name).toBe(b.person.name);
    const photo = await photoOf(id);
    expect(photo.statusCode, photo.body).toBe(200);
    expect(photo.rawPayload.equals(card)).toBe(true);
    expect((await photoOf(id, '?variant=card')).statusCode).toBe(200);
    const wallet = await stack.api.inject({
      method: 'GET',
      url: `/v1/wallets/${active.json().walletId}`,
      headers: bearer(token),
    });
    expect(wallet.statusCode, wallet.body).toBe(200);
  }, 180_000);
});
