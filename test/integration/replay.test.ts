// Every recorded history must replay on the current workflow code, so that a change which would
// break running workflows fails here and not in production. One history per outcome of each
// workflow, recorded from today's code (docs/workflow-versioning.md says when and how):
//   RECORD_HISTORIES=1 npx vitest run test/integration/replay.test.ts
// Their payloads are encrypted under the fixed PII_KEY below (persons' keys re-sealed under it),
// and the replayer decodes with the same codec, which refuses anything unencrypted.
import { Worker } from '@temporalio/worker';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { deregistrationWorkflowId, onboardingWorkflowId } from '../../domain/contract';
import {
  createDataConverter,
  createPayloadCodec,
  KEY_ID_METADATA,
  payloadFromJson,
  payloadToJson,
  SUBJECT_KEY_ID,
} from '../../temporal/payload-codec';
import { temporalSubjectKeys } from '../../db/sqlite/repositories/temporal-subjects';
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
import { payloadsOf, rawHistory } from '../helpers/history';
import { startStack, type Stack } from '../helpers/stack';

const historiesDir = join(import.meta.dirname, '..', 'histories');
const recording = process.env.RECORD_HISTORIES === '1';
/** One history per outcome: a recording writes exactly these, and replay expects all of them. */
const OUTCOMES = [
  'onboarding-active',
  'onboarding-rejected',
  'onboarding-cancelled',
  'onboarding-ineligible',
  'deregistration-closed',
  'deregistration-cancelled',
] as const;
type Outcome = (typeof OUTCOMES)[number];
/** A fixed test-only key, so that the encrypted histories can be decoded on every run. */
const HISTORIES_PII_KEY = Buffer.alloc(32, 7).toString('base64');

function recorded(): string[] {
  return readdirSync(historiesDir).filter((f) => f.endsWith('.json'));
}

if (recording) {
  describe('recording histories', () => {
    let stack: Stack;
    beforeAll(async () => {
      for (const file of recorded()) rmSync(join(historiesDir, file));
      stack = await startStack({ PII_KEY: HISTORIES_PII_KEY }, { photo: true });
    });
    afterAll(async () => {
      await stack?.close();
    });

    async function save(
      name: Outcome,
      applicationId: string,
      workflowId = onboardingWorkflowId(applicationId),
    ) {
      await stack.temporalClient.workflow.getHandle(workflowId).result();
      // The CLI writes the proto3 JSON form that historyFromJSON and `temporal` itself read.
      const history = JSON.parse(rawHistory(stack.config.temporal.address, workflowId)) as unknown;
      // The persons' keys live in this run's database, gone after it: the stored copy is put under
      // the fixed key instead, the way it would be without per-person keys.
      const subjects = temporalSubjectKeys(stack.database.db, stack.config.piiKey);
      const withPersonKeys = createPayloadCodec(stack.config.piiKey, subjects);
      const withFixedKey = createPayloadCodec(stack.config.piiKey);
      for (const payload of payloadsOf(history)) {
        const keyId = Buffer.from(payload.metadata?.[KEY_ID_METADATA] ?? '', 'base64').toString();
        if (keyId !== SUBJECT_KEY_ID) continue;
        const [plain] = await withPersonKeys.decode([payloadFromJson(payload)]);
        const [stored] = await withFixedKey.encode([plain!]);
        Object.assign(payload, payloadToJson(stored!));
      }
      writeFileSync(join(historiesDir, `${name}.json`), `${JSON.stringify(history, null, 2)}\n`);
    }

    it('records an application from start to an active wallet', async () => {
      const a = freshPerson(PEOPLE[0]!);
      await openBankAccount(stack, a);
      const { applicationId: id, applicantToken: token } = (await apply(stack, a)).json();
      await verifyPhone(stack, id, token, a.phone);
      await uploadClearCard(stack, id, token, a.person);
      await decide(stack, id, 'rita');
      await stack.api.inject({
        method: 'POST',
        url: `/v1/applications/${id}/payment-password`,
        headers: bearer(token),
        payload: { paymentPassword: '580314' },
      });
      await save('onboarding-active', id);
    });

    it('records a rejection, a resubmission and a final rejection', async () => {
      const a = freshPerson(PEOPLE[1]!);
      await openBankAccount(stack, a);
      const { applicationId: id, applicantToken: token } = (await apply(stack, a)).json();
      await verifyPhone(stack, id, token, a.phone);
      await uploadClearCard(stack, id, token, a.person);
      await decide(stack, id, 'rita', { decision: 'REJECT', reasonCode: 'OTHER' });
      await stack.api.inject({
        method: 'POST',
        url: `/v1/applications/${id}/resubmission`,
        headers: bearer(token),
        payload: {},
      });
      await uploadClearCard(stack, id, token, a.person);
      await decide(stack, id, 'rita', {
        decision: 'REJECT',
        reasonCode: 'DOCUMENT_SUSPICIOUS',
        rejectType: 'FINAL',
      });
      await save('onboarding-rejected', id);
    });

    it('records a cancellation and a refused application', async () => {
      const a = freshPerson(PEOPLE[2]!);
      await openBankAccount(stack, a);
      const { applicationId: id, applicantToken: token } = (await apply(stack, a)).json();
      await stack.api.inject({
        method: 'POST',
        url: `/v1/applications/${id}/cancel`,
        headers: bearer(token),
        payload: {},
      });
      await save('onboarding-cancelled', id);
      const refused = await apply(stack, freshPerson(PEOPLE[3]!));
      await save('onboarding-ineligible', refused.json().applicationId as string);
    });

    it('records a wallet closure', async () => {
      const a = freshPerson(PEOPLE[4] ?? PEOPLE[0]!);
      await openBankAccount(stack, a);
      const { applicationId: id, applicantToken: token } = (await apply(stack, a)).json();
      await verifyPhone(stack, id, token, a.phone);
      await uploadClearCard(stack, id, token, a.person);
      await decide(stack, id, 'rita');
      const wallet = await stack.api.inject({
        method: 'POST',
        url: `/v1/applications/${id}/payment-password`,
        headers: bearer(token),
        payload: { paymentPassword: '580314' },
      });
      const walletId = wallet.json().walletId as string;
      const started = await stack.api.inject({
        method: 'POST',
        url: `/v1/wallets/${walletId}/deregistration`,
        headers: bearer(token),
        payload: { paymentPassword: '580314' },
      });
      expect(started.statusCode, started.body).toBe(202);
      const closed = await stack.api.inject({
        method: 'POST',
        url: `/v1/wallets/${walletId}/deregistration/confirm`,
        headers: bearer(token),
        payload: {},
      });
      expect(closed.json().status).toBe('CLOSED');
      await save('deregistration-closed', id, deregistrationWorkflowId(walletId));
    });

    it('records a deregistration the owner cancels while the balance is not cleared', async () => {
      const a = freshPerson(PEOPLE[5] ?? PEOPLE[1]!);
      await openBankAccount(stack, a);
      const { applicationId: id, applicantToken: token } = (await apply(stack, a)).json();
      await verifyPhone(stack, id, token, a.phone);
      await uploadClearCard(stack, id, token, a.person);
      await decide(stack, id, 'rita');
      const wallet = await stack.api.inject({
        method: 'POST',
        url: `/v1/applications/${id}/payment-password`,
        headers: bearer(token),
        payload: { paymentPassword: '580314' },
      });
      const walletId = wallet.json().walletId as string;
      const topUp = await stack.api.inject({
        method: 'POST',
        url: `/v1/wallets/${walletId}/top-ups`,
        headers: { ...bearer(token), 'idempotency-key': `replay-${walletId}` },
        payload: { amount: 100 },
      });
      expect(topUp.statusCode, topUp.body).toBe(201);
      const started = await stack.api.inject({
        method: 'POST',
        url: `/v1/wallets/${walletId}/deregistration`,
        headers: bearer(token),
        payload: { paymentPassword: '580314' },
      });
      expect(started.json().status, started.body).toBe('AWAITING_BALANCE_CLEARANCE');
      const cancelled = await stack.api.inject({
        method: 'POST',
        url: `/v1/wallets/${walletId}/deregistration/cancel`,
        headers: bearer(token),
        payload: {},
      });
      expect(cancelled.json().status, cancelled.body).toBe('CANCELLED');
      await save('deregistration-cancelled', id, deregistrationWorkflowId(walletId));
    });
  });
}

describe('replaying recorded histories', () => {
  it('has one history per outcome, and no other', () => {
    expect(recorded().sort()).toEqual(OUTCOMES.map((o) => `${o}.json`).sort());
  });

  it('replays every one without a determinism error', async () => {
    const workflowBundle = { code: readFileSync(inject('workflowBundlePath'), 'utf8') };
    const dataConverter = createDataConverter(Buffer.from(HISTORIES_PII_KEY, 'base64'));
    for (const file of recorded()) {
      const history = JSON.parse(readFileSync(join(historiesDir, file), 'utf8')) as unknown;
      await expect(
        Worker.runReplayHistory({ workflowBundle, dataConverter }, history, file),
        file,
      ).resolves.toBeUndefined();
    }
  });
});
