import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { applications, auditLog } from '../../db/sqlite/schema';
import {
  ONBOARDING_WORKFLOW,
  onboardingWorkflowId,
  type OnboardingInput,
} from '../../domain/contract';
import { getApplicationQuery } from '../../workflows/messages';
import { eventually } from '../helpers/eventually';
import { applicant, bankAccountFor } from '../helpers/people';
import { startStack, type Stack } from '../helpers/stack';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

/** An applicant whose bank account exists in the sandbox core-banking system. */
async function eligible(overrides: Record<string, string> = {}) {
  const person = applicant(overrides);
  const res = await stack.api.inject({
    method: 'POST',
    url: '/v1/sandbox/bank-accounts',
    headers: { authorization: `Bearer ${stack.staffToken('ops')}` },
    payload: bankAccountFor(person),
  });
  expect(res.statusCode, res.body).toBe(201);
  return person;
}

describe('POST /v1/applications → onboarding workflow → GET /v1/applications/:id', () => {
  it('starts an application, answers its state in the same request, and reads it back', async () => {
    const person = await eligible({ name: '买买提•艾力' });
    const created = await stack.api.inject({
      method: 'POST',
      url: '/v1/applications',
      payload: person,
    });
    expect(created.statusCode).toBe(201);
    const body = created.json<{
      applicationId: string;
      status: string;
      nextAction: string;
      applicantToken: string;
    }>();
    expect(body.status).toBe('AWAITING_PHONE_VERIFICATION');
    expect(body.nextAction).toBe('VERIFY_PHONE');
    expect(body.applicationId).toMatch(/^[0-9a-f-]{36}$/);

    const own = await stack.api.inject({
      method: 'GET',
      url: `/v1/applications/${body.applicationId}`,
      headers: { authorization: `Bearer ${body.applicantToken}` },
    });
    expect(own.statusCode).toBe(200);
    const view = own.json<Record<string, any>>();
    expect(view).toMatchObject({
      applicationId: body.applicationId,
      status: 'AWAITING_PHONE_VERIFICATION',
      nextAction: 'VERIFY_PHONE',
      reasons: [],
      attemptsLeft: { otp: 5, photo: 5, resubmission: 3 },
    });
    // The applicant sees their own data masked; the look-alike dot was normalised to U+00B7.
    expect(view.applicant.name).toBe('*****力');
    expect(view.applicant.idNumber).toBe(`1${'*'.repeat(16)}${person.idNumber.slice(-1)}`);
    expect(view.applicant.phone).toBe(`${person.phone.slice(0, 3)}****${person.phone.slice(-4)}`);
    expect(Date.parse(view.createdAt)).toBeGreaterThan(Date.now() - 60_000);

    const asReviewer = await stack.api.inject({
      method: 'GET',
      url: `/v1/applications/${body.applicationId}`,
      headers: { authorization: `Bearer ${stack.staffToken('reviewer')}` },
    });
    expect(asReviewer.statusCode).toBe(200);
    expect(asReviewer.json().applicant).toMatchObject({
      name: '买买提·艾力',
      idNumber: person.idNumber,
      phone: person.phone,
    });

    // The workflow mirrored its status into the app database and the audit log.
    const row = await eventually(
      () =>
        stack.database.db
          .select()
          .from(applications)
          .where(eq(applications.id, body.applicationId))
          .get(),
      (r) => r !== undefined,
    );
    expect(row).toMatchObject({
      status: 'AWAITING_PHONE_VERIFICATION',
      nextAction: 'VERIFY_PHONE',
      statusSeq: 1,
    });
    const audit = stack.database.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.subjectId, body.applicationId))
      .all();
    // ...and the reviewer's read of the unmasked data above.
    expect(audit.map((a) => [a.action, a.actor])).toEqual([
      ['APPLICATION_STATUS_CHANGED', 'system'],
      ['VIEWED_PERSONAL_DATA', 'reviewer:reviewer-1'],
    ]);

    // Ops can filter by the custom search attributes; ids and attributes carry no personal data.
    const found = await eventually(
      async () => {
        const ids: string[] = [];
        for await (const wf of stack.temporalClient.workflow.list({
          query: `OnboardingStatus = 'AWAITING_PHONE_VERIFICATION' AND NextAction = 'VERIFY_PHONE' AND WorkflowId = '${onboardingWorkflowId(body.applicationId)}'`,
        }))
          ids.push(wf.workflowId);
        return ids;
      },
      (ids) => ids.length === 1,
    );
    expect(found).toEqual([onboardingWorkflowId(body.applicationId)]);
    expect(found[0]).not.toContain(person.idNumber);
  });

  it('refuses invalid fields at once with problem+json naming each field and rule', async () => {
    const bad = applicant({
      idNumber: '110105199003071235', // wrong check character
      phone: '12800138000',
      bankCardNumber: '6222020000000000001',
      name: 'Zhang San',
    });
    const res = await stack.api.inject({ method: 'POST', url: '/v1/applications', payload: bad });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = res.json();
    expect(problem.status).toBe(400);
    expect(problem.errors).toEqual(
      expect.arrayContaining([
        { field: 'name', code: 'INVALID_NAME' },
        { field: 'idNumber', code: 'INVALID_ID_NUMBER' },
        { field: 'phone', code: 'INVALID_PHONE' },
        { field: 'bankCardNumber', code: 'INVALID_BANK_CARD' },
      ]),
    );
    expect(problem.errors).toHaveLength(4);
    expect(problem.code).toBe('INVALID_NAME');
    expect(JSON.stringify(problem)).not.toMatch(/stack|at .*\.ts/);
  });

  it('answers malformed JSON and missing fields with 400, never 500', async () => {
    const malformed = await stack.api.inject({
      method: 'POST',
      url: '/v1/applications',
      headers: { 'content-type': 'application/json' },
      payload: '{"name": "张三",',
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().code).toBe('MALFORMED_REQUEST');

    const missing = await stack.api.inject({
      method: 'POST',
      url: '/v1/applications',
      payload: { name: '张三' },
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().errors).toEqual(
      expect.arrayContaining([
        { field: 'idNumber', code: 'INVALID_ID_NUMBER' },
        { field: 'appVersion', code: 'REQUIRED' },
      ]),
    );
    const wrongType = await stack.api.inject({
      method: 'POST',
      url: '/v1/applications',
      payload: { ...applicant(), phone: 13800138000 },
    });
    expect(wrongType.statusCode).toBe(400);
    expect(wrongType.json().errors).toEqual([{ field: 'phone', code: 'INVALID_PHONE' }]);
  });

  it('replays the first answer for a repeated Idempotency-Key and refuses the key for another body', async () => {
    const person = await eligible();
    const key = `key-${Date.now()}`;
    const first = await stack.api.inject({
      method: 'POST',
      url: '/v1/applications',
      headers: { 'idempotency-key': key },
      payload: person,
    });
    const second = await stack.api.inject({
      method: 'POST',
      url: '/v1/applications',
      headers: { 'idempotency-key': key },
      payload: person,
    });
    expect(first.statusCode).toBe(201);
    expect(second.statusCode).toBe(201);
    expect(second.json().applicationId).toBe(first.json().applicationId);

    const other = await stack.api.inject({
      method: 'POST',
      url: '/v1/applications',
      headers: { 'idempotency-key': key },
      payload: await eligible(),
    });
    expect(other.statusCode).toBe(422);
    expect(other.json().code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('keeps applications private: 401 without a token, 404 for someone else’s', async () => {
    const a = (
      await stack.api.inject({ method: 'POST', url: '/v1/applications', payload: await eligible() })
    ).json();
    const b = (
      await stack.api.inject({ method: 'POST', url: '/v1/applications', payload: await eligible() })
    ).json();
    const noToken = await stack.api.inject({
      method: 'GET',
      url: `/v1/applications/${a.applicationId}`,
    });
    expect(noToken.statusCode).toBe(401);
    expect(noToken.json().code).toBe('UNAUTHORIZED');
    const forged = await stack.api.inject({
      method: 'GET',
      url: `/v1/applications/${a.applicationId}`,
      headers: { authorization: `Bearer ${b.applicantToken.slice(0, -4)}AAAA` },
    });
    expect(forged.statusCode).toBe(401);
    const others = await stack.api.inject({
      method: 'GET',
      url: `/v1/applications/${a.applicationId}`,
      headers: { authorization: `Bearer ${b.applicantToken}` },
    });
    expect(others.statusCode).toBe(404);
    const unknown = await stack.api.inject({
      method: 'GET',
      url: '/v1/applications/00000000-0000-4000-8000-000000000000',
      headers: { authorization: `Bearer ${stack.staffToken('ops')}` },
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().code).toBe('NOT_FOUND');
  });

  it('validates again inside the workflow, for callers that bypass the API schema', async () => {
    const applicationId = `direct-${Date.now()}`;
    const input: OnboardingInput = {
      version: 1,
      applicationId,
      applicant: {
        name: '张三',
        idNumber: '110105199003071235',
        phone: '13800138000',
        bankCardNumber: '4111111111111111',
      },
      appVersion: '3.2.0',
      loginPasswordHash: 'scrypt$x',
      settings: {
        reviewRemindAfterMs: 1000,
        reviewEscalateAfterMs: 2000,
        reviewExpireAfterMs: 3000,
        applicationIdleExpireAfterMs: 4000,
      },
    };
    const handle = await stack.temporalClient.workflow.start(ONBOARDING_WORKFLOW, {
      workflowId: onboardingWorkflowId(applicationId),
      taskQueue: stack.config.temporal.taskQueue,
      args: [input],
    });
    const result = await handle.result();
    expect(result.status).toBe('FAILED');
    expect(result.reasons).toEqual([
      { code: 'INVALID_ID_NUMBER', field: 'idNumber', message: expect.any(String) },
    ]);
    expect((await handle.query(getApplicationQuery)).status).toBe('FAILED');
  });
});
