// API latency under a held request rate, on the API's real loopback port:
//   POST /v1/applications creating distinct applicants (bank accounts opened beforehand);
//   GET /v1/applications/:id on the applications just created (running workflows), each read
//   with its owner's token, and on applications that reached ACTIVE earlier in the run (closed
//   workflows).
// Each rate is held two ways (see pacedLoad), and each endpoint's capacity is probed closed-loop
// with the CPU time every process spent per request, which is what limits it on 2 cores.
import autocannon from 'autocannon';
import { applicationFor } from '../test/helpers/people';
import {
  benchApplicant,
  loadAverage,
  mapConcurrent,
  openBankAccount,
  percentile,
  procCpuSeconds,
  round,
  row,
  type BenchRow,
  type BenchStack,
} from './stack';

export interface ApiOptions {
  /** GET rate held (BENCH_GET_RPS, default 200). */
  getRps: number;
  /**
   * POST rate held (BENCH_POST_RPS): each POST costs a password hash (Argon2id, ~12 ms of CPU)
   * and a workflow start.
   */
  postRps: number;
  /** How long each held rate runs (BENCH_API_SECONDS). */
  seconds: number;
  /** Applications that reached ACTIVE earlier in the run, if any. */
  active: { applicationId: string; token: string }[];
  log?: (message: string) => void;
}

interface Target {
  applicationId: string;
  token: string;
}

interface LoadResult {
  p50: number;
  p99: number;
  max: number;
  achieved: number;
  statuses: Record<string, number>;
  errors: number;
}

/**
 * An open-loop generator that really holds `rate`: one request every 1000/rate ms, whatever the
 * answers do, each latency counted from the moment the request was due (so that a stall is not
 * hidden by requests that were never sent: no coordinated omission). autocannon's overallRate
 * instead lets each connection send its whole per-second quota back to back at the start of every
 * second (lib/httpClient.js), i.e. bursts, and corrects coordinated omission with an expected
 * interval of Math.ceil(1 / rate) = 1 ms, which floods the histogram with invented low values; it
 * runs here with ignoreCoordinatedOmission, as a second opinion.
 */
async function pacedLoad(
  rate: number,
  seconds: number,
  send: (i: number) => Promise<number>,
): Promise<LoadResult> {
  const interval = 1000 / rate;
  const total = Math.round(rate * seconds);
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  const pending: Promise<void>[] = [];
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    pending.push(
      send(i).then(
        (status) => {
          latencies.push(performance.now() - due);
          statuses[status] = (statuses[status] ?? 0) + 1;
        },
        () => {
          errors++;
        },
      ),
    );
  }
  const sentIn = (performance.now() - start) / 1000;
  await Promise.all(pending);
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: percentile(latencies, 100),
    achieved: total / sentIn,
    statuses,
    errors,
  };
}

function fromAutocannon(result: autocannon.Result): LoadResult {
  return {
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    achieved: result.requests.average,
    statuses: Object.fromEntries(
      Object.entries(result.statusCodeStats ?? {}).map(([code, s]) => [code, s.count ?? 0]),
    ),
    errors: result.errors + result.timeouts,
  };
}

function resultRows(
  label: string,
  r: LoadResult,
  expected: number,
  log: (m: string) => void,
  p99Target?: number,
): BenchRow[] {
  const codes = Object.entries(r.statuses)
    .map(([code, n]) => `${code}×${n}`)
    .join(' ');
  log(`api: ${label}: answers ${codes || 'none'}, ${r.errors} errors`);
  const bad =
    Object.entries(r.statuses)
      .filter(([code]) => Number(code) !== expected)
      .reduce((n, [, count]) => n + count, 0) + r.errors;
  return [
    row(`${label}: requests per second`, round(r.achieved, 1), 'req/s'),
    row(`${label}: latency p50`, round(r.p50, 1), 'ms'),
    p99Target === undefined
      ? row(`${label}: latency p99`, round(r.p99, 1), 'ms')
      : row(`${label}: latency p99`, round(r.p99, 1), 'ms', `< ${p99Target}`, r.p99 < p99Target),
    row(`${label}: latency max`, round(r.max, 1), 'ms'),
    row(`${label}: answers other than ${expected}, errors, timeouts`, bad, 'n', '0', bad === 0),
  ];
}

/** CPU milliseconds each process spent per request while `run` ran. */
async function cpuPerRequest<T extends LoadResult>(
  stack: BenchStack,
  label: string,
  run: () => Promise<T>,
): Promise<{ result: T; rows: BenchRow[] }> {
  const processes = stack.processes();
  const before = processes.map((p) => procCpuSeconds(p.pid));
  const result = await run();
  const requests = Object.values(result.statuses).reduce((a, b) => a + b, 0);
  const rows = processes.map((p, i) =>
    row(
      `${label}: CPU per request, ${p.name}`,
      round(((procCpuSeconds(p.pid) - before[i]!) * 1000) / Math.max(1, requests), 2),
      'ms',
    ),
  );
  return { result, rows };
}

export async function runApiLatencyBench(
  stack: BenchStack,
  options: ApiOptions,
): Promise<BenchRow[]> {
  const { getRps, postRps, seconds } = options;
  const log = options.log ?? console.log;
  const rows: BenchRow[] = [];
  const url = stack.baseUrl;
  const load = () => `load ${loadAverage().join(' ')}`;
  const created: Target[] = [];
  const remember = (body: string) => {
    const answer = JSON.parse(body) as { applicationId: string; applicantToken: string };
    created.push({ applicationId: answer.applicationId, token: answer.applicantToken });
  };

  // POST: distinct applicants whose bank accounts exist, one prepared body per request (a few
  // spare: autocannon builds each connection's next request before it knows it will be sent).
  const count = Math.round(postRps * seconds);
  const connections = Math.max(2, Math.min(count, Math.ceil(postRps)));
  const capacityPosts = 60;
  const needed = 2 * count + capacityPosts + 4 * connections + 16;
  log(`api: opening ${needed} bank accounts`);
  const applicants = Array.from({ length: needed }, () => benchApplicant());
  await mapConcurrent(applicants, 8, (a) => openBankAccount(stack, a));
  const bodies = applicants.map((a) => JSON.stringify(applicationFor(a)));
  let next = 0;
  const postRequest: autocannon.Request = {
    method: 'POST',
    path: '/v1/applications',
    headers: { 'content-type': 'application/json' },
    setupRequest: (request) => ({ ...request, body: bodies[next++ % bodies.length] }),
    onResponse: (status, body) => {
      if (status === 201) remember(body);
    },
  };

  log(`api: POST /v1/applications paced at ${postRps}/s for ${seconds} s (${load()})`);
  const pacedPost = await pacedLoad(postRps, seconds, async () => {
    const response = await fetch(`${url}/v1/applications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: bodies[next++]!,
    });
    const text = await response.text();
    if (response.status === 201) remember(text);
    return response.status;
  });
  rows.push(...resultRows(`POST, paced at ${postRps}/s`, pacedPost, 201, log));

  log(`api: POST /v1/applications, autocannon overallRate ${postRps} (${load()})`);
  const burstyPost = await autocannon({
    url,
    connections,
    overallRate: postRps,
    ignoreCoordinatedOmission: true,
    amount: count,
    timeout: 30,
    requests: [postRequest],
  });
  rows.push(
    ...resultRows(`POST, autocannon overallRate ${postRps}`, fromAutocannon(burstyPost), 201, log),
  );

  log(`api: POST /v1/applications capacity, 4 connections, ${capacityPosts} requests (${load()})`);
  const postCapacity = await cpuPerRequest(stack, 'POST capacity', async () =>
    fromAutocannon(
      await autocannon({
        url,
        connections: 4,
        amount: capacityPosts,
        timeout: 30,
        requests: [postRequest],
      }),
    ),
  );
  rows.push(
    ...resultRows('POST capacity (4 connections, no rate limit)', postCapacity.result, 201, log),
    ...postCapacity.rows,
  );

  // GET: round robin over applications, each read with its owner's token.
  const getRequest = (targets: Target[]): autocannon.Request => {
    let k = 0;
    return {
      method: 'GET',
      setupRequest: (request) => {
        const t = targets[k++ % targets.length]!;
        return {
          ...request,
          path: `/v1/applications/${t.applicationId}`,
          headers: { authorization: `Bearer ${t.token}` },
        };
      },
    };
  };
  const getCapacity = async (label: string, targets: Target[]) => {
    log(`api: ${label} capacity, 10 connections for ${seconds} s (${load()})`);
    const capacity = await cpuPerRequest(stack, `${label} capacity`, async () =>
      fromAutocannon(
        await autocannon({
          url,
          connections: 10,
          duration: seconds,
          requests: [getRequest(targets)],
        }),
      ),
    );
    return [
      ...resultRows(`${label} capacity (10 connections, no rate limit)`, capacity.result, 200, log),
      ...capacity.rows,
    ];
  };

  const getSuite = async (label: string, targets: Target[], p99Target?: number) => {
    log(`api: ${label} paced at ${getRps}/s for ${seconds} s over ${targets.length} (${load()})`);
    const paced = await pacedLoad(getRps, seconds, async (i) => {
      const t = targets[i % targets.length]!;
      const response = await fetch(`${url}/v1/applications/${t.applicationId}`, {
        headers: { authorization: `Bearer ${t.token}` },
      });
      await response.arrayBuffer();
      return response.status;
    });
    const out = resultRows(`${label}, paced at ${getRps}/s`, paced, 200, log, p99Target);
    log(`api: ${label}, autocannon overallRate ${getRps} (${load()})`);
    const bursty = await autocannon({
      url,
      connections: 20,
      overallRate: getRps,
      ignoreCoordinatedOmission: true,
      duration: seconds,
      requests: [getRequest(targets)],
    });
    out.push(
      ...resultRows(
        `${label}, autocannon overallRate ${getRps}`,
        fromAutocannon(bursty),
        200,
        log,
        p99Target,
      ),
      ...(await getCapacity(label, targets)),
    );
    return out;
  };

  // Applications waiting for their phone to be verified (the ones just created)...
  if (created.length > 0) rows.push(...(await getSuite('GET running', created, 50)));
  // ...and applications whose workflow has closed (ACTIVE): a read that had to reach the workflow
  // would make a worker replay the whole history.
  if (options.active.length > 0)
    rows.push(
      ...(await getSuite('GET ACTIVE (workflow closed)', options.active.slice(0, 500), 50)),
    );
  return rows;
}
