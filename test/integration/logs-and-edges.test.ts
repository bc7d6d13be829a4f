// Issue 26 item 7: the access log holds no personal data or tokens, and a request Node's own HTTP
// parser refuses (headers too large) still answers problem+json.
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi, serverOptions } from '../../api/build';
import { bearer } from '../helpers/onboarding';
import { startStack, type Stack } from '../helpers/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

/** The API with the production logger options, its lines captured. */
async function apiWithCapturedLog() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  const base = serverOptions(stack.config).logger as Record<string, unknown>;
  const api = await buildApi(stack.config, { logger: { ...base, level: 'info', stream } });
  await api.ready();
  return { api, log: () => lines.join('') };
}

describe('the access log', () => {
  it('keeps no phone numbers, query values or tokens', async () => {
    const { api, log } = await apiWithCapturedLog();
    try {
      const ops = stack.staffToken('ops', 'olga');
      const phone = '13912345678';
      const outbox = await api.inject({
        url: `/v1/sandbox/outbox?recipient=${phone}&limit=5`,
        headers: { ...bearer(ops), cookie: 'codec_session=secret-cookie-value' },
      });
      expect(outbox.statusCode, outbox.body).toBe(200);
      const session = await api.inject({
        method: 'POST',
        url: '/v1/sessions?token=query-secret-token',
        payload: { phone, password: 'secret123' },
      });
      expect(session.statusCode).toBe(401);
      const text = log();
      // The requests were logged, by path and parameter name only.
      expect(text).toContain('/v1/sandbox/outbox?recipient=[REDACTED]&limit=[REDACTED]');
      expect(text).toContain('/v1/sessions?token=[REDACTED]');
      for (const secret of [phone, ops, 'query-secret-token', 'secret-cookie-value', 'secret123'])
        expect(text, secret).not.toContain(secret);
    } finally {
      await api.close();
    }
  });
});

describe('requests refused by the HTTP parser', () => {
  it('answers 431 problem+json to headers over the limit', async () => {
    const api = await buildApi(stack.config, { logger: false });
    await api.listen({ host: '127.0.0.1', port: 0 });
    try {
      const { port } = api.server.address() as AddressInfo;
      const raw = await new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1');
        let answer = '';
        socket.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')));
        socket.on('close', () => resolve(answer));
        socket.on('error', reject);
        socket.write(
          `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(40_000)}\r\n\r\n`,
        );
      });
      const [head = '', body = ''] = raw.split('\r\n\r\n');
      expect(head).toMatch(/^HTTP\/1\.1 431 /);
      expect(head.toLowerCase()).toContain('content-type: application/problem+json');
      expect(JSON.parse(body)).toMatchObject({ status: 431, code: 'HEADERS_TOO_LARGE' });
    } finally {
      await api.close();
    }
  });
});
