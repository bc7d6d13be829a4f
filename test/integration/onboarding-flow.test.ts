// SPEC §1 end to end through the HTTP API, with the real photo pipeline and a real Temporal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onboardingWorkflowId } from '../../domain/contract';
import sharp from 'sharp';
import { idCardPhoto, PEOPLE } from '../fixtures/id-card';
import { eventually } from '../helpers/eventually';
import {
  apply,
  bearer,
  decide,
  freshPerson,
  openBankAccount,
  setPaymentPassword,
  statusTextsFor,
  uploadClearCard,
  uploadPhoto,
  verifyPhone,
} from '../helpers/onboarding';
import { switchableSmsGateway } from '../helpers/sms-gateway';
import { startStack, type Stack } from '../helpers/stack';

let stack: Stack;
const gateway = switchableSmsGateway(() => stack);
beforeAll(async () => {
  stack = await startStack({}, { photo: true, deps: { smsTransport: gateway.transport } });
});
afterAll(async () => {
  await stack?.close();
});

describe('opening a wallet', () => {
  it('goes from application to an active wallet', async () => {
    const a = freshPerson(PEOPLE[0]!);
    await openBankAccount(stack, a);
    const created = await apply(stack, a);
    expect(created.statusCode, created.body).toBe(201);
    const { applicationId: id, applicantToken: token } = created.json();

    const verified = await verifyPhone(stack, id, token, a.phone);
    expect(verified).toMatchObject({ status: 'AWAITING_ID_PHOTO', nextAction: 'UPLOAD_ID_PHOTO' });

    // A blurry photo is refused with its reason and costs one attempt.
    const blurry = await uploadPhoto(stack, id, token, await idCardPhoto(a.person, 'blur-8'));
    expect(blurry.statusCode).toBe(422);
    expect(blurry.json()).toMatchObject({
      code: 'PHOTO_BLURRY',
      accepted: false,
      reasons: ['PHOTO_BLURRY'],
      attemptsLeft: { photo: 4 },
    });

    const photo = await uploadClearCard(stack, id, token, a.person);
    expect(photo).toMatchObject({
      accepted: true,
      reasons: [],
      ocr: { name: a.person.name, idNumber: a.person.idNumber, matched: true },
      status: 'PENDING_REVIEW',
      nextAction: 'WAIT_FOR_REVIEW',
    });
    expect(photo.metrics.width).toBe(1600);
    expect(Date.parse(photo.reviewDueAt)).toBeGreaterThan(Date.now() + 47 * 3600_000);

    const queue = await stack.api.inject({
      method: 'GET',
      url: '/v1/reviews',
      headers: bearer(stack.staffToken('reviewer', 'rita')),
    });
    expect(queue.statusCode).toBe(200);
    const item = queue.json().items.find((i: { applicationId: string }) => i.applicationId === id);
    expect(item).toMatchObject({
      status: 'PENDING_REVIEW',
      riskLevel: 'LOW',
      flags: [],
      approvalsRequired: 1,
      submitted: { name: a.person.name, idNumber: a.person.idNumber },
      photo: { accepted: true, ocr: { name: a.person.name, idNumber: a.person.idNumber } },
    });

    const photoBytes = await stack.api.inject({
      method: 'GET',
      url: `/v1/applications/${id}/id-photo`,
      headers: bearer(stack.staffToken('reviewer', 'rita')),
    });
    expect(photoBytes.statusCode).toBe(200);
    expect(photoBytes.headers['content-type']).toBe('image/jpeg');
    const asApplicant = await stack.api.inject({
      method: 'GET',
      url: `/v1/applications/${id}/id-photo`,
      headers: bearer(token),
    });
    expect(asApplicant.statusCode).toBe(403);

    // The card as found in the upload, and straightened beside it for reviewers.
    expect(photo.metrics.corners).toHaveLength(4);
    expect(photo.metrics.cardShare).toBeGreaterThan(0.8);
    const card = await stack.api.inject({
      method: 'GET',
      url: `/v1/applications/${id}/id-photo?variant=card`,
      headers: bearer(stack.staffToken('reviewer', 'rita')),
    });
    expect(card.statusCode).toBe(200);
    expect(card.headers['content-type']).toBe('image/jpeg');
    expect(await sharp(card.rawPayload).metadata()).toMatchObject({ width: 1712, height: 1080 });
    const unknownVariant = await stack.api.inject({
      method: 'GET',
      url: `/v1/applications/${id}/id-photo?variant=thumbnail`,
      headers: bearer(stack.staffToken('reviewer', 'rita')),
    });
    expect(unknownVariant.statusCode).toBe(400);

    const approved = await decide(stack, id, 'rita', {
      decision: 'APPROVE',
      internalNote: 'documents fine',
    });
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json()).toMatchObject({ status: 'AWAITING_PAYMENT_PASSWORD' });

    const weak = await stack.api.inject({
      method: 'POST',
      url: `/v1/applications/${id}/payment-password`,
      headers: bearer(token),
      payload: { paymentPassword: '123456' },
    });
    expect(weak.statusCode).toBe(422);
    expect(weak.json().code).toBe('PAYMENT_PASSWORD_WEAK');

    const active = await stack.api.inject({
      method: 'POST',
      url: `/v1/applications/${id}/payment-password`,
      headers: bearer(token),
      payload: { paymentPassword: '580314' },
    });
    expect(active.statusCode, active.body).toBe(200);
    expect(active.json()).toMatchObject({ status: 'ACTIVE', nextAction: 'NONE', tier: 'STANDARD' });
    expect(active.json().walletId).toMatch(/^w_[0-9a-f]{24}$/);

    const seen = await stack.api.inject({
      method: 'GET',
      url: `/v1/applications/${id}`,
      headers: bearer(token),
    });
    expect(seen.json()).toMatchObject({ status: 'ACTIVE', walletId: active.json().walletId });
    expect(seen.json().review).toBeUndefined();

    // Every status change reached the applicant.
    const statuses = await statusTextsFor(stack, a.phone, 4);
    expect(statuses).toHaveLength(4); // ID photo, review, payment password, active
  });

  it('goes on to an active wallet while the SMS gateway is down; the texts follow in order', async () => {
    const a = freshPerson(PEOPLE[1]!);
    await openBankAccount(stack, a);
    const created = await apply(stack, a);
    expect(created.statusCode, created.body).toBe(201);
    const { applicationId: id, applicantToken: token } = created.json();
    await verifyPhone(stack, id, token, a.phone);
    const statusNotices = () =>
      gateway.delivered.filter((m) => m.key.startsWith(`${id}:status:`)).map((m) => m.key);
    // The text about AWAITING_ID_PHOTO is on its way while the gateway is still up: counted once
    // it has arrived, so that only texts sent while the gateway is down are compared below.
    const before = (await eventually(statusNotices, (keys) => keys.length >= 1)).length;
    gateway.down = true;
    try {
      // Each step used to wait for the SMS about the step before it, and time out.
      const photo = await uploadClearCard(stack, id, token, a.person);
      expect(photo).toMatchObject({ accepted: true, status: 'PENDING_REVIEW' });
      const approved = await decide(stack, id, 'rita');
      expect(approved.json().status, approved.body).toBe('AWAITING_PAYMENT_PASSWORD');
      await setPaymentPassword(stack, id, token);
      expect(gateway.failedCalls).toBeGreaterThan(0);
      expect(statusNotices().length).toBe(before);
    } finally {
      gateway.down = false;
    }
    // Back up: every status text goes out once, in the order of the statuses, ACTIVE last.
    const handle = stack.temporalClient.workflow.getHandle(onboardingWorkflowId(id));
    const final = (await handle.result()) as { status: string };
    expect(final.status).toBe('ACTIVE');
    const seqs = statusNotices().map((key) => Number(key.split(':').pop()));
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(new Set(seqs).size).toBe(seqs.length);
    const texts = await statusTextsFor(stack, a.phone, 4);
    expect(texts).toHaveLength(4); // ID photo, review, payment password, active
  }, 120_000);

  it('reaches an active wallet when the gateway refuses every status text for good', async () => {
    const a = freshPerson(PEOPLE[2]!);
    await openBankAccount(stack, a);
    const created = await apply(stack, a);
    const { applicationId: id, applicantToken: token } = created.json();
    await verifyPhone(stack, id, token, a.phone);
    gateway.refusing = true;
    try {
      const failedBefore = gateway.failedCalls;
      expect(await uploadClearCard(stack, id, token, a.person)).toMatchObject({
        status: 'PENDING_REVIEW',
      });
      expect((await decide(stack, id, 'rita')).json().status).toBe('AWAITING_PAYMENT_PASSWORD');
      await setPaymentPassword(stack, id, token);
      const handle = stack.temporalClient.workflow.getHandle(onboardingWorkflowId(id));
      // The refused texts are in the history for ops; the application ended as it should.
      expect(((await handle.result()) as { status: string }).status).toBe('ACTIVE');
      expect(gateway.failedCalls - failedBefore).toBeGreaterThanOrEqual(3);
    } finally {
      gateway.refusing = false;
    }
  }, 120_000);
});
