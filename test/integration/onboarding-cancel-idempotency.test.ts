// SPEC §1 cancellation and SPEC §5 Idempotency-Key, through HTTP against a real worker and Temporal.
import { Client, Connection } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onboardingWorkflowId } from '../../domain/contract';
import { createDataConverter } from '../../temporal/payload-codec';
import { temporalSubjectKeys } from '../../db/repositories/temporal-subjects';
import { PEOPLE } from '../fixtures/id-card';
import {
  apply,
  bearer,
  driveToPendingReview,
  freshPerson,
  openBankAccount,
  outboxFor,
  statusTextsFor,
  staffView,
  type Applicant,
} from '../helpers/onboarding';
import { applicationFor } from '../helpers/people';
import { startStack, type Stack } from '../helpers/stack';

let stack: Stack;
let connection: Connection;
let client: Client;
beforeAll(async () => {
  stack = await startStack({}, { photo: true });
  connection = await Connection.connect({ address: stack.config.temporal.address });
  client = new Client({
    connection,
    namespace: stack.config.temporal.namespace,
    dataConverter: createDataConverter(
      stack.config.piiKey,
      temporalSubjectKeys(stack.database.db, stack.config.piiKey),
    ),
  });
});
afterAll(async () => {
  await connection?.close();
  await stack?.close();
});

async function started(a: Applicant) {
  await openBankAccount(stack, a);
  const created = await apply(stack, a);
  expect(created.statusCode, created.body).toBe(201);
  return created.json<{ applicationId: string; applicantToken: string }>();
}

function cancel(id: string, token: string) {
  return stack.api.inject({
    method: 'POST',
    url: `/v1/applications/${id}/cancel`,
    headers: bearer(token),
    payload: {},
  });
}

const CANCELLED_TEXT =
  '【钱包】您的钱包开通申请状态：已取消。Your wallet application is cancelled.';

describe('cancelling an application', () => {
  it('cancels in AWAITING_PHONE_VERIFICATION, tells the applicant, and refuses a second cancel (409)', async () => {
    const a = freshPerson(PEOPLE[0]!);
    const { applicationId: id, applicantToken: token } = await started(a);

    const res = await cancel(id, token);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      applicationId: id,
      status: 'CANCELLED',
      nextAction: 'NONE',
      reasons: [],
    });

    // What the caller reads next already shows it; the SMS follows.
    expect(await statusTextsFor(stack, a.phone, 1)).toEqual([CANCELLED_TEXT]);
    expect(await staffView(stack, id)).toMatchObject({ status: 'CANCELLED', nextAction: 'NONE' });

    const again = await cancel(id, token);
    expect(again.statusCode, again.body).toBe(409);
    expect(again.json()).toMatchObject({ status: 409, code: 'INVALID_STATE' });

    // Nor can the cancelled application go on.
    const verify = await stack.api.inject({
      method: 'POST',
      url: `/v1/applications/${id}/otp/verify`,
      headers: bearer(token),
      payload: { code: '123456' },
    });
    expect(verify.statusCode, verify.body).toBe(409);
    expect(await statusTextsFor(stack, a.phone, 1)).toHaveLength(1);
  });

  it("answers 404 to another applicant's cancel and leaves the application alone", async () => {
    const a = freshPerson(PEOPLE[1]!);
    const b = freshPerson(PEOPLE[2]!);
    const { applicationId: id } = await started(a);
    const { applicantToken: otherToken } = await started(b);

    const res = await cancel(id, otherToken);
    expect(res.statusCode, res.body).toBe(404);
    expect(res.json().code).toBe('NOT_FOUND');
    expect(await staffView(stack, id)).toMatchObject({ status: 'AWAITING_PHONE_VERIFICATION' });

    // Nor may staff cancel on the applicant's behalf through this route.
    const asStaff = await cancel(id, stack.staffToken('reviewer', 'rita'));
    expect(asStaff.statusCode, asStaff.body).toBe(403);
  });

  it('cancels in PENDING_REVIEW: the application leaves the review queue', async () => {
    const a = freshPerson(PEOPLE[0]!);
    const { id, token } = await driveToPendingReview(stack, a);

    const res = await cancel(id, token);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'CANCELLED', nextAction: 'NONE' });

    const texts = await statusTextsFor(stack, a.phone, 3);
    expect(texts[0]).toBe(CANCELLED_TEXT); // newest first
    expect(texts).toHaveLength(3); // ID photo, review, cancelled

    const queue = await stack.api.inject({
      method: 'GET',
      url: '/v1/reviews?limit=100',
      headers: bearer(stack.staffToken('reviewer', 'rita')),
    });
    expect(queue.statusCode, queue.body).toBe(200);
    expect(queue.json().items.some((i: { applicationId: string }) => i.applicationId === id)).toBe(
      false,
    );

    // A reviewer can no longer decide it.
    const decision = await stack.api.inject({
      method: 'POST',
      url: `/v1/applications/${id}/decision`,
      headers: bearer(stack.staffToken('reviewer', 'rita')),
      payload: { decision: 'APPROVE' },
    });
    expect(decision.statusCode, decision.body).toBe(409);
  });
});

describe('Idempotency-Key on POST /v1/applications', () => {
  /** Executions with the application's workflow id, once visibility has caught up. */
  async function workflowsFor(id: string): Promise<number> {
    const count = async () => {
      let n = 0;
      for await (const _ of client.workflow.list({
        query: `WorkflowId = '${onboardingWorkflowId(id)}'`,
      }))
        n += 1;
      return n;
    };
    const until = Date.now() + 10_000;
    let n = await count();
    while (n === 0 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 200));
      n = await count();
    }
    return n;
  }

  function applyWithKey(a: Applicant, key: string) {
    return stack.api.inject({
      method: 'POST',
      url: '/v1/applications',
      headers: { 'idempotency-key': key },
      payload: applicationFor(a),
    });
  }

  it('answers the same application for the same key, with one workflow and one code sent', async () => {
    const a = freshPerson(PEOPLE[1]!);
    await openBankAccount(stack, a);
    const key = randomUUID();

    const first = await applyWithKey(a, key);
    expect(first.statusCode, first.body).toBe(201);
    const second = await applyWithKey(a, key);
    expect(second.statusCode, second.body).toBe(201);
    const id = first.json().applicationId;
    expect(second.json()).toMatchObject({
      applicationId: id,
      status: 'AWAITING_PHONE_VERIFICATION',
      nextAction: 'VERIFY_PHONE',
    });

    expect(await workflowsFor(id)).toBe(1);
    const otps = (await outboxFor(stack, a.phone)).filter((m) => m.template === 'OTP');
    expect(otps).toHaveLength(1);
  });

  it('answers the same application to two concurrent requests with one key', async () => {
    const a = freshPerson(PEOPLE[2]!);
    await openBankAccount(stack, a);
    const key = randomUUID();
    const [r1, r2] = await Promise.all([applyWithKey(a, key), applyWithKey(a, key)]);
    expect(r1.statusCode, r1.body).toBe(201);
    expect(r2.statusCode, r2.body).toBe(201);
    expect(r2.json().applicationId).toBe(r1.json().applicationId);
    expect(await workflowsFor(r1.json().applicationId)).toBe(1);
    const otps = (await outboxFor(stack, a.phone)).filter((m) => m.template === 'OTP');
    expect(otps).toHaveLength(1);
  });

  it('refuses the same person under another key: 409 APPLICATION_IN_PROGRESS', async () => {
    const a = freshPerson(PEOPLE[3]!);
    await openBankAccount(stack, a);
    const first = await applyWithKey(a, randomUUID());
    expect(first.statusCode, first.body).toBe(201);

    const second = await applyWithKey(a, randomUUID());
    expect(second.statusCode, second.body).toBe(409);
    const problem = second.json();
    expect(problem).toMatchObject({ status: 409, code: 'APPLICATION_IN_PROGRESS' });
    expect(problem.applicationId).not.toBe(first.json().applicationId);
    expect((await staffView(stack, problem.applicationId)).status).toBe('FAILED');
    expect((await staffView(stack, first.json().applicationId)).status).toBe(
      'AWAITING_PHONE_VERIFICATION',
    );
    // Only the first application sent a code.
    const otps = (await outboxFor(stack, a.phone)).filter((m) => m.template === 'OTP');
    expect(otps).toHaveLength(1);
  });
});
