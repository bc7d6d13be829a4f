// Temporal's time-skipping test server with the real onboarding workflow and activities on a fresh
// SQLite file, for rules that need minutes or days to pass (OTP expiry, resend cooldown, the 24 h
// phone-verification window). Caveats (FIELD-NOTES): the server skips no time while a client waits
// on an update, and it has no visibility API (no list()).
import { SearchAttributeType } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { createActivities } from '../../activities';
import { insertSandboxAccount } from '../../adapters/core-banking';
import { openDatabase } from '../../db/client';
import { ONBOARDING_WORKFLOW, onboardingWorkflowId, type Applicant, type OnboardingInput } from '../../domain/contract';
import { searchAttributes } from '../../workflows/messages';
import { loadConfig } from '../../config/config';
import { readOutbox } from '../../db/repositories/outbox';
import { createDataConverter } from '../../temporal/payload-codec';
import { hashPassword } from '../../crypto/password-hash';
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
 * The workflow upserts SPEC §6's custom search attributes; the test server refuses unknown ones
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
    // Already installed (by startStack or an earlier environment): keep that one.
  }
}

export async function startTimeSkipping(env: Record<string, string> = {}) {
  installQuietRuntime();
  const dataDir = mkdtempSync(join(tmpdir(), 'wallet-ts-test-'));
  // The payload key comes from PII_KEY (made in DATA_DIR on first load): client and worker share it.
  const dataConverter = createDataConverter(loadConfig({ DATA_DIR: dataDir, ...env }).piiKey);
  const testEnv = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: resolveTestServer() } },
    client: { dataConverter },
  });
  await registerSearchAttributes(testEnv);
  const taskQueue = `ts-${randomUUID()}`;
  const config = loadConfig({
    DATA_DIR: dataDir,
    TEMPORAL_ADDRESS: testEnv.address,
    TEMPORAL_TASK_QUEUE: taskQueue,
    LOG_LEVEL: 'silent',
    ...env,
  });
  const database = openDatabase(config.databaseFile);
  const worker = await Worker.create({
    connection: testEnv.nativeConnection,
    taskQueue,
    activities: createActivities({ db: database.db, config, temporalClient: testEnv.client }),
    dataConverter,
    workflowBundle: { code: readFileSync(inject('workflowBundlePath'), 'utf8') },
  });
  const running = worker.run();
  const loginPasswordHash = await hashPassword('secret123');

  return {
    env: testEnv,
    config,
    database,
    /** Puts the applicant's NORMAL, verified account in the sandbox core-banking table. */
    openBankAccount(a: Applicant) {
      insertSandboxAccount(database.db, config.piiKey, {
        holderName: a.name,
        idNumber: a.idNumber,
        cardNumber: a.bankCardNumber,
        phone: a.phone,
        status: 'NORMAL',
        realNameVerified: true,
      });
    },
    /** Starts an onboarding workflow the way the API would (without update-with-start). */
    async startOnboarding(a: Applicant, appVersion = '3.2.0') {
      const applicationId = randomUUID();
      const input: OnboardingInput = {
        version: 1,
        applicationId,
        applicant: a,
        appVersion,
        loginPasswordHash,
        settings: {
          reviewRemindAfterMs: config.review.remindAfterMs,
          reviewEscalateAfterMs: config.review.escalateAfterMs,
          reviewExpireAfterMs: config.review.expireAfterMs,
        },
      };
      const handle = await testEnv.client.workflow.start<typeof onboarding>(ONBOARDING_WORKFLOW, {
        workflowId: onboardingWorkflowId(applicationId),
        taskQueue,
        args: [input],
      });
      return { applicationId, handle };
    },
    /** Messages delivered to `recipient` with `template`, oldest first. */
    sent(recipient: string, template: string) {
      return readOutbox(database.db, config.piiKey, { recipient })
        .filter((m) => m.template === template)
        .reverse();
    },
    /** The code in the newest OTP message to `phone`. */
    lastOtp(phone: string): string {
      const otps = this.sent(phone, 'OTP');
      const last = otps[otps.length - 1];
      if (!last) throw new Error(`no OTP sent to ${phone}`);
      return /\d{6}/.exec(last.text)![0];
    },
    async close() {
      worker.shutdown();
      await running;
      await testEnv.teardown();
      database.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export type TimeSkipping = Awaited<ReturnType<typeof startTimeSkipping>>;
