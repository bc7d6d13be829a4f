// Scale-out (SPEC §8): two API and two worker processes on one Temporal server and one
// database. Applications spread over both APIs reach ACTIVE with work done by both workers;
// a worker and an API killed mid-run lose nothing; money moved at once through both APIs on one
// wallet stays exact.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection, Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { onboardingWorkflowId } from '../../domain/contract';
import { PEOPLE } from '../fixtures/id-card';
import { idCardPhoto } from '../fixtures/id-card';
import { eventually } from '../helpers/eventually';
import { asStack, httpStack, type HttpStack } from '../helpers/http-stack';
import {
  apply,
  bearer,
  decide,
  driveToActive,
  freshPerson,
  openBankAccount,
  setPaymentPassword,
  TEST_PAYMENT_PASSWORD,
  uploadPhoto,
  verifyPhone,
} from '../helpers/onboarding';
import { freePort } from '../helpers/ports';
import { runTs, waitFor, type RunningProcess } from '../helpers/processes';
import { manyProcessDatabase } from '../helpers/many-process-database';

const running: RunningProcess[] = [];
const dirs: string[] = [];
let database: Awaited<ReturnType<typeof manyProcessDatabase>>;
let stack: HttpStack;
const apis: { base: string; process: RunningProcess }[] = [];
const workers: RunningProcess[] = [];
let temporal: Client;
const taskQueue = `many-${randomUUID()}`;
const authSecret = randomBytes(32).toString('hex');

function env(dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATA_DIR: dataDir,
    ...database.env,
    AUTH_SECRET: authSecret,
    PII_KEY: database.piiKey,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_TASK_QUEUE: taskQueue,
    LOG_LEVEL: 'warn',
    ...extra,
  };
}

/** Each process gets its own data directory unless the database itself lives in one. */
function dataDirFor(): string {
  if (database.dataDir) return database.dataDir;
  const dir = mkdtempSync(join(tmpdir(), 'wallet-many-'));
  dirs.push(dir);
  return dir;
}

beforeAll(async () => {
  database = await manyProcessDatabase();
  for (let i = 0; i < 2; i++) workers.push(runTs('worker.ts', env(dataDirFor())));
  for (let i = 0; i < 2; i++) {
    const port = await freePort();
    apis.push({
      base: `http://127.0.0.1:${port}`,
      process: runTs('api/server.ts', env(dataDirFor(), { PORT: String(port) })),
    });
  }
  running.push(...workers, ...apis.map((a) => a.process));
  for (const api of apis)
    await waitFor(async () => (await fetch(`${api.base}/readyz`)).ok, 120_000, 'an API').catch(
      (error: Error) => {
        throw new Error(`${error.message}:\n${api.process.output().slice(-3000)}`);
      },
    );
  for (const worker of workers)
    await waitFor(async () => worker.output().includes('polling task queue'), 120_000, 'a worker');
  stack = httpStack(
    apis.map((a) => a.base),
    authSecret,
  );
  temporal = new Client({
    connection: await Connection.connect({ address: inject('temporalAddress') }),
  });
}, 240_000);

afterAll(async () => {
  for (const p of running) await p.stop('SIGKILL');
  await temporal?.connection.close();
  await database?.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** The worker identities (`pid@host`) that ran tasks of these workflows. */
async function identitiesOf(workflowIds: string[]): Promise<Set<string>> {
  const seen = new Set<string>();
  for (const id of workflowIds) {
    const history = await temporal.workflow.getHandle(id).fetchHistory();
    for (const event of history.events ?? []) {
      const identity =
        event.workflowTaskStartedEventAttributes?.identity ??
        event.activityTaskStartedEventAttributes?.identity;
      if (identity) seen.add(identity);
    }
  }
  return seen;
}

const pidOf = (p: RunningProcess) => String(p.child.pid);

describe('two APIs and two workers on one database', () => {
  const wallets: { applicationId: string; walletId: string; token: string }[] = [];

  it('spread applications reach ACTIVE; a worker killed mid-run loses nothing', async () => {
    const applicants = PEOPLE.slice(0, 4).map((p) => freshPerson(p));
    const flows = applicants.map((a) => driveToActive(asStack(stack), a));
    // Kill the first worker once it has done some of the work, while the rest is under way.
    const [doomed] = workers;
    const seen = await eventually(
      async () => {
        const ids = temporal.workflow.list({ query: `TaskQueue = '${taskQueue}'` });
        const workflowIds: string[] = [];
        for await (const w of ids) workflowIds.push(w.workflowId);
        return [...(await identitiesOf(workflowIds))];
      },
      (identities) => identities.some((i) => i.startsWith(`${pidOf(doomed!)}@`)),
      120_000,
    );
    expect(seen.some((i) => i.startsWith(`${pidOf(doomed!)}@`))).toBe(true);
    await doomed!.stop('SIGKILL');
    const done = await Promise.all(flows);
    wallets.push(...done);
    const identities = await identitiesOf(done.map((d) => onboardingWorkflowId(d.applicationId)));
    for (const worker of workers)
      expect([...identities].some((i) => i.startsWith(`${pidOf(worker)}@`))).toBe(true);
    // Both APIs answered parts of every flow.
    expect([...stack.answeredBy.values()].every((n) => n > 10)).toBe(true);
    expect(new Set(done.map((d) => d.walletId)).size).toBe(4);
  }, 600_000);

  it('keeps money exact when one wallet moves money through both APIs at once', async () => {
    const { walletId, token } = wallets[0]!;
    const post = (path: string, body: unknown, key: string) =>
      stack.api.inject({
        method: 'POST',
        url: `/v1/wallets/${walletId}/${path}`,
        headers: { ...bearer(token), 'idempotency-key': key },
        payload: body,
      });
    const topUp = await post('top-ups', { amount: 50_000 }, 'many-top-up');
    expect(topUp.statusCode, topUp.body).toBe(201);
    // 12 withdrawals of 5,000 against 50,000: exactly 10 go through, whichever API took them.
    const keys = Array.from({ length: 12 }, (_, i) => `many-withdraw-${i}`);
    const answers = await Promise.all(
      keys.map((key) =>
        post('withdrawals', { amount: 5_000, paymentPassword: TEST_PAYMENT_PASSWORD }, key),
      ),
    );
    const codes = answers.map((a) => a.statusCode).sort();
    expect(codes.filter((c) => c === 201)).toHaveLength(10);
    for (const a of answers.filter((x) => x.statusCode !== 201))
      expect(a.json().code, a.body).toBe('INSUFFICIENT_BALANCE');
    // Replays through the other API answer the first result, moving nothing.
    const replays = await Promise.all(
      keys.map((key) =>
        post('withdrawals', { amount: 5_000, paymentPassword: TEST_PAYMENT_PASSWORD }, key),
      ),
    );
    expect(replays.filter((r) => r.statusCode === 200)).toHaveLength(10);
    const read = await stack.api.inject({
      method: 'GET',
      url: `/v1/wallets/${walletId}/transactions?limit=100`,
      headers: bearer(token),
    });
    const items = read.json().items as { type: string; amount: number }[];
    const sum = items.reduce((s, t) => s + (t.type === 'TOP_UP' ? t.amount : -t.amount), 0);
    const wallet = await stack.api.inject({
      method: 'GET',
      url: `/v1/wallets/${walletId}`,
      headers: bearer(token),
    });
    expect(wallet.json().balance).toBe(0);
    expect(sum).toBe(0);
    expect(items.filter((t) => t.type === 'WITHDRAWAL')).toHaveLength(10);
  }, 300_000);

  it('loses nothing when an API is killed with a photo upload in flight', async () => {
    const a = freshPerson(PEOPLE[0]!);
    const [doomed, survivor] = apis;
    const onDoomed = httpStack([doomed!.base], authSecret);
    await openBankAccount(asStack(onDoomed), a);
    const created = await apply(asStack(onDoomed), a);
    expect(created.statusCode, created.body).toBe(201);
    const { applicationId: id, applicantToken: token } = created.json();
    await verifyPhone(asStack(onDoomed), id, token, a.phone);
    const photo = await idCardPhoto(a.person, 'clear-1600');
    const inFlight = uploadPhoto(asStack(onDoomed), id, token, photo).catch((e: Error) => e);
    // The check takes longer than this (OCR alone is over half a second).
    await new Promise((r) => setTimeout(r, 100));
    await doomed!.process.stop('SIGKILL');
    stack.drop(doomed!.base);
    await inFlight;

    const onSurvivor = httpStack([survivor!.base], authSecret);
    const read = async () =>
      (
        await onSurvivor.api.inject({
          method: 'GET',
          url: `/v1/applications/${id}`,
          headers: bearer(token),
        })
      ).json();
    // The upload either reached the workflow or did not: the app reads and goes on.
    let status = (await read()).status as string;
    if (status === 'AWAITING_ID_PHOTO') {
      // Still being checked (the workflow took it) answers 409; not taken: send it again.
      const again = await uploadPhoto(asStack(onSurvivor), id, token, photo);
      expect([200, 409], again.body).toContain(again.statusCode);
    }
    status = (await eventually(read, (v) => v.status !== 'AWAITING_ID_PHOTO', 120_000)).status;
    expect(status).toBe('PENDING_REVIEW');
    const approved = await decide(asStack(onSurvivor), id, 'rita');
    expect(approved.json().status, approved.body).toBe('AWAITING_PAYMENT_PASSWORD');
    const active = await setPaymentPassword(asStack(onSurvivor), id, token);
    expect(active.json().walletId).toMatch(/./);
    wallets.push({ applicationId: id, walletId: active.json().walletId, token });
    // One wallet per application, across everything above.
    expect(new Set(wallets.map((w) => w.walletId)).size).toBe(wallets.length);
  }, 300_000);
});
