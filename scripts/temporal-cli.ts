// The Temporal CLI that temporal-dev.sh resolves ($TEMPORAL_CLI, PATH, .temporal/, PyPI, go
// install), and an in-memory dev server started with it, for the test setup and the benchmarks.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { searchAttributes } from '../workflows/messages';

export function resolveTemporalCli(): string {
  if (process.env.TEMPORAL_CLI) return process.env.TEMPORAL_CLI;
  const script = join(import.meta.dirname, '..', 'temporal-dev.sh');
  return execFileSync('bash', [script, '--resolve'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
}

/**
 * A dev server (in memory, 127.0.0.1, a free port, the spec's search attributes) started from
 * `cli`. The default `cached-download` executable would fetch from temporal.download: never used.
 */
export async function startTemporalDevServer(cli: string = resolveTemporalCli()) {
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: cli },
      ip: '127.0.0.1',
      searchAttributes: Object.values(searchAttributes),
      extraArgs: ['--log-level', 'error'],
    },
  });
  // The server binds 127.0.0.1 only; "localhost" may resolve to ::1 first.
  return { env, cli, address: env.address.replace(/^localhost:/, '127.0.0.1:') };
}
