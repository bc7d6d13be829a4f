// A throwaway PostgreSQL cluster for one test run (initdb + pg_ctl, as the postgres user when run
// as root, on a free loopback port, fsync off), started by `postgresGlobalSetup` and reached by
// test files through `inject('postgresUrl')`; `freshPostgresUrl()` gives each file its own
// database. Without PostgreSQL binaries the run fails, saying what to install: never a skip.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import type { TestProject } from 'vitest/node';
import { freePort } from './ports';
import { resolvePostgres } from './resolve/postgres';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The cluster's maintenance database; test files make their own with freshPostgresUrl. */
    postgresUrl: string;
  }
}

export interface PostgresCluster {
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  url: string;
  /** The directory of its Unix-domain socket (`?host=` of a same-machine DATABASE_URL). */
  socketDir: string;
  /** The postmaster's pid (benchmarks read its CPU time). */
  pid(): number;
  /** Stops the server, keeping its data: an outage. */
  halt(): void;
  /** Starts it again on the same port, after `halt`. */
  resume(): void;
  stop(): void;
}

/**
 * initdb and start a cluster in a temp dir; owned by `postgres` when this process is root.
 * `settings` (`name=value`) override the test defaults, e.g. the benchmark's durability.
 */
export async function startPostgresCluster(settings: string[] = []): Promise<PostgresCluster> {
  const { binDir: bin, osUser } = await resolvePostgres();
  const dir = mkdtempSync(join(tmpdir(), 'wallet-pg-'));
  const asRoot = osUser !== undefined;
  const run = (tool: string, args: string[]) => {
    const [command, argv] = osUser
      ? ['runuser', ['-u', osUser, '--', join(bin, tool), ...args]]
      : [join(bin, tool), args];
    execFileSync(command, argv, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
  };
  if (asRoot) {
    const id = (flag: string) => Number(execFileSync('id', [flag, osUser], { encoding: 'utf8' }));
    chownSync(dir, id('-u'), id('-g'));
  }
  const data = join(dir, 'data');
  const log = join(dir, 'log');
  try {
    run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${stderrOf(error)}`);
  }
  let port = 0;
  let options = '';
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    options = [
      `-p ${port}`,
      `-k ${dir}`,
      '-c listen_addresses=127.0.0.1',
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
      '-c max_connections=200',
      ...settings.map((setting) => `-c ${setting}`),
    ].join(' ');
    try {
      run('pg_ctl', ['-D', data, '-l', log, '-w', '-t', '60', '-o', options, 'start']);
      break;
    } catch (error) {
      // Another process may have taken the port between freePort and the server's bind.
      if (attempt >= 3) {
        const tail = existsSync(log) ? readFileSync(log, 'utf8').slice(-2000) : '';
        rmSync(dir, { recursive: true, force: true });
        throw new Error(`pg_ctl start failed: ${stderrOf(error)}\n${tail}`);
      }
    }
  }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    socketDir: dir,
    pid: () => Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]),
    halt() {
      run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
    },
    resume() {
      run('pg_ctl', ['-D', data, '-l', log, '-w', '-t', '60', '-o', options, 'start']);
    },
    stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

function stderrOf(error: unknown): string {
  const stderr = (error as { stderr?: Buffer }).stderr;
  return stderr?.length ? stderr.toString() : String(error);
}

/** vitest globalSetup: one cluster for the whole run, stopped in teardown. */
export default async function postgresGlobalSetup(project: TestProject) {
  const cluster = await startPostgresCluster();
  project.provide('postgresUrl', cluster.url);
  return () => cluster.stop();
}

/** A new, empty database on the run's cluster (one per test file, or per store). */
export async function freshPostgresUrl(adminUrl = inject('postgresUrl')): Promise<string> {
  const name = `t_${randomBytes(8).toString('hex')}`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
