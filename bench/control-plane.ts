// Control-plane latency: each update round trip through the API (OTP verify, the reviewer's
// decision, the payment password), one at a time on an otherwise idle stack and each to a
// workflow with nothing in flight, against the same round trip on a bare workflow whose update
// handler does nothing: the API's own route (authentication, validation, the payment password's
// hash, the read model) against a bare workflow standing in for an application; and, stricter,
// a bare update through the Temporal client and through a trivial Fastify route in a process of
// its own. The samples are interleaved, so that every side sees the same machine. Then where the
// time goes, from the workflow histories.
import { Client, Connection } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { openStore } from '../db/open-store';
import { onboardingWorkflowId, type ApplicationView, type StepResult } from '../domain/contract';
import {
  decideUpdate,
  getApplicationQuery,
  setPaymentPasswordUpdate,
  verifyOtpUpdate,
} from '../workflows/messages';
import { hashPassword } from '../crypto/password-hash';
import { databaseFileIn } from '../config/config';
import { createDataConverter } from '../temporal/payload-codec';
import { storeSubjectKeys } from '../temporal/client';
import { bare, bareApplication, bareUpdate, finishSignal } from './bare-workflows';
import {
  benchApplicant,
  cardPhoto,
  createHttp,
  expectStatus,
  mapConcurrent,
  openBankAccount,
  paymentPasswordFor,
  percentile,
  round,
  row,
  runTsProcess,
  setPaymentPassword,
  startApplication,
  waitForHttp,
  type BenchRow,
  type BenchStack,
} from './stack';
import { freePort } from '../test/helpers/ports';

export interface ControlOptions {
  /** Measured samples of each round trip (BENCH_LATENCY_SAMPLES). */
  samples: number;
  /** Unmeasured rounds first (JIT, caches, connections). */
  warmup: number;
  log?: (message: string) => void;
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const ms = (event: HistoryEvent) =>
  Number(event.eventTime?.seconds ?? 0) * 1000 + (event.eventTime?.nanos ?? 0) / 1e6;

interface UpdateTimeline {
  /** Workflow task scheduled → its completion that accepted the update (dispatch + activation). */
  acceptingTask: number;
  /** Accepted → completed: what the handler waited for after accepting. */
  acceptToComplete: number;
  /** First activity scheduled → last activity completed, between accepted and completed. */
  activities: number;
  /** Workflow task scheduled (accepting) → update completed: the update's time inside Temporal. */
  inTemporal: number;
  workflowTasks: number;
  activityTasks: number;
  localActivities: number;
}

/**
 * The timeline of the last update named `name` in a history, from the server's event times.
 * Speculative workflow tasks (the ones updates start) are written with their completion.
 */
function updateTimeline(events: HistoryEvent[], name: string): UpdateTimeline | null {
  let acceptedAt = -1;
  for (let i = events.length - 1; i >= 0; i--)
    if (
      events[i]!.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name ===
      name
    ) {
      acceptedAt = i;
      break;
    }
  if (acceptedAt < 0) return null;
  const accepted = events[acceptedAt]!;
  const updateId = accepted.workflowExecutionUpdateAcceptedEventAttributes?.protocolInstanceId;
  const completedAt = events.findIndex(
    (e, i) =>
      i > acceptedAt &&
      e.workflowExecutionUpdateCompletedEventAttributes?.meta?.updateId === updateId,
  );
  if (completedAt < 0) return null;
  let taskCompletedAt = acceptedAt;
  while (taskCompletedAt >= 0 && !events[taskCompletedAt]!.workflowTaskCompletedEventAttributes)
    taskCompletedAt--;
  const taskCompleted = events[taskCompletedAt]!;
  const scheduledId = Number(taskCompleted.workflowTaskCompletedEventAttributes!.scheduledEventId);
  const scheduled = events.find((e) => Number(e.eventId) === scheduledId)!;
  const between = events.slice(taskCompletedAt, completedAt + 1);
  const activityScheduled = between.filter((e) => e.activityTaskScheduledEventAttributes);
  const activityCompleted = between.filter((e) => e.activityTaskCompletedEventAttributes);
  const completed = events[completedAt]!;
  return {
    acceptingTask: ms(taskCompleted) - ms(scheduled),
    acceptToComplete: ms(completed) - ms(accepted),
    activities:
      activityScheduled.length && activityCompleted.length
        ? ms(activityCompleted[activityCompleted.length - 1]!) - ms(activityScheduled[0]!)
        : 0,
    inTemporal: ms(completed) - ms(scheduled),
    // The accepting task and every one after it up to the completion.
    workflowTasks: between.filter((e) => e.workflowTaskCompletedEventAttributes).length,
    activityTasks: activityScheduled.length,
    localActivities: between.filter(
      (e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity',
    ).length,
  };
}

interface Series {
  label: string;
  times: number[];
}

async function startBareProcesses(stack: BenchStack) {
  const port = await freePort();
  const env = {
    TEMPORAL_ADDRESS: stack.temporal.address,
    BARE_TASK_QUEUE: 'bench-bare',
    PII_KEY: stack.env.PII_KEY,
    PORT: String(port),
  };
  const worker = runTsProcess('bare worker', join('bench', 'bare-stack.ts'), {
    ...env,
    BARE_ROLE: 'worker',
    DATA_DIR: stack.dataDir,
  });
  const api = runTsProcess('bare api', join('bench', 'bare-stack.ts'), {
    ...env,
    BARE_ROLE: 'api',
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  await Promise.all([
    worker.waitForOutput('bare worker: polling', 120_000),
    waitForHttp(`${baseUrl}/noop`, 120_000, api),
  ]);
  return { worker, api, http: createHttp(baseUrl), taskQueue: env.BARE_TASK_QUEUE };
}

export async function runControlPlaneBench(
  stack: BenchStack,
  options: ControlOptions,
): Promise<BenchRow[]> {
  const { samples, warmup } = options;
  const log = options.log ?? console.log;
  const rounds = samples + warmup;
  const bareSide = await startBareProcesses(stack);
  // The app's database, for the persons' keys of the applications' payloads (as the API reads them).
  const store = await openStore({ databaseFile: databaseFileIn(stack.dataDir) });
  const client = new Client({
    connection: await Connection.connect({ address: stack.temporal.address }),
    dataConverter: createDataConverter(stack.piiKey, storeSubjectKeys(store, stack.piiKey)),
  });
  try {
    log(`control: rendering ${rounds} cards and opening ${2 * rounds} bank accounts`);
    const applicants = Array.from({ length: rounds }, () => benchApplicant());
    // The applications whose workflows bare ones replace, one a round.
    const standIns = Array.from({ length: rounds }, () => benchApplicant());
    const photos = await mapConcurrent(applicants, 2, (a) => cardPhoto(a));
    await mapConcurrent([...applicants, ...standIns], 8, (a) => openBankAccount(stack, a));

    const series = {
      noop: { label: 'HTTP GET of a no-op Fastify route', times: [] as number[] },
      bareClient: { label: 'bare update, Temporal client', times: [] as number[] },
      bareHttp: { label: 'bare update, trivial Fastify route', times: [] as number[] },
      query: { label: 'GET /v1/applications/:id', times: [] as number[] },
      otp: { label: 'POST otp/verify', times: [] as number[] },
      decisionFirst: {
        label: 'POST decision, first of two (four eyes: no status change)',
        times: [] as number[],
      },
      decision: { label: 'POST decision (the one that moves the status)', times: [] as number[] },
      password: { label: 'POST payment-password', times: [] as number[] },
      otpBare: { label: 'POST otp/verify on a bare workflow', times: [] as number[] },
      decisionBare: { label: 'POST decision on a bare workflow', times: [] as number[] },
      passwordBare: { label: 'POST payment-password on a bare workflow', times: [] as number[] },
      hash: {
        label: 'Argon2id hash of the payment password alone (in the bench process)',
        times: [] as number[],
      },
    } satisfies Record<string, Series>;
    const measured: { id: string; otp: number; decision: number; password: number }[] = [];
    const bareIds: string[] = [];
    const failures: string[] = [];
    /**
     * Waits until the application's workflow has nothing in flight (no activity, no workflow
     * task), as the bare workflow has when it is updated. In use, steps come seconds to hours
     * apart; here the next request would otherwise meet the SMS about the previous step (sent
     * after that step answered) and wait for its workflow task.
     */
    const settled = async (id: string) => {
      const execution = { workflowId: onboardingWorkflowId(id) };
      const deadline = Date.now() + 10_000;
      for (;;) {
        const described = await client.workflowService.describeWorkflowExecution({
          namespace: client.options.namespace,
          execution,
        });
        if (!described.pendingActivities?.length && !described.pendingWorkflowTask) return;
        if (Date.now() > deadline)
          throw new Error(`${execution.workflowId}: still busy after 10 s`);
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    const timed = async <T>(list: number[] | null, fn: () => Promise<T>): Promise<T> => {
      const t = performance.now();
      const result = await fn();
      list?.push(performance.now() - t);
      return result;
    };

    /**
     * Replaces the application's workflow (waiting for its OTP) by a bare one on the bare worker,
     * whose updates answer the given answers of another application's steps, made this one's:
     * its id, applicant and newer revisions, so that the API's read model takes each in turn.
     */
    const standInBareWorkflow = async (
      id: string,
      answers: {
        verified: Record<string, unknown>;
        decided: Record<string, unknown>;
        active: Record<string, unknown>;
      },
    ) => {
      const handle = client.workflow.getHandle(onboardingWorkflowId(id));
      const own = await handle.query(getApplicationQuery);
      await handle.terminate('control-plane benchmark: a bare workflow stands in');
      const as = (answer: Record<string, unknown>, step: number): StepResult => ({
        ok: true,
        view: {
          ...(answer as unknown as ApplicationView),
          applicationId: id,
          applicant: own.applicant,
          createdAt: own.createdAt,
          fieldErrors: [],
          revision: (own.revision ?? 0) + step,
        },
      });
      await client.workflow.start(bareApplication, {
        taskQueue: bareSide.taskQueue,
        workflowId: onboardingWorkflowId(id),
        args: [
          {
            verifyOtp: as(answers.verified, 1),
            decide: as(answers.decided, 2),
            setPaymentPassword: as(answers.active, 3),
          },
        ],
      });
      // Its first task done and in the bare worker's cache, as the application's was.
      await handle.executeUpdate(bareUpdate, { args: [{ version: 1 }] });
    };

    log(`control: ${rounds} rounds (${warmup} unmeasured), one request at a time`);
    for (let i = 0; i < rounds; i++) {
      const keep = i >= warmup;
      const pick = (s: Series) => (keep ? s.times : null);
      const a = applicants[i]!;

      // The bare workflow: started and updated once untimed (its first task done, in the worker's
      // cache, like an application waiting for its next step), then one update through each path,
      // in alternating order.
      const bareId = `bench-bare-${randomUUID()}`;
      await client.workflow.start(bare, { taskQueue: bareSide.taskQueue, workflowId: bareId });
      await client.workflow.getHandle(bareId).executeUpdate(bareUpdate, { args: [{ version: 1 }] });
      const viaClient = () =>
        timed(pick(series.bareClient), () =>
          client.workflow.getHandle(bareId).executeUpdate(bareUpdate, { args: [{ version: 1 }] }),
        );
      const viaHttp = async () =>
        expectStatus(
          await timed(pick(series.bareHttp), () => bareSide.http('POST', `/bare/${bareId}/update`)),
          200,
          'bare update',
        );
      if (i % 2 === 0) {
        await viaClient();
        await viaHttp();
      } else {
        await viaHttp();
        await viaClient();
      }
      expectStatus(
        await timed(pick(series.noop), () => bareSide.http('GET', '/noop')),
        200,
        'noop',
      );
      if (keep) bareIds.push(bareId);
      await client.workflow.getHandle(bareId).signal(finishSignal);

      // The application: the three updates measured, the other steps not.
      // A photo the OCR misreads is refused: that round is counted and skipped, not fatal.
      try {
        const { id, token, code } = await startApplication(stack, a);
        await settled(id);
        const o0 = performance.now();
        const verified = expectStatus(
          await timed(pick(series.otp), () =>
            stack.http('POST', `/v1/applications/${id}/otp/verify`, { token, json: { code } }),
          ),
          200,
          'otp/verify',
        );
        const otpMs = performance.now() - o0;
        expectStatus(
          await timed(pick(series.query), () =>
            stack.http('GET', `/v1/applications/${id}`, { token }),
          ),
          200,
          'GET application',
        );
        expectStatus(
          await stack.http('PUT', `/v1/applications/${id}/id-photo`, { token, bytes: photos[i]! }),
          200,
          'id-photo',
        );
        const approve = (reviewer: string) =>
          stack.http('POST', `/v1/applications/${id}/decision`, {
            token: stack.staffToken('reviewer', reviewer),
            json: { decision: 'APPROVE' },
          });
        await settled(id);
        let d0 = performance.now();
        let decided = expectStatus(await approve('rita'), 200, 'decision');
        let decisionMs = performance.now() - d0;
        if (decided.status === 'PENDING_REVIEW') {
          if (keep) series.decisionFirst.times.push(decisionMs);
          await settled(id);
          d0 = performance.now();
          decided = expectStatus(await approve('victor'), 200, 'second decision');
          decisionMs = performance.now() - d0;
        }
        if (keep) series.decision.times.push(decisionMs);
        await settled(id);
        const p0 = performance.now();
        const active = await setPaymentPassword(stack, a, { id, token });
        const passwordMs = performance.now() - p0;
        if (active.status !== 'ACTIVE') throw new Error(`ended ${active.status}`);
        if (keep) {
          series.password.times.push(passwordMs);
          measured.push({ id, otp: otpMs, decision: decisionMs, password: passwordMs });
        }

        // The same three routes again, for a second application whose workflow a bare one has
        // replaced, answering what this application's workflow answered at each step.
        const standIn = await startApplication(stack, standIns[i]!);
        await settled(standIn.id);
        await standInBareWorkflow(standIn.id, { verified, decided, active });
        expectStatus(
          await timed(pick(series.otpBare), () =>
            stack.http('POST', `/v1/applications/${standIn.id}/otp/verify`, {
              token: standIn.token,
              json: { code: standIn.code },
            }),
          ),
          200,
          'otp/verify on a bare workflow',
        );
        expectStatus(
          await timed(pick(series.decisionBare), () =>
            stack.http('POST', `/v1/applications/${standIn.id}/decision`, {
              token: stack.staffToken('reviewer', 'rita'),
              json: { decision: 'APPROVE' },
            }),
          ),
          200,
          'decision on a bare workflow',
        );
        const standInActive = await timed(pick(series.passwordBare), () =>
          setPaymentPassword(stack, standIns[i]!, standIn),
        );
        // Only the bare workflow answers with the measured application's wallet: a real one
        // would have made a wallet of its own.
        if (
          standInActive.status !== 'ACTIVE' ||
          !active.walletId ||
          standInActive.walletId !== active.walletId
        )
          throw new Error(`not the bare workflow's answer: ${JSON.stringify(standInActive)}`);
        await client.workflow.getHandle(onboardingWorkflowId(standIn.id)).signal(finishSignal);
      } catch (error) {
        failures.push(error instanceof Error ? error.message : String(error));
      }
      await timed(pick(series.hash), () => hashPassword(paymentPasswordFor(a)));
    }

    // Where the time goes: the server's event times of each update, per sample.
    log('control: reading the histories');
    const timelines = {
      otp: [] as UpdateTimeline[],
      decision: [] as UpdateTimeline[],
      password: [] as UpdateTimeline[],
      bare: [] as UpdateTimeline[],
    };
    const outside = {
      otp: [] as number[],
      decision: [] as number[],
      password: [] as number[],
      bareClient: [] as number[],
      bareHttp: [] as number[],
    };
    for (const m of measured) {
      const history = await client.workflow.getHandle(onboardingWorkflowId(m.id)).fetchHistory();
      const events = history.events ?? [];
      for (const [key, name] of [
        ['otp', verifyOtpUpdate.name],
        ['decision', decideUpdate.name],
        ['password', setPaymentPasswordUpdate.name],
      ] as const) {
        const timeline = updateTimeline(events, name);
        if (!timeline) continue;
        timelines[key].push(timeline);
        outside[key].push(m[key] - timeline.inTemporal);
      }
    }
    // Bare workflows: the 2nd and 3rd updates (the 1st was the warm-up); sample k is bareIds[k].
    const bareTimes = { client: series.bareClient.times, http: series.bareHttp.times };
    for (const [k, id] of bareIds.entries()) {
      const events = (await client.workflow.getHandle(id).fetchHistory()).events ?? [];
      const accepted = events
        .map((e, i) => (e.workflowExecutionUpdateAcceptedEventAttributes ? i : -1))
        .filter((i) => i >= 0);
      // Measured updates: 2nd and 3rd acceptances; which path went first alternates with the round.
      const roundIndex = k + warmup;
      for (const [n, path] of (roundIndex % 2 === 0
        ? ['client', 'http']
        : ['http', 'client']
      ).entries()) {
        const end = accepted[n + 2] ?? events.length;
        const timeline = updateTimeline(events.slice(0, end), bareUpdate.name);
        if (!timeline) continue;
        if (path === 'client') timelines.bare.push(timeline);
        const rt = path === 'client' ? bareTimes.client[k] : bareTimes.http[k];
        if (rt !== undefined)
          (path === 'client' ? outside.bareClient : outside.bareHttp).push(
            rt - timeline.inTemporal,
          );
      }
    }

    const p50 = (s: Series) => percentile(s.times, 50);
    const rows: BenchRow[] = [];
    for (const s of Object.values(series)) {
      if (s.times.length === 0) continue;
      rows.push(row(`${s.label} p50`, round(p50(s), 1), 'ms'));
      rows.push(row(`${s.label} p99`, round(percentile(s.times, 99), 1), 'ms', '', null));
    }
    // The target's baseline: the same route, its workflow bare. The stricter ones beside it
    // leave out the API's own work too (for the payment password, the Argon2id hash).
    for (const [key, bareKey] of [
      ['otp', 'otpBare'],
      ['decision', 'decisionBare'],
      ['password', 'passwordBare'],
    ] as const) {
      if (series[key].times.length === 0 || series[bareKey].times.length === 0) continue;
      const ratio = p50(series[key]) / p50(series[bareKey]);
      rows.push(
        row(
          `${series[key].label} p50 / the same route on a bare workflow p50`,
          round(ratio, 2),
          '×',
          '≤ 2',
          ratio <= 2,
        ),
        row(
          `${series[key].label} p50 / bare update via Fastify p50`,
          round(p50(series[key]) / p50(series.bareHttp), 2),
          '×',
        ),
        row(
          `${series[key].label} p50 / bare update via client p50`,
          round(p50(series[key]) / p50(series.bareClient), 2),
          '×',
        ),
      );
    }
    rows.push(row('rounds measured (after the warm-up)', samples, 'n'));
    rows.push(
      row('four-eyes applications among them', series.decisionFirst.times.length, 'n'),
      row('rounds that failed (skipped)', failures.length, 'n', '0', failures.length === 0),
    );
    if (failures.length > 0)
      log(`control: ${failures.length} rounds failed, first: ${failures[0]}`);

    // The breakdown, medians over the samples.
    const median = (xs: number[]) => round(percentile(xs, 50), 1);
    for (const [key, label] of [
      ['bare', 'bare update'],
      ['otp', 'otp/verify'],
      ['decision', 'decision'],
      ['password', 'payment-password'],
    ] as const) {
      const list = timelines[key];
      if (list.length === 0) continue;
      rows.push(
        row(
          `${label}: inside Temporal (task scheduled → update completed)`,
          median(list.map((t) => t.inTemporal)),
          'ms',
        ),
      );
      rows.push(
        row(
          `${label}: accepting workflow task (scheduled → completed)`,
          median(list.map((t) => t.acceptingTask)),
          'ms',
        ),
      );
      rows.push(
        row(`${label}: accepted → completed`, median(list.map((t) => t.acceptToComplete)), 'ms'),
      );
      rows.push(
        row(
          `${label}: activities (first scheduled → last completed)`,
          median(list.map((t) => t.activities)),
          'ms',
        ),
      );
      rows.push(row(`${label}: workflow tasks`, median(list.map((t) => t.workflowTasks)), 'n'));
      rows.push(row(`${label}: activity tasks`, median(list.map((t) => t.activityTasks)), 'n'));
      rows.push(row(`${label}: local activities`, median(list.map((t) => t.localActivities)), 'n'));
    }
    for (const [key, label] of [
      ['bareClient', 'bare update via client'],
      ['bareHttp', 'bare update via Fastify'],
      ['otp', 'otp/verify'],
      ['decision', 'decision'],
      ['password', 'payment-password'],
    ] as const)
      if (outside[key].length)
        rows.push(
          row(`${label}: outside Temporal (round trip − inside), p50`, median(outside[key]), 'ms'),
        );
    return rows;
  } finally {
    await client.connection.close();
    await Promise.all([bareSide.api.stop(), bareSide.worker.stop()]);
    await store.close();
  }
}
