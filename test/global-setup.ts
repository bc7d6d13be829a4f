// Starts one real Temporal dev server (the CLI that temporal-dev.sh resolves) for the whole run
// and bundles the workflow code once; test files reach both through `inject`.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode } from '@temporalio/worker';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { searchAttributes } from '../domain/contract';
import { workflowsPath } from '../lib/create-worker';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalCli: string;
    workflowBundlePath: string;
  }
}

export function resolveTemporalCli(): string {
  if (process.env.TEMPORAL_CLI) return process.env.TEMPORAL_CLI;
  const script = join(import.meta.dirname, '..', 'temporal-dev.sh');
  return execFileSync('bash', [script, '--resolve'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
}

export default async function setup(project: TestProject) {
  const temporalCli = resolveTemporalCli();
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalCli },
      ip: '127.0.0.1',
      searchAttributes: Object.values(searchAttributes),
      extraArgs: ['--log-level', 'error'],
    },
  });
  const scratch = mkdtempSync(join(tmpdir(), 'wallet-bundle-'));
  const bundle = await bundleWorkflowCode({ workflowsPath, logger: quietLogger });
  const workflowBundlePath = join(scratch, 'workflows.js');
  writeFileSync(workflowBundlePath, bundle.code);

  // The server binds 127.0.0.1 only; "localhost" may resolve to ::1 first.
  project.provide('temporalAddress', env.address.replace(/^localhost:/, '127.0.0.1:'));
  project.provide('temporalCli', temporalCli);
  project.provide('workflowBundlePath', workflowBundlePath);

  return async () => {
    await env.teardown();
    rmSync(scratch, { recursive: true, force: true });
  };
}

const noop = () => undefined;
const quietLogger = {
  log: noop,
  trace: noop,
  debug: noop,
  info: noop,
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};
