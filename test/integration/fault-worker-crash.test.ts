// Durability (issue 7): a worker process killed mid-review loses nothing, not even a decision sent
// while no worker ran; a new worker picks the application up where it was and carries it to an
// active wallet.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { buildApi } from '../../api/build';
import { signStaffToken } from '../../api/tokens';
import { loadConfig } from '../../config/config';
import { PEOPLE } from '../fixtures/id-card';
import {
  bearer,
  decide,
  driveToPendingReview,
  freshPerson,
  setPaymentPassword,
} from '../helpers/onboarding';
import { eventually } from '../helpers/eventually';
import { runTs, waitFor, type RunningProcess } from '../helpers/processes';
import type { Stack } from '../helpers/stack';

const cleanups: (() => Promise<unknown> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

function startWorker(env: Record<string, string>): Promise<RunningProcess> {
  const worker = runTs('worker.ts', env);
  cleanups.push(() => worker.stop('SIGKILL'));
  return waitFor(async () => worker.output().includes('polling task queue'), 120_000, 'the worker')
    .then(() => worker)
    .catch((error: Error) => {
      throw new Error(`${error.message}; its output:\n${worker.output().slice(-2000)}`);
    });
}

describe('a worker crash', () => {
  it('loses no application: a new worker continues the review where it was', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'wallet-crash-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const env = {
      DATA_DIR: dataDir,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: `crash-${randomUUID()}`,
      LOG_LEVEL: 'silent',
    };
    const config = loadConfig(env);
    const api = await buildApi(config, { logger: false });
    cleanups.push(() => api.close());
    // The onboarding helpers need only the API, the config and staff tokens.
    const stack = {
      api,
      config,
      staffToken: (role: 'reviewer' | 'ops', name = `${role}-1`) =>
        signStaffToken(config.authSecret, role, name),
    } as unknown as Stack;

    const first = await startWorker(env);
    const { id, token } = await driveToPendingReview(stack, freshPerson(PEOPLE[1]!));

    // Killed without a chance to finish anything, as a crash or an OOM kill would.
    expect(await first.stop('SIGKILL')).toBeNull();
    // The applicant still reads their application: GET answers from the app database.
    const meanwhile = await api.inject({ url: `/v1/applications/${id}`, headers: bearer(token) });
    expect(meanwhile.statusCode, meanwhile.body).toBe(200);
    expect(meanwhile.json()).toMatchObject({ status: 'PENDING_REVIEW' });
    // Staff also see the review file, which only the workflow can answer: with no worker to answer
    // the query, the API says so (503, retry later) instead of failing.
    const staffRead = await api.inject({
      url: `/v1/applications/${id}`,
      headers: bearer(stack.staffToken('reviewer')),
    });
    expect(staffRead.statusCode).toBe(503);
    expect(staffRead.headers['retry-after']).toBe('5');
    // Temporal itself is up: it is the worker that is missing, and the answer says so.
    expect(staffRead.json().code).toBe('SERVICE_UNAVAILABLE');
    // A reviewer's decision meanwhile: Temporal takes it, no worker answers it, and the API says
    // exactly that (not "Temporal unreachable"): it may still take effect.
    const early = await decide(stack, id, 'rita');
    expect(early.statusCode, early.body).toBe(503);
    expect(early.headers['retry-after']).toBe('5');
    expect(early.json().code).toBe('REQUEST_PENDING');

    await startWorker(env);
    // It does: the new worker applies the waiting decision, once.
    const approved = await eventually(
      () => api.inject({ url: `/v1/applications/${id}`, headers: bearer(token) }),
      (r) => r.json().status !== 'PENDING_REVIEW',
      60_000,
    );
    expect(approved.json()).toMatchObject({
      status: 'AWAITING_PAYMENT_PASSWORD',
      nextAction: 'SET_PAYMENT_PASSWORD',
    });
    const again = await decide(stack, id, 'rita');
    expect(again.statusCode, again.body).toBe(409);
    const active = await setPaymentPassword(stack, id, token);
    expect(active.json()).toMatchObject({ status: 'ACTIVE', tier: 'STANDARD' });
  });
});
