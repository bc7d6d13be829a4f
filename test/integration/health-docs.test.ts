import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

describe('health and docs', () => {
  it('is live and ready when Temporal and the database answer', async () => {
    expect((await stack.api.inject('/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await stack.api.inject('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', checks: { temporal: true, database: true } });
  });

  it('serves an OpenAPI document generated from the route schemas', async () => {
    const doc = (await stack.api.inject('/docs/json')).json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/applications', '/v1/applications/{id}', '/healthz', '/readyz']),
    );
    const body = doc.paths['/v1/applications'].post.requestBody.content['application/json'].schema;
    expect(body.properties.idNumber.format).toBe('cn-resident-id');
    // The id-photo answer shows where the card was found in the upload.
    const photo = doc.paths['/v1/applications/{id}/id-photo'];
    const answer = photo.put.responses['200'].content['application/json'].schema;
    expect(Object.keys(answer.properties)).toEqual(
      expect.arrayContaining(['accepted', 'reasons', 'metrics', 'ocr']),
    );
    expect(JSON.stringify(answer.properties.metrics)).toMatch(/"corners".*"cardShare"/s);
    expect(photo.get.parameters.map((p: { name: string }) => p.name)).toContain('variant');
    expect((await stack.api.inject('/docs')).statusCode).toBeLessThan(400);
  });

  it('documents the 2xx answer of every password, device and statement route (SPEC §2.1)', async () => {
    const doc = (await stack.api.inject('/docs/json')).json();
    const routes: [string, string, string, string][] = [
      ['/v1/wallets/{id}/payment-password', 'put', '200', 'changedAt'],
      ['/v1/sessions/password', 'put', '200', 'token'],
      ['/v1/password-resets', 'post', '202', 'expiresInSeconds'],
      ['/v1/password-resets/verify', 'post', '200', 'sessionsSignedOut'],
      ['/v1/sessions', 'post', '202', 'challenge'],
      ['/v1/sessions/verify', 'post', '200', 'token'],
    ];
    for (const [path, method, status, field] of routes) {
      const answer = doc.paths[path]?.[method]?.responses?.[status];
      const schema = answer?.content?.['application/json']?.schema;
      expect(Object.keys(schema?.properties ?? {}), `${method} ${path} ${status}`).toContain(field);
    }
    const statement = doc.paths['/v1/wallets/{id}/statement'].get.responses['200'];
    expect(Object.keys(statement.content)).toEqual(['text/csv']);
    expect(statement.content['text/csv'].schema.description).toContain('transactionId');
  });

  it('answers unknown routes with problem+json', async () => {
    const res = await stack.api.inject('/v1/nope');
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.json().code).toBe('NOT_FOUND');
  });
});
