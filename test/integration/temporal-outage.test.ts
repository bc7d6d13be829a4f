import { TestWorkflowEnvironment } from '@temporalio/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { buildApi } from '../../api/build';
import { signStaffToken } from '../../api/tokens';
import { loadConfig } from '../../config/config';
import { freePort } from '../helpers/ports';

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('Temporal outage', () => {
  it('answers 503 with Retry-After while Temporal is down and recovers without a restart', async () => {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'wallet-outage-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const config = loadConfig({
      DATA_DIR: dataDir,
      TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
      LOG_LEVEL: 'silent',
    });
    const api = await buildApi(config, { logger: false });
    cleanups.push(() => api.close());
    const ops = { authorization: `Bearer ${signStaffToken(config.authSecret, 'ops', 'o')}` };

    const notReady = await api.inject('/readyz');
    expect(notReady.statusCode).toBe(503);
    expect(notReady.json().checks).toEqual({ temporal: false, database: true });

    const read = await api.inject({
      method: 'GET',
      url: '/v1/applications/00000000-0000-4000-8000-000000000000',
      headers: ops,
    });
    expect(read.statusCode).toBe(503);
    expect(read.headers['retry-after']).toBe('5');
    expect(read.json().code).toBe('TEMPORAL_UNAVAILABLE');

    // Temporal comes up on that address: the same API instance becomes ready by itself.
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: inject('temporalCli') },
        ip: '127.0.0.1',
        port,
        extraArgs: ['--log-level', 'error'],
      },
    });
    cleanups.push(() => env.teardown());
    let status = 0;
    for (let i = 0; i < 60 && status !== 200; i++) {
      status = (await api.inject('/readyz')).statusCode;
      if (status !== 200) await new Promise((r) => setTimeout(r, 500));
    }
    expect(status).toBe(200);
    const after = await api.inject({
      method: 'GET',
      url: '/v1/applications/00000000-0000-4000-8000-000000000000',
      headers: ops,
    });
    expect(after.statusCode).toBe(404);
  });
});
