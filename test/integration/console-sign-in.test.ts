// Console sign-ins (issue #24, SPEC §7): every success, failure and lockout is an audit row, and
// a per-address limit counted in the database holds across API processes, said on the page in
// the user's language.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../api/build';
import { THROTTLES } from '../../api/throttles';
import { hashPassword } from '../../crypto/password-hash';
import { startStack, type Stack } from '../helpers/stack';

const PASSWORD = 'correct horse battery 42';
let stack: Stack;
let second: FastifyInstance;

beforeAll(async () => {
  stack = await startStack();
  // Another API process on the same database.
  second = await buildApi(stack.config, { logger: false });
  await second.ready();
  const passwordHash = await hashPassword(PASSWORD);
  for (const username of ['sina', 'sven', 'saul'])
    await stack.store.createStaffAccount({ username, role: 'reviewer', passwordHash });
});
afterAll(async () => {
  await second?.close();
  await stack?.close();
});

/** Signs in as a browser would: the form's CSRF token and cookie, then the POST. */
async function signIn(
  api: FastifyInstance,
  username: string,
  password: string,
  remoteAddress: string,
  lang = 'en',
) {
  const page = await api.inject({ url: `/console/login?lang=${lang}`, remoteAddress });
  const token = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
  const cookie = page.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  return api.inject({
    method: 'POST',
    url: '/console/login',
    remoteAddress,
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ _csrf: token, username, password }).toString(),
  });
}

async function auditOf(subjectId: string) {
  const rows = await stack.store.auditPage({ subjectType: 'staff', subjectId, limit: 100 });
  return rows.reverse().map((r) => ({ actor: r.actor, action: r.action, detail: r.detail }));
}

describe('console sign-ins', () => {
  it('audits a success, a failure, an unknown username and the lockout', async () => {
    expect((await signIn(stack.api, 'sina', PASSWORD, '10.0.1.1')).statusCode).toBe(303);
    expect((await signIn(stack.api, 'sina', 'wrong', '10.0.1.1')).statusCode).toBe(401);
    const rows = await auditOf('sina');
    expect(rows).toEqual([
      {
        actor: 'reviewer:sina',
        action: 'CONSOLE_SIGNED_IN',
        detail: { client: expect.any(String) },
      },
      {
        actor: 'unauthenticated',
        action: 'CONSOLE_SIGN_IN_FAILED',
        detail: { client: rows[0]!.detail!.client, reason: 'WRONG_CREDENTIALS' },
      },
    ]);
    // The address only as a keyed hash.
    expect(JSON.stringify(rows)).not.toContain('10.0.1.1');

    // A username no account has is not written down: it may be a password in the wrong field.
    const before = (await auditOf('?')).length;
    expect((await signIn(stack.api, 'hunter2-oops', 'x', '10.0.1.1')).statusCode).toBe(401);
    const unknown = await auditOf('?');
    expect(unknown.length).toBe(before + 1);
    expect(unknown.at(-1)).toMatchObject({ action: 'CONSOLE_SIGN_IN_FAILED' });
    expect(JSON.stringify(unknown)).not.toContain('hunter2-oops');

    // Four more wrong passwords: the fifth in a row locks the account; then even the right one
    // is refused, and that is audited too.
    for (let i = 0; i < 4; i++) await signIn(stack.api, 'sven', `wrong-${i}`, '10.0.1.2');
    expect((await signIn(stack.api, 'sven', 'wrong-4', '10.0.1.2')).statusCode).toBe(429);
    expect((await signIn(stack.api, 'sven', PASSWORD, '10.0.1.2')).statusCode).toBe(429);
    expect((await auditOf('sven')).map((r) => [r.action, r.detail?.reason])).toEqual([
      ...Array.from({ length: 4 }, () => ['CONSOLE_SIGN_IN_FAILED', 'WRONG_CREDENTIALS']),
      ['CONSOLE_ACCOUNT_LOCKED', 'WRONG_CREDENTIALS'],
      ['CONSOLE_SIGN_IN_FAILED', 'ACCOUNT_LOCKED'],
    ]);
  });

  it('limits sign-ins per address across processes, in the user language', async () => {
    const address = '10.0.2.1';
    const { max } = THROTTLES.consoleSignInPerClient;
    // Wrong guesses spread over usernames (none locks) and over both API processes.
    for (let i = 0; i < max; i++) {
      const res = await signIn(i % 2 ? second : stack.api, `guess-${i}`, 'x', address);
      expect(res.statusCode).toBe(401);
    }
    const refused = await signIn(second, 'saul', PASSWORD, address, 'zh-CN');
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.body).toContain('此地址登录尝试次数过多');
    expect(refused.body).toContain('data-code="TOO_MANY_REQUESTS"');
    expect(refused.headers['set-cookie'] ?? '').not.toContain('console_session');
    expect((await auditOf('saul')).map((r) => r.action)).toEqual(['CONSOLE_SIGN_IN_LIMITED']);
    // The same in English; another address is not held back, and a success gives its hit back.
    expect((await signIn(stack.api, 'saul', PASSWORD, address)).body).toContain(
      'Too many sign-in attempts from this address',
    );
    for (let i = 0; i < max + 2; i++)
      expect((await signIn(stack.api, 'saul', PASSWORD, '10.0.2.2')).statusCode).toBe(303);
  });
});
