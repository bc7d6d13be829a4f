// The workflow tier's harness: the real workflow code on Temporal's time-skipping test server, with
// every activity a plain function that records its input and answers from a small in-memory
// world (no database, no sharp, no OCR), so that days of timers pass without waiting for them.
// Caveats (FIELD-NOTES): the server skips no time while a client waits on an update, and it has no
// visibility API (no list()). Skipping is global to the server: tests in a file run one at a time.
// Time moves only when a test says so (`sleep`): the client is a plain one, whose result() does not
// unlock skipping (the test environment's own client does, and then the server jumps to the next
// timer of any workflow on it, however far: a jump of ten years was seen).
import { Client } from '@temporalio/client';
import { SearchAttributeType } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';
import type { Activities } from '../../activities';
import {
  DEREGISTRATION_WORKFLOW,
  deregistrationWorkflowId,
  ONBOARDING_WORKFLOW,
  onboardingWorkflowId,
  type Applicant,
  type DeregistrationInput,
  type OnboardingInput,
  type PhotoCheckView,
} from '../../domain/contract';
import { searchAttributes } from '../../workflows/messages';
import type { deregistration } from '../../workflows/deregistration';
import type { onboarding } from '../../workflows/onboarding';
import { repoRoot } from './processes';

/** The temporal-test-server executable: $TEMPORAL_TEST_SERVER, else what temporal-dev.sh finds. */
export function resolveTestServer(): string {
  if (process.env.TEMPORAL_TEST_SERVER) return process.env.TEMPORAL_TEST_SERVER;
  return execFileSync('bash', [join(repoRoot, 'temporal-dev.sh'), '--resolve-test-server'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
}

/** temporal.api.enums.v1.IndexedValueType numbers for the kinds of search attribute we use. */
const INDEXED_VALUE_TYPE: Partial<Record<SearchAttributeType, number>> = {
  [SearchAttributeType.KEYWORD]: 2,
  [SearchAttributeType.DATETIME]: 6,
};

/**
 * The workflows upsert SPEC §6's custom search attributes; the test server refuses unknown ones
 * (failing every workflow task), so they are registered through the operator service first.
 */
async function registerSearchAttributes(env: TestWorkflowEnvironment) {
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(
      Object.values(searchAttributes).map((key) => {
        const type = INDEXED_VALUE_TYPE[key.type];
        if (type === undefined) throw new Error(`no indexed type for ${key.name}`);
        return [key.name, type];
      }),
    ),
  });
}

function installQuietRuntime() {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
  } catch {
    // Already installed (by an earlier environment in this process): keep that one.
  }
}

type ActivityName = keyof Activities;
type Stub<K extends ActivityName> = (
  ...args: Parameters<Activities[K]>
) => ReturnType<Activities[K]> | Awaited<ReturnType<Activities[K]>>;
/** Replacements for some activities, for the workflows started after `use`. */
export type Stubs = { [K in ActivityName]?: Stub<K> };

export interface Call {
  name: ActivityName;
  input: Record<string, unknown>;
}

/** A photo the checker accepts, with OCR that matched in full. */
export const ACCEPTED_PHOTO: PhotoCheckView = {
  accepted: true,
  reasons: [],
  metrics: { width: 1600, height: 1009, sharpness: 900, glare: 0, brightness: 0.5 },
  ocr: { name: null, idNumber: null, matched: true },
};

/** Review durations as SPEC §1 step 6 sets them by default. */
export const REVIEW_DEFAULTS = {
  reviewRemindAfterMs: 2 * 3600_000,
  reviewEscalateAfterMs: 4 * 3600_000,
  reviewExpireAfterMs: 48 * 3600_000,
  applicationIdleExpireAfterMs: 7 * 24 * 3600_000,
};

/** A photo reference as the API makes them (a SHA-256 hex digest). */
export function photoRef(n = 1): string {
  return n.toString(16).padStart(64, '0');
}

export async function startWorkflowTier() {
  installQuietRuntime();
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: resolveTestServer() } },
  });
  await registerSearchAttributes(env);
  const taskQueue = `wf-${randomUUID()}`;
  const calls: Call[] = [];
  /** Wallet balances of the stand-in ledger, by wallet id. */
  const balances = new Map<string, number>();
  let overrides: Stubs = {};
  let inFlight = 0;
  let lastCallAt = 0;

  const defaults: { [K in ActivityName]: Stub<K> } = {
    checkEligibility: () => ({ ok: true }),
    releaseApplicant: () => undefined,
    notify: () => undefined,
    checkIdPhoto: () => ACCEPTED_PHOTO,
    screenApplicant: () => ({ riskLevel: 'LOW', flags: [] }),
    rescreenActiveWallets: () => ({ lastWalletId: null, screened: 0, alerts: 0 }),
    saveReviewSnapshot: () => undefined,
    // The API's proof is checked by crypto/decision-proof.ts; here a proof is what a test says.
    acceptReviewDecision: ({ proof }) => (proof as { mac?: string } | null)?.mac !== 'forged',
    recordApplicationStatus: () => undefined,
    createWallet: ({ applicationId }) => ({ walletId: `w_${applicationId.slice(0, 8)}` }),
    walletBalance: ({ walletId }) => ({
      status: 'ACTIVE',
      balance: balances.get(walletId) ?? 0,
      frozen: false,
      pending: 0,
    }),
    recordDeregistrationStatus: () => undefined,
    // The money-movement workflow's steps: a withdraw-all takes the balance, the bank applies.
    beginBankMovement: ({ walletId, kind, amount, transactionId }) => {
      const balance = balances.get(walletId) ?? 0;
      const taken = kind === 'WITHDRAW_ALL' ? balance : (amount ?? 0);
      if (taken === 0) return { ok: true, value: null };
      const after = kind === 'TOP_UP' ? balance : balance - taken;
      balances.set(walletId, after);
      const transaction = {
        transactionId,
        type: kind === 'TOP_UP' ? ('TOP_UP' as const) : ('WITHDRAWAL' as const),
        status: 'PENDING' as const,
        amount: taken,
        balanceAfter: after,
        createdAt: new Date().toISOString(),
      };
      return { ok: true, value: { transaction, balance: after, replayed: false } };
    },
    bankTransfer: () => ({ applied: true }),
    // The three steps in one, as the worker runs them when nothing fails: the bank applies.
    moveAtBank: async (input) => {
      const begun = await defaults.beginBankMovement(input);
      if (!begun.ok || begun.value === null) return { begun };
      const outcome = { applied: true as const };
      const settled = await defaults.settleBankMovement({
        transactionId: input.transactionId,
        outcome,
      });
      return { begun, outcome, settled };
    },
    settleBankMovement: ({ transactionId }) => ({
      transaction: {
        transactionId,
        type: 'WITHDRAWAL',
        status: 'COMPLETED',
        amount: 0,
        balanceAfter: 0,
        createdAt: new Date().toISOString(),
      },
      balance: 0,
      replayed: false,
    }),
    closeWallet: ({ walletId }) =>
      (balances.get(walletId) ?? 0) === 0 ? { ok: true } : { ok: false, code: 'BALANCE_NOT_ZERO' },
    eraseWorkflowHistories: () => ({ deleted: 0, running: 0 }),
    eraseOutboxFor: () => undefined,
    eraseEndedApplications: () => ({ erased: 0, more: false }),
    // Password resets and device checks: a phone that belongs to `person-1`.
    findResetTarget: () => ({ personId: 'person-1', applicationId: 'app-1', walletId: 'w_1' }),
    applyPasswordReset: () => undefined,
    rememberDevice: () => undefined,
  };

  const activities = Object.fromEntries(
    (Object.keys(defaults) as ActivityName[]).map((name) => [
      name,
      async (input: Record<string, unknown>) => {
        calls.push({ name, input });
        inFlight += 1;
        lastCallAt = Date.now();
        try {
          const stub = (overrides[name] ?? defaults[name]) as (i: unknown) => unknown;
          return await stub(input);
        } finally {
          inFlight -= 1;
          lastCallAt = Date.now();
        }
      },
    ]),
  );

  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    activities,
    workflowBundle: { code: readFileSync(inject('workflowBundlePath'), 'utf8') },
  });
  const running = worker.run();
  const client = new Client({ connection: env.connection });

  /** Until no activity has run for a moment: a jump in time must not time out one in flight. */
  async function quiet() {
    while (inFlight > 0 || Date.now() - lastCallAt < 50)
      await new Promise((r) => setTimeout(r, 10));
  }

  return {
    env,
    client,
    taskQueue,
    balances,
    /** Lets `duration` pass on the server, once the activities started so far are done. */
    async sleep(duration: string) {
      await quiet();
      await env.sleep(duration);
    },
    /** Replaces some activities until the next `use` (each test starts with `use({})`). */
    use(stubs: Stubs) {
      overrides = stubs;
    },
    /** The inputs `name` was called with, oldest first, optionally only those `where` picks. */
    inputs<T = Record<string, unknown>>(
      name: ActivityName,
      where: (input: Record<string, unknown>) => boolean = () => true,
    ): T[] {
      return calls.filter((c) => c.name === name && where(c.input)).map((c) => c.input as T);
    },
    /** The calls `where` picks, in the order they were made. */
    sequence(where: (input: Record<string, unknown>) => boolean): Call[] {
      return calls.filter((c) => where(c.input));
    },
    /** Waits until at least `count` calls of `name` match (activities run after the task). */
    async waitForCalls(
      name: ActivityName,
      count: number,
      where: (input: Record<string, unknown>) => boolean = () => true,
      // Real time, not skipped: under a full `npm test` run on 2 cores 10 s was seen to pass by.
      ms = 25_000,
    ) {
      const deadline = Date.now() + ms;
      for (;;) {
        const n = calls.filter((c) => c.name === name && where(c.input)).length;
        if (n >= count) return;
        if (Date.now() > deadline)
          throw new Error(`expected ${count} calls of ${name}, saw ${n} within ${ms} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async startOnboarding(applicant: Applicant, settings: Partial<typeof REVIEW_DEFAULTS> = {}) {
      const applicationId = randomUUID();
      const input: OnboardingInput = {
        version: 1,
        applicationId,
        applicant,
        appVersion: '3.2.0',
        loginPasswordHash: '$argon2id$stub',
        settings: { ...REVIEW_DEFAULTS, ...settings },
      };
      const handle = await client.workflow.start<typeof onboarding>(ONBOARDING_WORKFLOW, {
        workflowId: onboardingWorkflowId(applicationId),
        taskQueue,
        args: [input],
      });
      return { applicationId, handle };
    },
    async startDeregistration(walletId: string, balance: number) {
      balances.set(walletId, balance);
      const input: DeregistrationInput = {
        version: 1,
        walletId,
        applicationId: randomUUID(),
        photoRefs: [],
      };
      return client.workflow.start<typeof deregistration>(DEREGISTRATION_WORKFLOW, {
        workflowId: deregistrationWorkflowId(walletId),
        taskQueue,
        args: [input],
      });
    },
    async close() {
      worker.shutdown();
      await running;
      await env.teardown();
    },
  };
}

export type WorkflowTier = Awaited<ReturnType<typeof startWorkflowTier>>;
