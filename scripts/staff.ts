// `npm run staff -- add <reviewer|ops> <username>` creates a console account and prints its
// generated password once; `npm run staff -- disable <username>` disables one (SPEC §7).
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../config/config';
import { hashPassword } from '../crypto/password-hash';
import { openStore } from '../db/open-store';

export const STAFF_USERNAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const USAGE =
  'usage: npm run staff -- add <reviewer|ops> <username> | npm run staff -- disable <username>';

/** Runs one command; answers the exit code, writing to `out` and `err`. */
export async function staffCommand(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  const [command, ...rest] = args;
  const usage = () => (err(USAGE), 2);
  if (command === 'add') {
    const [role, username] = rest;
    if ((role !== 'reviewer' && role !== 'ops') || !username || rest.length !== 2) return usage();
    if (!STAFF_USERNAME.test(username)) {
      err('username: 1–64 of a-z 0-9 . _ -, starting with a letter or digit');
      return 2;
    }
    const store = await openStore(loadConfig(env));
    try {
      // 144 random bits, typed by a person at most once: a password manager keeps it.
      const password = randomBytes(18).toString('base64url');
      const passwordHash = await hashPassword(password);
      if (!(await store.createStaffAccount({ username, role, passwordHash }))) {
        err(`an account named ${username} exists already`);
        return 1;
      }
      out(`password: ${password}`);
      return 0;
    } finally {
      await store.close();
    }
  }
  if (command === 'disable') {
    const [username] = rest;
    if (!username || rest.length !== 1) return usage();
    const store = await openStore(loadConfig(env));
    try {
      if (!(await store.disableStaffAccount(username))) {
        err(`no account named ${username}`);
        return 1;
      }
      out(`disabled: ${username}`);
      return 0;
    } finally {
      await store.close();
    }
  }
  return usage();
}

if (import.meta.url === `file://${process.argv[1]}`)
  process.exitCode = await staffCommand(
    process.argv.slice(2),
    process.env,
    (line) => process.stdout.write(`${line}\n`),
    (line) => process.stderr.write(`${line}\n`),
  );
