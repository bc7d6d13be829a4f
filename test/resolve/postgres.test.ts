// The resolved PostgreSQL really serves: a throwaway cluster from its binaries answers `select 1`.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports';
import {
  debianPostgresBinDir,
  ensurePostgresOsUser,
  resolvePostgres,
} from '../helpers/resolve/postgres';

describe('PostgreSQL for the test clusters', () => {
  it('picks the newest Debian major ≥ 15 that has its binaries', () => {
    const root = mkdtempSync(join(tmpdir(), 'pg-root-'));
    try {
      for (const [major, tools] of [
        ['14', ['initdb', 'pg_ctl', 'postgres']],
        ['15', ['initdb', 'pg_ctl', 'postgres']],
        ['16', ['initdb', 'pg_ctl', 'postgres']],
        ['17', ['initdb']],
      ] as const) {
        mkdirSync(join(root, major, 'bin'), { recursive: true });
        for (const t of tools) {
          writeFileSync(join(root, major, 'bin', t), '#!/bin/sh\n');
          chmodSync(join(root, major, 'bin', t), 0o755);
        }
      }
      expect(debianPostgresBinDir(root)).toBe(join(root, '16', 'bin'));
      expect(debianPostgresBinDir(join(root, 'none'))).toBeUndefined();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  // As root (CI), a machine without Debian's postgresql has no `postgres` user: one is made.
  it.runIf(process.getuid?.() === 0)('creates the OS user to run as when it is missing', () => {
    const name = `pgtest${randomBytes(3).toString('hex')}`;
    const uid = () => execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim();
    expect(uid).toThrow();
    try {
      expect(ensurePostgresOsUser(name)).toBe(name);
      const first = uid();
      expect(first).toMatch(/^\d+$/);
      expect(ensurePostgresOsUser(name)).toBe(name);
      expect(uid()).toBe(first);
    } finally {
      execFileSync('userdel', [name], { stdio: 'ignore' });
    }
  });

  it('starts a throwaway cluster from what it resolves, which answers select 1', async () => {
    const { binDir, source, osUser } = await resolvePostgres();
    if (process.env.RESOLVE_IGNORE_SYSTEM === '1') expect(source).toMatch(/npm/);
    const dir = mkdtempSync(join(tmpdir(), 'pg-resolve-'));
    const run = (tool: string, args: string[]) => {
      const [cmd, argv] = osUser
        ? ['runuser', ['-u', osUser, '--', join(binDir, tool), ...args]]
        : [join(binDir, tool), args];
      execFileSync(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
    };
    if (osUser) {
      const id = (flag: string) => Number(execFileSync('id', [flag, osUser], { encoding: 'utf8' }));
      chownSync(dir, id('-u'), id('-g'));
    }
    const data = join(dir, 'data');
    const port = await freePort();
    try {
      run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
      const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
      run('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', '-t', '60', '-o', options, 'start']);
      const client = new pg.Client({
        connectionString: `postgres://postgres@127.0.0.1:${port}/postgres`,
      });
      await client.connect();
      try {
        const { rows } = await client.query<{ one: number }>('select 1 as one');
        expect(rows).toEqual([{ one: 1 }]);
      } finally {
        await client.end();
      }
    } finally {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // Not started: nothing to stop.
      }
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
