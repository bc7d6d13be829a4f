// The webhook dispatcher (webhooks/dispatcher.ts) against a real SQLite file and a fake
// fetch: the signature, the backoff schedule, order per subject, and two dispatchers sharing
// one outbox without sending a row twice at once.
import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../db/sqlite/client';
import { sqliteStoreOf } from '../../db/sqlite/store';
import { webhookEvents } from '../../db/sqlite/schema';
import { queueStatusEvent } from '../../db/sqlite/repositories/status-events';
import {
  signWebhookBody,
  startWebhookDispatcher,
  webhookRetryDelayMs,
  type WebhookDispatcher,
} from '../../webhooks/dispatcher';

const SECRET = 'test-webhook-secret';
const URL_ = 'http://127.0.0.1:9/hooks';

let dir: string;
let handle: DatabaseHandle;
const started: WebhookDispatcher[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'webhooks-test-'));
  handle = openDatabase(join(dir, 'app.db'));
});
afterAll(async () => {
  await Promise.all(started.map((d) => d.stop()));
  handle?.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  handle.sqlite.prepare('delete from webhook_events').run();
});

interface Sent {
  url: string;
  body: string;
  headers: Record<string, string>;
}

/** A fetch that records requests and answers with the statuses given, then 200. */
function fakeFetch(statuses: number[] = [], sent: Sent[] = [], delayMs = 0): typeof fetch {
  const fake = async (url: string, init: RequestInit & { body: string }) => {
    sent.push({ url, body: init.body, headers: init.headers as Record<string, string> });
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    return new Response(null, { status: statuses.shift() ?? 200 });
  };
  return fake as unknown as typeof fetch;
}

/** A dispatcher whose loop never fires on its own: the test drives it with runOnce. */
function manual(fetchImpl: typeof fetch, extra: { firstRetryMs?: number } = {}) {
  const d = startWebhookDispatcher({
    store: sqliteStoreOf(handle),
    url: URL_,
    secret: SECRET,
    pollMs: 3_600_000,
    fetch: fetchImpl,
    log: () => undefined,
    ...extra,
  });
  started.push(d);
  return d;
}

function queue(subjectId: string, status: string, kind: 'application' | 'wallet' = 'wallet') {
  queueStatusEvent(handle.db, {
    eventKey: `${subjectId}:${status}:${randomUUID()}`,
    kind,
    subjectId,
    status,
    occurredAt: new Date('2026-03-10T02:00:00Z'),
  });
}

const rows = () => handle.db.select().from(webhookEvents).orderBy(webhookEvents.id).all();

describe('signature', () => {
  it('is sha256=<hex HMAC-SHA256 of the exact body bytes under the secret>', () => {
    const body = '{"eventId":"evt_1","type":"wallet.status_changed","status":"FROZEN"}';
    const expected = createHmac('sha256', SECRET).update(Buffer.from(body, 'utf8')).digest('hex');
    expect(signWebhookBody(SECRET, body)).toBe(`sha256=${expected}`);
    expect(signWebhookBody(SECRET, Buffer.from(body))).toBe(`sha256=${expected}`);
    // Another secret or one byte more does not verify.
    expect(signWebhookBody('other', body)).not.toBe(`sha256=${expected}`);
    expect(signWebhookBody(SECRET, `${body} `)).not.toBe(`sha256=${expected}`);
  });

  it('is sent with the body, the event id and the content type', async () => {
    const sent: Sent[] = [];
    const d = manual(fakeFetch([], sent));
    queue('w_sig', 'FROZEN');
    expect(await d.runOnce()).toBe(1);
    expect(sent).toHaveLength(1);
    const [request] = sent;
    const body = JSON.parse(request!.body);
    expect(body).toEqual({
      eventId: expect.stringMatching(/^evt_/),
      type: 'wallet.status_changed',
      subjectId: 'w_sig',
      status: 'FROZEN',
      occurredAt: '2026-03-10T02:00:00.000Z',
    });
    expect(request!.headers).toEqual({
      'content-type': 'application/json',
      'x-signature': signWebhookBody(SECRET, request!.body),
      'x-event-id': body.eventId,
    });
    expect(rows()[0]).toMatchObject({ attempts: 1, lastError: null });
    expect(rows()[0]!.deliveredAt).toBeInstanceOf(Date);
  });
});

describe('backoff', () => {
  it('starts at 1 s and doubles up to 10 min, for ever', () => {
    const mid = { random: () => 0.5 };
    expect([1, 2, 3, 4, 5, 10].map((n) => webhookRetryDelayMs(n, mid))).toEqual([
      1000, 2000, 4000, 8000, 16_000, 512_000,
    ]);
    expect(webhookRetryDelayMs(11, mid)).toBe(600_000);
    expect(webhookRetryDelayMs(1000, mid)).toBe(600_000);
  });

  it('jitters within ±20 % and never past the cap', () => {
    expect(webhookRetryDelayMs(1, { random: () => 0 })).toBe(800);
    expect(webhookRetryDelayMs(1, { random: () => 0.999_999 })).toBe(1200);
    expect(webhookRetryDelayMs(3, { random: () => 0 })).toBe(3200);
    expect(webhookRetryDelayMs(50, { random: () => 0 })).toBe(480_000);
    expect(webhookRetryDelayMs(50, { random: () => 0.999_999 })).toBe(600_000);
    const spread = new Set(Array.from({ length: 50 }, () => webhookRetryDelayMs(2)));
    expect(spread.size).toBeGreaterThan(1);
    for (const d of spread) {
      expect(d).toBeGreaterThanOrEqual(1600);
      expect(d).toBeLessThanOrEqual(2400);
    }
  });

  it('schedules a failed delivery by the backoff and delivers it when due', async () => {
    const sent: Sent[] = [];
    const d = manual(fakeFetch([500, 503], sent));
    queue('w_retry', 'FROZEN');
    const before = Date.now();
    await d.runOnce();
    let [row] = rows();
    expect(row).toMatchObject({ attempts: 1, deliveredAt: null, lastError: 'HTTP 500' });
    const wait = row!.nextAttemptAt.getTime() - before;
    expect(wait).toBeGreaterThanOrEqual(800);
    expect(wait).toBeLessThanOrEqual(1200 + (Date.now() - before));
    // Not due yet: nothing is sent.
    expect(await d.runOnce()).toBe(0);
    // Due: sent again, fails again, waits about twice as long.
    handle.db
      .update(webhookEvents)
      .set({ nextAttemptAt: new Date(0) })
      .run();
    await d.runOnce();
    [row] = rows();
    expect(row).toMatchObject({ attempts: 2, deliveredAt: null, lastError: 'HTTP 503' });
    expect(row!.nextAttemptAt.getTime() - Date.now()).toBeGreaterThan(1500);
    handle.db
      .update(webhookEvents)
      .set({ nextAttemptAt: new Date(0) })
      .run();
    await d.runOnce();
    [row] = rows();
    expect(row).toMatchObject({ attempts: 3, lastError: null });
    expect(row!.deliveredAt).toBeInstanceOf(Date);
    expect(new Set(sent.map((s) => s.headers['x-event-id'])).size).toBe(1);
    expect(await d.runOnce()).toBe(0);
  });

  it('treats a network error and a redirect as failures', async () => {
    const failing = (async () => {
      throw new TypeError('fetch failed');
    }) as typeof fetch;
    const d = manual(failing);
    queue('w_net', 'FROZEN');
    await d.runOnce();
    expect(rows()[0]).toMatchObject({ deliveredAt: null, lastError: 'TypeError: fetch failed' });
    const d2 = manual(fakeFetch([302]));
    handle.db
      .update(webhookEvents)
      .set({ nextAttemptAt: new Date(0) })
      .run();
    await d2.runOnce();
    expect(rows()[0]).toMatchObject({ deliveredAt: null, lastError: 'HTTP 302' });
  });
});

describe('order and concurrency', () => {
  it('holds back later events of a subject until the earlier one is acknowledged', async () => {
    const sent: Sent[] = [];
    const d = manual(fakeFetch([500], sent));
    queue('w_a', 'ACTIVE');
    queue('w_a', 'FROZEN');
    queue('w_b', 'ACTIVE');
    // w_a's first fails; w_b goes; w_a's second waits for w_a's first.
    expect(await d.runOnce()).toBe(2);
    expect(await d.runOnce()).toBe(0);
    handle.db
      .update(webhookEvents)
      .set({ nextAttemptAt: new Date(0) })
      .run();
    expect(await d.runOnce()).toBe(1);
    expect(await d.runOnce()).toBe(1);
    const order = sent.map((s) => JSON.parse(s.body) as { subjectId: string; status: string });
    expect(order.filter((o) => o.subjectId === 'w_a').map((o) => o.status)).toEqual([
      'ACTIVE',
      'ACTIVE',
      'FROZEN',
    ]);
    expect(rows().every((r) => r.deliveredAt !== null)).toBe(true);
  });

  it('lets two dispatchers share the outbox without sending a row twice', async () => {
    const sent: Sent[] = [];
    const one = manual(fakeFetch([], sent, 20));
    const two = manual(fakeFetch([], sent, 20));
    for (let i = 0; i < 30; i++) queue(`w_${i}`, 'ACTIVE');
    while ((await Promise.all([one.runOnce(), two.runOnce()])).some((n) => n > 0));
    expect(sent).toHaveLength(30);
    expect(new Set(sent.map((s) => s.headers['x-event-id'])).size).toBe(30);
    expect(rows().every((r) => r.attempts === 1 && r.deliveredAt !== null)).toBe(true);
  });

  it('queues one event per key, and stops without losing what is due', async () => {
    queueStatusEvent(handle.db, {
      eventKey: 'same',
      kind: 'application',
      subjectId: 'app-1',
      status: 'PENDING_REVIEW',
      occurredAt: new Date(),
    });
    const again = queueStatusEvent(handle.db, {
      eventKey: 'same',
      kind: 'application',
      subjectId: 'app-1',
      status: 'PENDING_REVIEW',
      occurredAt: new Date(),
    });
    expect(again).toBe(false);
    expect(rows()).toHaveLength(1);
    // A delivery under way when the dispatcher stops is handed back at once.
    let release!: () => void;
    const hanging = ((_url: unknown, init?: RequestInit) =>
      new Promise<Response>((resolve, reject) => {
        release = () => resolve(new Response(null, { status: 200 }));
        init?.signal?.addEventListener('abort', () => reject(new Error('aborted')));
      })) as typeof fetch;
    const d = startWebhookDispatcher({
      store: sqliteStoreOf(handle),
      url: URL_,
      secret: SECRET,
      fetch: hanging,
      log: () => undefined,
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(release).toBeDefined();
    await d.stop();
    const [row] = handle.db
      .select()
      .from(webhookEvents)
      .where(eq(webhookEvents.eventKey, 'same'))
      .all();
    expect(row).toMatchObject({ deliveredAt: null, attempts: 0 });
    expect(row!.nextAttemptAt.getTime()).toBeLessThanOrEqual(Date.now());
  });
});
