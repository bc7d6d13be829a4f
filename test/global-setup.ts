// Starts one real Temporal dev server (the CLI that temporal-dev.sh resolves) for the whole run
// and bundles the workflow code once; test files reach both through `inject`.
import { bundleWorkflowCode } from '@temporalio/worker';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { workflowsPath } from '../temporal/worker';
import { resolveTemporalCli, startTemporalDevServer } from '../scripts/temporal-cli';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalCli: string;
    workflowBundlePath: string;
  }
}

export { resolveTemporalCli };

export default async function setup(project: TestProject) {
  const { env, cli: temporalCli, address } = await startTemporalDevServer();
  const scratch = mkdtempSync(join(tmpdir(), 'wallet-bundle-'));
  const bundle = await bundleWorkflowCode({ workflowsPath, logger: quietLogger });
  const workflowBundlePath = join(scratch, 'workflows.js');
  writeFileSync(workflowBundlePath, bundle.code);

  project.provide('temporalAddress', address);
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
