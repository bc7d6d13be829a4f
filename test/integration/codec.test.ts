// SPEC §6: Temporal history holds no personal data in clear (payload codec), and the API's codec
// server decodes it for ops only, from the Temporal UI's origin only.
import { createSigner } from 'fast-jwt';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_ISSUER } from '../../api/tokens';
import { onboardingWorkflowId } from '../../domain/contract';
import { ENCRYPTED_ENCODING, type JsonPayload } from '../../temporal/payload-codec';
import { PEOPLE } from '../fixtures/id-card';
import { apply, bearer, freshPerson, openBankAccount, verifyPhone } from '../helpers/onboarding';
import { payloadsOf, rawHistory } from '../helpers/history';
import { startStack, type Stack } from '../helpers/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

const history = (workflowId: string) => rawHistory(stack.config.temporal.address, workflowId);

/** The secret and its base64 forms at each of the three alignments. */
function forms(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const out = [secret, JSON.stringify(secret).slice(1, -1)];
  for (let shift = 0; shift < 3; shift++) {
    const b64 = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64');
    // Drop the characters that depend on the padding bytes before and after.
    const start = shift === 0 ? 0 : shift === 1 ? 2 : 3;
    out.push(b64.slice(start, b64.length - 4));
  }
  return out.filter((f) => f.length >= 6);
}

async function appliedPerson() {
  const a = freshPerson(PEOPLE[1]!);
  await openBankAccount(stack, a);
  const created = await apply(stack, a);
  expect(created.statusCode, created.body).toBe(201);
  const { applicationId, applicantToken } = created.json();
  await verifyPhone(stack, applicationId, applicantToken, a.phone);
  const secrets = [a.person.name, a.person.idNumber, a.phone, a.card, a.card.replace(/\D/g, '')];
  return { a, applicationId: applicationId as string, secrets };
}

function codecCall(action: string, payloads: JsonPayload[], headers: Record<string, string> = {}) {
  return stack.api.inject({
    method: 'POST',
    url: `/codec/${action}`,
    headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers },
    payload: { payloads },
  });
}

describe('Temporal history', () => {
  it('holds no name, ID number, phone or card number in clear', async () => {
    const { applicationId, secrets } = await appliedPerson();
    const raw = history(onboardingWorkflowId(applicationId));
    const payloads = payloadsOf(JSON.parse(raw));
    expect(payloads.length).toBeGreaterThan(5);
    const decodedData = payloads
      .map((p) => Buffer.from(p.data ?? '', 'base64').toString('utf8'))
      .join('\n');
    for (const secret of secrets) {
      for (const form of forms(secret)) expect(raw, `${secret} as ${form}`).not.toContain(form);
      expect(decodedData).not.toContain(secret);
    }
    // Only search attributes (statuses, no personal data) are left unencrypted.
    const encodings = new Set(
      payloads.map((p) => Buffer.from(p.metadata!.encoding!, 'base64').toString()),
    );
    expect(encodings).toContain(ENCRYPTED_ENCODING);

    // Yet it is all there for ops, through the codec server.
    const input = payloads.find(
      (p) => Buffer.from(p.metadata!.encoding!, 'base64').toString() === ENCRYPTED_ENCODING,
    )!;
    const res = await codecCall('decode', [input], bearer(stack.staffToken('ops')));
    expect(res.statusCode, res.body).toBe(200);
    const [decoded] = res.json().payloads as JsonPayload[];
    expect(Buffer.from(decoded!.metadata!.encoding!, 'base64').toString()).toBe('json/plain');
    const text = Buffer.from(decoded!.data!, 'base64').toString('utf8');
    expect(text).toContain(secrets[0]);
    expect(text).toContain(secrets[1]);
  });
});

describe('the codec server', () => {
  const plain: JsonPayload = {
    metadata: { encoding: Buffer.from('json/plain').toString('base64') },
    data: Buffer.from(JSON.stringify({ phone: '13900001111' })).toString('base64'),
  };

  it('requires the ops role', async () => {
    expect((await codecCall('decode', [plain])).statusCode).toBe(401);
    expect((await codecCall('encode', [plain])).statusCode).toBe(401);
    const reviewer = bearer(stack.staffToken('reviewer'));
    expect((await codecCall('decode', [plain], reviewer)).statusCode).toBe(403);
    expect((await codecCall('encode', [plain], reviewer)).statusCode).toBe(403);
    const bad = { authorization: 'Bearer not-a-token' };
    expect((await codecCall('decode', [plain], bad)).statusCode).toBe(401);
  });

  it('encodes and decodes for ops, and refuses tampered payloads', async () => {
    const ops = bearer(stack.staffToken('ops'));
    const encoded = await codecCall('encode', [plain], ops);
    expect(encoded.statusCode, encoded.body).toBe(200);
    const [sealed] = encoded.json().payloads as JsonPayload[];
    expect(Buffer.from(sealed!.metadata!.encoding!, 'base64').toString()).toBe(ENCRYPTED_ENCODING);
    expect(Buffer.from(sealed!.data!, 'base64').toString('latin1')).not.toContain('13900001111');
    const decoded = await codecCall('decode', [sealed!, plain], ops);
    expect(decoded.statusCode, decoded.body).toBe(200);
    expect(decoded.json().payloads).toEqual([plain, plain]);

    const bytes = Buffer.from(sealed!.data!, 'base64');
    bytes[bytes.length - 1]! ^= 1;
    const tampered = await codecCall(
      'decode',
      [{ ...sealed!, data: bytes.toString('base64') }],
      ops,
    );
    expect(tampered.statusCode).toBe(400);
    expect(tampered.headers['content-type']).toContain('application/problem+json');
  });

  it('answers CORS preflights from the Temporal UI origin only', async () => {
    const preflight = (origin: string) =>
      stack.api.inject({
        method: 'OPTIONS',
        url: '/codec/decode',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type,x-namespace',
        },
      });
    for (const origin of ['http://127.0.0.1:8233', 'http://localhost:8233']) {
      const res = await preflight(origin);
      expect(res.statusCode).toBeLessThan(300);
      expect(res.headers['access-control-allow-origin']).toBe(origin);
      const allowed = String(res.headers['access-control-allow-headers']).toLowerCase();
      for (const h of ['authorization', 'content-type', 'x-namespace'])
        expect(allowed).toContain(h);
    }
    for (const origin of [
      'http://evil.example',
      'http://127.0.0.1:3000',
      'http://localhost:9999',
    ]) {
      const res = await preflight(origin);
      expect(res.headers['access-control-allow-origin'], origin).toBeUndefined();
    }
    // The actual request from the UI carries the header too; other routes get no CORS at all.
    const fromUi = await codecCall('decode', [plain], {
      ...bearer(stack.staffToken('ops')),
      origin: 'http://127.0.0.1:8233',
    });
    expect(fromUi.headers['access-control-allow-origin']).toBe('http://127.0.0.1:8233');
    const elsewhere = await stack.api.inject({
      url: '/healthz',
      headers: { origin: 'http://127.0.0.1:8233' },
    });
    expect(elsewhere.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('the codec session of the Temporal UI', () => {
  const staffJwt = (claims: object, secret = stack.config.authSecret) =>
    createSigner({ key: secret, algorithm: 'HS256', iss: TOKEN_ISSUER, expiresIn: '1h' })(claims);
  const session = (headers: Record<string, string>) =>
    stack.api.inject({ method: 'POST', url: '/codec/session', headers });
  const withSession = (value: string, origin = 'http://127.0.0.1:8233') => ({
    cookie: `codec_session=${value}`,
    origin,
  });

  it('is opened by ops only, as an HttpOnly, SameSite=Strict cookie for /codec', async () => {
    expect((await session({})).statusCode).toBe(401);
    expect((await session(bearer(stack.staffToken('reviewer')))).statusCode).toBe(403);
    const opened = await session(bearer(stack.staffToken('ops')));
    expect(opened.statusCode, opened.body).toBe(204);
    const [cookie] = opened.cookies;
    expect(cookie).toMatchObject({
      name: 'codec_session',
      path: '/codec',
      httpOnly: true,
      sameSite: 'Strict',
      maxAge: 8 * 3600,
    });
    // What the browser keeps is a session of its own, not the token typed in.
    expect(cookie!.value).not.toBe(stack.staffToken('ops'));

    const closed = await stack.api.inject({ method: 'DELETE', url: '/codec/session' });
    expect(closed.statusCode).toBe(204);
    expect(closed.cookies[0]).toMatchObject({ name: 'codec_session', value: '', path: '/codec' });
  });

  it('lets the UI decode with the cookie alone, and nobody else', async () => {
    const { applicationId, secrets } = await appliedPerson();
    const [input] = payloadsOf(JSON.parse(history(onboardingWorkflowId(applicationId)))).filter(
      (p) => Buffer.from(p.metadata!.encoding!, 'base64').toString() === ENCRYPTED_ENCODING,
    );
    const opened = await session(bearer(stack.staffToken('ops')));
    const cookie = opened.cookies[0]!.value;

    const fromUi = await codecCall('decode', [input!], withSession(cookie));
    expect(fromUi.statusCode, fromUi.body).toBe(200);
    // The browser may read the answer: credentials are allowed for the UI origin.
    expect(fromUi.headers['access-control-allow-origin']).toBe('http://127.0.0.1:8233');
    expect(fromUi.headers['access-control-allow-credentials']).toBe('true');
    const text = Buffer.from(fromUi.json().payloads[0].data, 'base64').toString('utf8');
    expect(text).toContain(secrets[0]);

    const refusals: [Record<string, string>, number][] = [
      [{ origin: 'http://127.0.0.1:8233' }, 401],
      [withSession('not-a-jwt'), 401],
      [withSession(staffJwt({ sub: 'ops:x', role: 'ops' }, 'another-secret-another-secret')), 401],
      [withSession(staffJwt({ sub: 'reviewer:r', role: 'reviewer' })), 403],
      [withSession(staffJwt({ sub: 'application:x', role: 'applicant' })), 403],
    ];
    for (const [headers, status] of refusals) {
      const res = await codecCall('decode', [input!], headers);
      expect(res.statusCode, JSON.stringify(headers)).toBe(status);
      expect(res.body).not.toContain(Buffer.from(secrets[0]!).toString('base64'));
    }
    // The cookie opens nothing but the codec.
    const audit = await stack.api.inject({
      url: '/v1/ops/audit',
      headers: { cookie: `codec_session=${cookie}` },
    });
    expect(audit.statusCode).toBe(401);
  });

  it('serves a login page that holds no token and runs only its own script', async () => {
    const page = await stack.api.inject({ url: '/codec/login' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['cache-control']).toBe('no-store');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'/);
    const script = /<script>([\s\S]*)<\/script>/.exec(page.body)![1]!;
    const hash = createHash('sha256').update(script).digest('base64');
    expect(csp).toContain(`'sha256-${hash}'`);
  });
});
