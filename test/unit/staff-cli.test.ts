// `npm run staff`: add prints the password once, the account signs in with it; disable.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../../crypto/password-hash';
import { openSqliteStore } from '../../db/sqlite/store';
import { loadConfig } from '../../config/config';
import { staffCommand } from '../../scripts/staff';

const dataDir = mkdtempSync(join(tmpdir(), 'wallet-staff-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function run(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await staffCommand(
    args,
    { DATA_DIR: dataDir },
    (l) => out.push(l),
    (l) => err.push(l),
  );
  return { code, out, err };
}

describe('npm run staff', () => {
  it('adds an account, printing its generated password once, stored as Argon2id', async () => {
    const added = await run('add', 'reviewer', 'rita');
    expect(added.code).toBe(0);
    expect(added.out).toHaveLength(1);
    const password = /^password: (\S{20,})$/.exec(added.out[0]!)![1]!;
    const store = openSqliteStore(loadConfig({ DATA_DIR: dataDir }).databaseFile);
    const account = await store.findStaffAccount('rita');
    await store.close();
    expect(account).toMatchObject({ username: 'rita', role: 'reviewer', disabledAt: null });
    expect(account!.passwordHash).toMatch(/^\$argon2id\$/);
    expect(account!.passwordHash).not.toContain(password);
    expect(await verifyPassword(password, account!.passwordHash)).toBe(true);

    const again = await run('add', 'ops', 'rita');
    expect(again.code).toBe(1);
    expect(again.out).toEqual([]);
  });

  it('disables an account; refuses bad usage', async () => {
    await run('add', 'ops', 'olga');
    expect((await run('disable', 'olga')).code).toBe(0);
    const store = openSqliteStore(loadConfig({ DATA_DIR: dataDir }).databaseFile);
    expect((await store.findStaffAccount('olga'))!.disabledAt).toBeInstanceOf(Date);
    await store.close();
    expect((await run('disable', 'nobody')).code).toBe(1);
    expect((await run('add', 'admin', 'x')).code).toBe(2);
    expect((await run('add', 'reviewer', '<b>')).code).toBe(2);
    expect((await run()).code).toBe(2);
  });
});
