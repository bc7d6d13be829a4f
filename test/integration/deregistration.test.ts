// Closing a wallet (SPEC §3) through the HTTP API on the real Temporal dev server. Its 7-day
// windows: test/workflow/deregistration-windows.test.ts.
import { WorkflowNotFoundError } from '@temporalio/client';
import { count, eq } from 'drizzle-orm';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultCoreBanking, type CoreBanking } from '../../adapters/core-banking';
import {
  applicantLogins,
  auditLog,
  cardUses,
  outbox,
  personClaims,
  personKeys,
  portraitUses,
  walletTransactions,
  wallets,
} from '../../db/sqlite/schema';
import { deregistrationWorkflowId, onboardingWorkflowId } from '../../domain/contract';
import { getReviewFileQuery } from '../../workflows/messages';
import {
  createPayloadCodec,
  ENCRYPTED_ENCODING,
  KEY_ID_METADATA,
  payloadFromJson,
  SUBJECT_KEY_ID,
  type JsonPayload,
} from '../../temporal/payload-codec';
import { temporalSubjectKeys } from '../../db/sqlite/repositories/temporal-subjects';
import { outboxRecipientIndex } from '../../db/sqlite/repositories/outbox';
import { PEOPLE } from '../fixtures/id-card';
import {
  apply,
  bearer,
  driveToActive,
  freshPerson,
  openBankAccount,
  TEST_PAYMENT_PASSWORD,
  uploadPhoto,
  verifyPhone,
  type Applicant,
} from '../helpers/onboarding';
import { hashPassword } from '../../crypto/password-hash';
import { eventually } from '../helpers/eventually';
import { payloadsOf, rawHistory } from '../helpers/history';
import { switchableSmsGateway } from '../helpers/sms-gateway';
import { startStack, type Stack } from '../helpers/stack';

const PIN = TEST_PAYMENT_PASSWORD;
let stack: Stack;
const gateway = switchableSmsGateway(() => stack);
/** The sandbox bank, whose transfers a test can hold so that a movement stays PENDING. */
let sandboxBank: CoreBanking | undefined;
const sandbox = () => (sandboxBank ??= defaultCoreBanking(stack.store, stack.config));
let held: Promise<void> | null = null;
const heldBank: CoreBanking = {
  findAccountByCard: (card) => sandbox().findAccountByCard(card),
  async transfer(request) {
    if (held) await held;
    return sandbox().transfer(request);
  },
  getTransfer: (id) => sandbox().getTransfer(id),
  listTransfers: () => sandbox().listTransfers!(),
};
beforeAll(async () => {
  stack = await startStack(
    {},
    { photo: true, deps: { smsTransport: gateway.transport, coreBanking: heldBank } },
  );
});
afterAll(async () => {
  await stack?.close();
});

const activeWallet = (a: Applicant) => driveToActive(stack, a);

/** The codec every process of the stack uses, with the app database's per-person keys. */
const codec = () =>
  createPayloadCodec(
    stack.config.piiKey,
    temporalSubjectKeys(stack.database.db, stack.config.piiKey),
  );
const encryptedPayloads = (workflowId: string) =>
  payloadsOf(JSON.parse(rawHistory(stack.config.temporal.address, workflowId))).filter(
    (p) => metadataOf(p, 'encoding') === ENCRYPTED_ENCODING,
  );
const metadataOf = (p: JsonPayload, key: string) =>
  Buffer.from(p.metadata?.[key] ?? '', 'base64').toString('utf8');
const textOf = (p: { data?: Uint8Array | null }) => Buffer.from(p.data ?? []).toString('utf8');

let keySerial = 0;
async function money(walletId: string, token: string, kind: string, payload: object) {
  keySerial += 1;
  const res = await stack.api.inject({
    method: 'POST',
    url: `/v1/wallets/${walletId}/${kind}`,
    headers: { ...bearer(token), 'idempotency-key': `k-${process.pid}-${keySerial}` },
    payload,
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

/** A console session cookie for a reviewer, signed in through the login form. */
async function consoleSession(username: string): Promise<string> {
  const password = 'console-password-1';
  if (!(await stack.store.findStaffAccount(username)))
    await stack.store.createStaffAccount({
      username,
      role: 'reviewer',
      passwordHash: await hashPassword(password),
    });
  const form = await stack.api.inject({ method: 'GET', url: '/console/login?lang=en' });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)![1]!;
  const cookies = (res: { cookies: { name: string; value: string }[] }) =>
    res.cookies.map((c) => `${c.name}=${c.value}`);
  const signedIn = await stack.api.inject({
    method: 'POST',
    url: '/console/login',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      cookie: cookies(form).join('; '),
    },
    payload: new URLSearchParams({ _csrf: csrf, username, password }).toString(),
  });
  expect(signedIn.statusCode, signedIn.body).toBe(303);
  return [...cookies(form), ...cookies(signedIn)].join('; ');
}

async function dereg(walletId: string, token: string, action = '', payload: object = {}) {
  return stack.api.inject({
    method: 'POST',
    url: `/v1/wallets/${walletId}/deregistration${action ? `/${action}` : ''}`,
    headers: bearer(token),
    payload,
  });
}

async function deregStatus(walletId: string, token: string) {
  return (
    await stack.api.inject({
      url: `/v1/wallets/${walletId}/deregistration`,
      headers: bearer(token),
    })
  ).json();
}

describe('closing a wallet', () => {
  it('closes a wallet with a zero balance and erases the person, who may then apply again', async () => {
    const a = freshPerson(PEOPLE[0]!);
    const { walletId, token, applicationId } = await activeWallet(a);
    const file = await stack.temporalClient.workflow
      .getHandle(onboardingWorkflowId(applicationId))
      .query(getReviewFileQuery);
    const photoPath = join(
      stack.config.photosDir,
      applicationId.slice(0, 2),
      applicationId,
      file.photoRefs[0]!,
    );
    expect(existsSync(photoPath)).toBe(true);

    const wrong = await dereg(walletId, token, '', { paymentPassword: '000000' });
    expect(wrong.statusCode).toBe(422);
    expect(wrong.json().code).toBe('PAYMENT_PASSWORD_INVALID');

    const started = await dereg(walletId, token, '', { paymentPassword: PIN });
    expect(started.statusCode, started.body).toBe(202);
    // The last chance to download the statement (SPEC §2.1), said with the step.
    expect(started.json()).toMatchObject({
      status: 'AWAITING_CONFIRMATION',
      balance: 0,
      nextAction: 'DOWNLOAD_STATEMENT_AND_CONFIRM',
      statementUrl: `/v1/wallets/${walletId}/statement?format=csv`,
    });
    expect(started.json().message).toContain('Last chance to download your statement');
    const again = await dereg(walletId, token, '', { paymentPassword: PIN });
    expect(again.statusCode).toBe(202);
    expect(again.json().createdAt).toBe(started.json().createdAt);

    // What Temporal keeps of the application is under the applicant's own key (SPEC §6).
    const secrets = [a.person.name, a.person.idNumber, a.phone, a.card];
    const kept = encryptedPayloads(onboardingWorkflowId(applicationId));
    expect(kept.length).toBeGreaterThan(10);
    expect(new Set(kept.map((p) => metadataOf(p, KEY_ID_METADATA)))).toEqual(
      new Set([SUBJECT_KEY_ID]),
    );
    const readable = (await codec().decode(kept.map(payloadFromJson))).map(textOf).join('\n');
    for (const secret of secrets) expect(readable).toContain(secret);

    const closed = await dereg(walletId, token, 'confirm');
    expect(closed.statusCode, closed.body).toBe(200);
    expect(closed.json().status).toBe('CLOSED');
    // The closing SMS follows the answer; the workflow ends once the outbox forgot the number.
    await stack.temporalClient.workflow.getHandle(deregistrationWorkflowId(walletId)).result();

    // Closing erased that key: no process can decrypt those payloads any more, ops included.
    for (const payload of kept)
      await expect(codec().decode([payloadFromJson(payload)])).rejects.toMatchObject({
        erased: true,
      });
    const viaServer = await stack.api.inject({
      method: 'POST',
      url: '/codec/decode',
      headers: bearer(stack.staffToken('ops')),
      payload: { payloads: kept.slice(0, 3) },
    });
    expect(viaServer.statusCode, viaServer.body).toBe(200);
    expect(viaServer.json().payloads).toEqual(kept.slice(0, 3));
    // And the deregistration workflow, whose history stays until retention, names only the wallet.
    const deregistrationPayloads = encryptedPayloads(deregistrationWorkflowId(walletId));
    const deregistrationText = (await codec().decode(deregistrationPayloads.map(payloadFromJson)))
      .map(textOf)
      .join('\n');
    expect(deregistrationText).toContain(walletId);
    for (const secret of secrets) expect(deregistrationText).not.toContain(secret);

    const db = stack.database.db;
    const wallet = db.select().from(wallets).where(eq(wallets.id, walletId)).get()!;
    expect(wallet).toMatchObject({ status: 'CLOSED', balance: 0, paymentPasswordHash: '' });
    const countOf = (table: any, where: any): number =>
      db.select({ n: count() }).from(table).where(where).get()!.n;
    expect(countOf(walletTransactions, eq(walletTransactions.walletId, walletId))).toBe(0);
    expect(countOf(applicantLogins, eq(applicantLogins.applicationId, applicationId))).toBe(0);
    expect(countOf(personClaims, eq(personClaims.personId, wallet.personId))).toBe(0);
    expect(countOf(portraitUses, eq(portraitUses.personId, wallet.personId))).toBe(0);
    expect(countOf(cardUses, eq(cardUses.personId, wallet.personId))).toBe(0);
    const phoneIndex = outboxRecipientIndex(stack.config.piiKey, a.phone);
    expect(countOf(outbox, eq(outbox.recipientIndex, phoneIndex))).toBe(0);
    const key = db.select().from(personKeys).where(eq(personKeys.personId, wallet.personId)).get();
    expect(key?.wrappedKey ?? null).toBeNull();
    expect(existsSync(photoPath)).toBe(false);
    const audit = db.select().from(auditLog).where(eq(auditLog.subjectId, walletId)).all();
    expect(audit.map((r) => r.action)).toContain('WALLET_CLOSED');
    const raw = JSON.stringify(audit);
    for (const secret of [a.person.name, a.person.idNumber, a.phone, a.card])
      expect(raw).not.toContain(secret);

    const reapplied = await apply(stack, a);
    expect(reapplied.statusCode, reapplied.body).toBe(201);
    // The new application has a new key, which does not open the old payloads either.
    await expect(codec().decode([payloadFromJson(kept[0]!)])).rejects.toMatchObject({
      erased: true,
    });

    // Temporal keeps no history of the closed wallet's application (SPEC §6); the new one runs.
    // The server deletes in the background: ~30 s on the dev server.
    const onboardingHandle = stack.temporalClient.workflow.getHandle(
      onboardingWorkflowId(applicationId),
    );
    const gone = await eventually(
      () =>
        onboardingHandle.describe().then(
          () => false,
          (error: unknown) => error instanceof WorkflowNotFoundError,
        ),
      (v) => v,
      90_000,
    );
    expect(gone).toBe(true);
    const next = stack.temporalClient.workflow.getHandle(
      onboardingWorkflowId(reapplied.json().applicationId as string),
    );
    expect((await next.describe()).status.name).toBe('RUNNING');
  });

  it("keeps another person's identical photo; the closed wallet's photo reads as erased", async () => {
    const photoOf = (id: string, variant = '') =>
      stack.api.inject({
        method: 'GET',
        url: `/v1/applications/${id}/id-photo${variant}`,
        headers: bearer(stack.staffToken('reviewer', 'rita')),
      });
    const owner = freshPerson(PEOPLE[2]!);
    const { walletId, token, applicationId } = await activeWallet(owner);
    const original = await photoOf(applicationId);
    expect(original.statusCode, original.body).toBe(200);
    const bytes = original.rawPayload;

    // Someone else uploads the very same file (refused: not their card) and it is kept for review.
    const other = freshPerson(PEOPLE[3]!);
    await openBankAccount(stack, other);
    const created = (await apply(stack, other)).json();
    await verifyPhone(stack, created.applicationId, created.applicantToken, other.phone);
    await uploadPhoto(stack, created.applicationId, created.applicantToken, bytes);
    const theirs = await photoOf(created.applicationId);
    expect(theirs.statusCode, theirs.body).toBe(200);
    expect(theirs.rawPayload.equals(bytes)).toBe(true);

    expect((await dereg(walletId, token, '', { paymentPassword: PIN })).statusCode).toBe(202);
    expect((await dereg(walletId, token, 'confirm')).json().status).toBe('CLOSED');
    await stack.temporalClient.workflow.getHandle(deregistrationWorkflowId(walletId)).result();

    // The closed wallet's photo: a clean 404 saying it was erased, for staff and the console.
    for (const variant of ['', '?variant=card']) {
      const gone = await photoOf(applicationId, variant);
      expect(gone.statusCode, gone.body).toBe(404);
      expect(gone.json().detail).toMatch(/erased/);
    }
    const cookie = await consoleSession('rita');
    for (const url of [
      `/console/applications/${applicationId}`,
      `/console/applications/${applicationId}/photo`,
    ]) {
      const page = await stack.api.inject({ method: 'GET', url, headers: { cookie } });
      expect(page.statusCode, page.body).toBe(404);
      expect(page.body).toMatch(/erased/);
    }
    // The other person's copy of the same bytes is untouched.
    const kept = await photoOf(created.applicationId);
    expect(kept.statusCode, kept.body).toBe(200);
    expect(kept.rawPayload.equals(bytes)).toBe(true);
    expect((await photoOf(created.applicationId, '?variant=card')).statusCode).toBe(200);
  });

  it('waits for the balance, refuses an early confirm, and goes on after withdraw-all', async () => {
    const a = freshPerson(PEOPLE[1]!);
    const { walletId, token } = await activeWallet(a);
    await money(walletId, token, 'top-ups', { amount: 12_345 });
    const started = await dereg(walletId, token, '', { paymentPassword: PIN });
    expect(started.statusCode, started.body).toBe(202);
    expect(started.json()).toMatchObject({
      status: 'AWAITING_BALANCE_CLEARANCE',
      balance: 12_345,
      reasons: [{ code: 'BALANCE_NOT_ZERO' }],
    });
    expect(Date.parse(started.json().deadline)).toBeGreaterThan(Date.now() + 6 * 86_400_000);
    const early = await dereg(walletId, token, 'confirm');
    expect(early.statusCode).toBe(409);
    const cleared = await dereg(walletId, token, 'withdraw-all', { paymentPassword: PIN });
    expect(cleared.statusCode, cleared.body).toBe(200);
    expect(cleared.json()).toMatchObject({ status: 'AWAITING_CONFIRMATION', balance: 0 });
    const closed = await dereg(walletId, token, 'confirm');
    expect(closed.json().status).toBe('CLOSED');
  });

  it('moves on by itself when the owner spends the balance', async () => {
    const a = freshPerson(PEOPLE[2]!);
    const { walletId, token } = await activeWallet(a);
    await money(walletId, token, 'top-ups', { amount: 5_000 });
    expect((await dereg(walletId, token, '', { paymentPassword: PIN })).json().status).toBe(
      'AWAITING_BALANCE_CLEARANCE',
    );
    await money(walletId, token, 'payments', {
      amount: 5_000,
      merchantId: 'm-1',
      paymentPassword: PIN,
    });
    const view = await eventually(
      () => deregStatus(walletId, token),
      (v) => v.status === 'AWAITING_CONFIRMATION',
    );
    expect(view).toMatchObject({ status: 'AWAITING_CONFIRMATION', balance: 0 });
    const cancelled = await dereg(walletId, token, 'cancel');
    expect(cancelled.json().status).toBe('CANCELLED');
    const wallet = await stack.api.inject({
      url: `/v1/wallets/${walletId}`,
      headers: bearer(token),
    });
    expect(wallet.json().status).toBe('ACTIVE');
  });

  it('answers every step while the SMS gateway is down; the notices follow, once each, in order', async () => {
    const a = freshPerson(PEOPLE[0]!);
    const { walletId, token, applicationId } = await activeWallet(a);
    // The onboarding's own last SMS is out before the gateway goes down.
    await stack.temporalClient.workflow.getHandle(onboardingWorkflowId(applicationId)).result();
    const handle = stack.temporalClient.workflow.getHandle(deregistrationWorkflowId(walletId));
    const notices = () =>
      gateway.delivered.filter(
        (m) => m.template === 'DEREGISTRATION_STATUS' && m.key.startsWith(`${handle.workflowId}:`),
      );
    gateway.down = true;
    try {
      // Each answer used to wait for its SMS, and the API gave up after 20 s with a 503.
      const started = await dereg(walletId, token, '', { paymentPassword: PIN });
      expect(started.statusCode, started.body).toBe(202);
      expect(started.json().status).toBe('AWAITING_CONFIRMATION');
      const closed = await dereg(walletId, token, 'confirm');
      expect(closed.statusCode, closed.body).toBe(200);
      expect(closed.json().status).toBe('CLOSED');
      const wallet = stack.database.db.select().from(wallets).where(eq(wallets.id, walletId)).get();
      expect(wallet?.status).toBe('CLOSED');
      expect(gateway.failedCalls).toBeGreaterThan(0);
      expect(notices()).toEqual([]);
      expect((await handle.describe()).status.name).toBe('RUNNING');
    } finally {
      gateway.down = false;
    }
    // Back up: the notice retries deliver both, the closing one last, and the workflow ends.
    await handle.result();
    // Keys end in the status sequence: 1 AWAITING_CONFIRMATION, 2 CLOSED.
    expect(notices().map((m) => m.key.split(':').pop())).toEqual(['1', '2']);
    const phoneIndex = outboxRecipientIndex(stack.config.piiKey, a.phone);
    expect(
      stack.database.db.select().from(outbox).where(eq(outbox.recipientIndex, phoneIndex)).all(),
    ).toEqual([]);
  }, 120_000);

  it('closes the wallet when the gateway refuses the texts for good', async () => {
    const a = freshPerson(PEOPLE[1]!);
    const { walletId, token, applicationId } = await activeWallet(a);
    await stack.temporalClient.workflow.getHandle(onboardingWorkflowId(applicationId)).result();
    const handle = stack.temporalClient.workflow.getHandle(deregistrationWorkflowId(walletId));
    gateway.refusing = true;
    try {
      expect((await dereg(walletId, token, '', { paymentPassword: PIN })).statusCode).toBe(202);
      expect((await dereg(walletId, token, 'confirm')).json().status).toBe('CLOSED');
      // The refused texts are in the history for ops; the closure ran to its end.
      expect(((await handle.result()) as { status: string }).status).toBe('CLOSED');
    } finally {
      gateway.refusing = false;
    }
  });

  it('refuses to start while a withdrawal is pending at the bank: PENDING_TRANSACTIONS', async () => {
    const { walletId, token } = await activeWallet(freshPerson(PEOPLE[3]!));
    await money(walletId, token, 'top-ups', { amount: 1_000 });
    let release = () => {};
    held = new Promise<void>((resolve) => (release = resolve));
    try {
      const sent = Date.now();
      const out = await stack.api.inject({
        method: 'POST',
        url: `/v1/wallets/${walletId}/withdrawals`,
        headers: { ...bearer(token), 'idempotency-key': `pending-${process.pid}` },
        payload: { amount: 400, paymentPassword: PIN },
      });
      expect(out.statusCode, out.body).toBe(202);
      expect(out.json()).toMatchObject({ transaction: { status: 'PENDING' }, balance: 600 });
      // Within a few seconds, though the bank leg (a local activity) holds the workflow task.
      expect(Date.now() - sent).toBeLessThan(stack.config.money.answerWithinMs + 4_000);
      const refused = await dereg(walletId, token, '', { paymentPassword: PIN });
      expect(refused.statusCode, refused.body).toBe(422);
      expect(refused.json()).toMatchObject({ code: 'PENDING_TRANSACTIONS', balance: 600 });
    } finally {
      held = null;
      release();
    }
    const settled = await eventually(
      async () =>
        (
          await stack.api.inject({
            url: `/v1/wallets/${walletId}/transactions`,
            headers: bearer(token),
          })
        ).json<{ items: { type: string; status: string }[] }>().items[0],
      (first) => first?.status === 'COMPLETED',
    );
    expect(settled).toMatchObject({ type: 'WITHDRAWAL', status: 'COMPLETED' });
  });

  it('refuses to start while the wallet is frozen', async () => {
    const a = freshPerson(PEOPLE[3]!);
    const { walletId, token } = await activeWallet(a);
    const frozen = await stack.api.inject({
      method: 'POST',
      url: `/v1/wallets/${walletId}/freeze`,
      headers: bearer(stack.staffToken('ops')),
      payload: { reason: 'test' },
    });
    expect(frozen.statusCode, frozen.body).toBeLessThan(300);
    const refused = await dereg(walletId, token, '', { paymentPassword: PIN });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().code).toBe('WALLET_FROZEN');
  });
});
