// SPEC §8 / issue #23: PostgreSQL going away and coming back. While it is down, readyz fails and
// requests answer 503 SERVICE_UNAVAILABLE with Retry-After, and nothing is half-written; once it
// is back, the same processes go on without a restart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PEOPLE } from '../fixtures/id-card';
import { eventually } from '../helpers/eventually';
import { apply, bearer, freshPerson, openBankAccount, verifyPhone } from '../helpers/onboarding';
import { freshPostgresUrl, startPostgresCluster, type PostgresCluster } from '../helpers/postgres';
import { startStack, type Stack } from '../helpers/stack';

let cluster: PostgresCluster;
let stack: Stack;

beforeAll(async () => {
  // Its own cluster: this file stops and starts it.
  cluster = await startPostgresCluster();
  stack = await startStack({ DATABASE_URL: await freshPostgresUrl(cluster.url) });
}, 180_000);

afterAll(async () => {
  await stack?.close();
  cluster?.stop();
});

const ready = async () => (await stack.api.inject({ method: 'GET', url: '/readyz' })).statusCode;

describe('PostgreSQL down, then back', () => {
  it('answers 503 with Retry-After while down, writes nothing half, and recovers', async () => {
    const before = freshPerson(PEOPLE[0]!);
    await openBankAccount(stack, before);
    const created = await apply(stack, before);
    expect(created.statusCode, created.body).toBe(201);
    const { applicationId, applicantToken } = created.json();
    expect(await ready()).toBe(200);

    cluster.halt();
    expect(await ready()).toBe(503);
    const during = freshPerson(PEOPLE[1]!);
    const refused = await apply(stack, during);
    expect(refused.statusCode, refused.body).toBe(503);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.json().code).toBe('SERVICE_UNAVAILABLE');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    const read = await stack.api.inject({
      method: 'GET',
      url: `/v1/applications/${applicationId}`,
      headers: bearer(applicantToken),
    });
    expect(read.statusCode, read.body).toBe(503);
    expect(read.json().code).toBe('SERVICE_UNAVAILABLE');

    cluster.resume();
    expect(await eventually(ready, (s) => s === 200, 30_000)).toBe(200);
    // The application from before is whole and goes on.
    await verifyPhone(stack, applicationId, applicantToken, before.phone);
    // The one refused while down left nothing behind: the same person applies now.
    await openBankAccount(stack, during);
    const again = await apply(stack, during);
    expect(again.statusCode, again.body).toBe(201);
  }, 180_000);
});
