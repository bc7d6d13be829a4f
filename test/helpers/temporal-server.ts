// A Temporal dev server of one test's own, as a real process the test can kill and start again on
// the same port and database file: a real outage of the cluster, which the run's shared server
// (global-setup) must never suffer.
import { TypedSearchAttributes } from '@temporalio/common';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { searchAttributes } from '../../workflows/messages';
import { waitFor } from './processes';

const run = promisify(execFile);

export interface DevServer {
  address: string;
  /** Starts the server (again) on the same port and database file and waits until it answers. */
  start(): Promise<void>;
  /** Kills it and waits for the process to be gone; SIGKILL leaves it no chance to tidy up. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Whether the server process is alive. */
  running(): boolean;
  /** Everything the server processes have printed so far. */
  output(): string;
}

export function devServer({
  cli,
  port,
  dbFile,
}: {
  cli: string;
  port: number;
  dbFile: string;
}): DevServer {
  const address = `127.0.0.1:${port}`;
  const args = [
    'server',
    'start-dev',
    '--headless',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--db-filename',
    dbFile,
    '--log-level',
    'error',
    // The workflows upsert these; on a restart they are already in the database file.
    ...Object.values(searchAttributes).flatMap((key) => [
      '--search-attribute',
      `${key.name}=${TypedSearchAttributes.toMetadataType(key.type)}`,
    ]),
  ];
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let output = '';

  const answers = async () => {
    await run(
      cli,
      ['operator', 'namespace', 'describe', '--namespace', 'default', '--address', address],
      { timeout: 5_000 },
    );
    return true;
  };

  return {
    address,
    async start() {
      if (child) throw new Error('the dev server is already running');
      const started = spawn(cli, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      child = started;
      started.stdout?.on('data', (d: Buffer) => (output += d.toString()));
      started.stderr?.on('data', (d: Buffer) => (output += d.toString()));
      exited = new Promise((resolve) =>
        started.once('exit', () => {
          child = null;
          resolve();
        }),
      );
      await waitFor(answers, 60_000, `the Temporal dev server on ${address}`).catch(
        (error: Error) => {
          throw new Error(`${error.message}; its output:\n${output.slice(-2000)}`);
        },
      );
    },
    async kill(signal = 'SIGKILL') {
      child?.kill(signal);
      await exited;
    },
    running: () => child !== null,
    output: () => output,
  };
}
