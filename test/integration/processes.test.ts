// The deployable parts as real processes: `npm run worker`, `npm run api` and `npm run token`
// against the run's Temporal server, over a real loopback port.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { applicant, bankAccountFor } from '../helpers/people';
import { freePort } from '../helpers/ports';
import { repoRoot, runTs, waitFor, type RunningProcess } from '../helpers/processes';

const running: RunningProcess[] = [];
const dataDir = mkdtempSync(join(tmpdir(), 'wallet-procs-'));
afterAll(async () => {
  for (const p of running) await p.stop('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('worker, API and token processes', () => {
  it('serve a real application over HTTP and shut down cleanly on SIGTERM', async () => {
    const port = await freePort();
    const env = {
      DATA_DIR: dataDir,
      PORT: String(port),
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: `procs-${randomUUID()}`,
      LOG_LEVEL: 'warn',
    };
    const worker = runTs('worker.ts', env);
    const api = runTs('api/server.ts', env);
    running.push(worker, api);
    const base = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${base}/readyz`)).status === 200, 120_000, 'the API');
    await waitFor(
      async () => worker.output().includes('polling task queue'),
      120_000,
      'the worker',
    ).catch((error: Error) => {
      throw new Error(`${error.message}; its output:\n${worker.output().slice(-3000)}`);
    });

    const run = promisify(execFile);
    const tsx = (...args: string[]) =>
      run(process.execPath, ['--import', 'tsx', join(repoRoot, 'scripts/token.ts'), ...args], {
        cwd: repoRoot,
        env: { ...process.env, ...env },
      });
    const opsToken = (await tsx('ops', 'olga')).stdout.trim();
    const person = applicant();
    const account = await fetch(`${base}/v1/sandbox/bank-accounts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${opsToken}` },
      body: JSON.stringify(bankAccountFor(person)),
    });
    expect(account.status).toBe(201);
    const created = await fetch(`${base}/v1/applications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(person),
    });
    expect(created.status).toBe(201);
    const { applicationId } = (await created.json()) as { applicationId: string };

    const { stdout: token } = await tsx('reviewer', 'alice');
    expect(token.trim()).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const read = await fetch(`${base}/v1/applications/${applicationId}`, {
      headers: { authorization: `Bearer ${token.trim()}` },
    });
    expect(read.status).toBe(200);
    expect(((await read.json()) as { status: string }).status).toBe('AWAITING_PHONE_VERIFICATION');

    expect(await api.stop()).toBe(0);
    expect(await worker.stop()).toBe(0);
    expect(worker.output()).toContain('worker: stopped');
  });

  it('refuses a bad token role argument with usage help', async () => {
    await expect(
      promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', join(repoRoot, 'scripts/token.ts'), 'admin', 'x'],
        {
          cwd: repoRoot,
          env: { ...process.env, DATA_DIR: dataDir },
        },
      ),
    ).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('usage') });
  });
});
