// SPEC §6: Temporal history holds no personal data in clear (payload codec), and the API's codec
// server decodes it for ops only, from the Temporal UI's origin only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onboardingWorkflowId } from '../../domain/contract';
import { ENCRYPTED_ENCODING, type JsonPayload } from '../../lib/payload-codec';
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
