// The workflow tier's setup: bundles the workflow code once for the run (seconds; per test file it
// would cost that each time). Each test file starts its own time-skipping server.
import { bundleWorkflowCode } from '@temporalio/worker';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

const workflowsPath = join(import.meta.dirname, '..', '..', 'workflows', 'index.ts');

export default async function setup(project: TestProject) {
  const scratch = mkdtempSync(join(tmpdir(), 'wallet-wf-bundle-'));
  const noop = () => undefined;
  const bundle = await bundleWorkflowCode({
    workflowsPath,
    logger: { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: console.error },
  });
  const workflowBundlePath = join(scratch, 'workflows.js');
  writeFileSync(workflowBundlePath, bundle.code);
  project.provide('workflowBundlePath', workflowBundlePath);
  return () => rmSync(scratch, { recursive: true, force: true });
}
