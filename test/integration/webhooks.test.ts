// Event webhooks (SPEC §6) on the real stack with a real HTTP receiver that fails the first two
// deliveries: every status change of the application, its wallet and its deregistration arrives,
// acknowledged exactly once, in order per subject, signed, with ids and statuses only.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, webhookEvents } from '../../db/sqlite/schema';
import { PEOPLE } from '../fixtures/id-card';
import { closeWallet, freezeAndUnfreeze } from '../helpers/full-flow';
import { driveToActive, freshPerson, type Applicant } from '../helpers/onboarding';
import { startStack, type Stack } from '../helpers/stack';

const SECRET = 'webhook-test-secret-0123456789';

interface Delivery {
  headers: IncomingHttpHeaders;
  raw: Buffer;
  answered: number;
}

let receiver: Server;
let stack: Stack;
let person: Applicant;
let applicationId: string;
let walletId: string;
const deliveries: Delivery[] = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      // The receiver is down for the first two deliveries, then acknowledges.
      const answered = deliveries.length < 2 ? 500 : 204;
      deliveries.push({ headers: req.headers, raw: Buffer.concat(chunks), answered });
      res.writeHead(answered).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const { port } = receiver.address() as AddressInfo;
  stack = await startStack(
    { WEBHOOK_URL: `http://127.0.0.1:${port}/hooks`, WEBHOOK_SECRET: SECRET },
    { photo: true },
  );
  person = freshPerson(PEOPLE[1]!);
  const opened = await driveToActive(stack, person);
  ({ applicationId, walletId } = opened);
  await freezeAndUnfreeze(stack, walletId);
  await closeWallet(stack, walletId, opened.token);
  // Every queued event acknowledged, the last ones of the deregistration included.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const rows = stack.database.db.select().from(webhookEvents).all();
    const done =
      rows.every((r) => r.deliveredAt !== null) &&
      rows.some((r) => r.kind === 'wallet' && r.status === 'CLOSED') &&
      rows.some((r) => r.kind === 'deregistration' && r.status === 'CLOSED');
    if (done || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 200));
  }
});
afterAll(async () => {
  await stack?.close();
  await new Promise((r) => receiver?.close(r));
});

interface Body {
  eventId: string;
  type: string;
  subjectId: string;
  status: string;
  occurredAt: string;
}

const acknowledged = () =>
  deliveries.filter((d) => d.answered === 204).map((d) => JSON.parse(d.raw.toString()) as Body);

/** The statuses the audit log recorded for a subject, in order. */
function auditedStatuses(subjectId: string, action: string): string[] {
  return stack.database.db
    .select()
    .from(auditLog)
    .orderBy(auditLog.id)
    .all()
    .filter((r) => r.subjectId === subjectId && r.action === action)
    .map((r) => String(r.detail?.status));
}

describe('event webhooks', () => {
  it('retries the failed deliveries and acknowledges every event exactly once', () => {
    expect(deliveries.slice(0, 2).map((d) => d.answered)).toEqual([500, 500]);
    const rows = stack.database.db.select().from(webhookEvents).all();
    // The two refusals may be of one event or, while the first waits for its retry, of an event
    // of another subject (the wallet's): each refused event is sent again, the same bytes, until
    // acknowledged once, and its row counts every attempt.
    const eventIdOf = (d: Delivery) => (JSON.parse(d.raw.toString()) as Body).eventId;
    for (const eventId of new Set(deliveries.slice(0, 2).map(eventIdOf))) {
      const sent = deliveries.filter((d) => eventIdOf(d) === eventId);
      expect(sent.map((d) => d.answered).slice(-1)).toEqual([204]);
      expect(sent.slice(0, -1).every((d) => d.answered === 500)).toBe(true);
      expect(sent.length).toBeGreaterThanOrEqual(2);
      expect(new Set(sent.map((d) => d.raw.toString())).size).toBe(1);
      expect(rows.find((r) => r.eventId === eventId)).toMatchObject({
        attempts: sent.length,
        lastError: null,
      });
    }
    expect(rows.every((r) => r.deliveredAt !== null)).toBe(true);
    const acked = acknowledged();
    expect(acked.map((b) => b.eventId).sort()).toEqual(rows.map((r) => r.eventId).sort());
    expect(new Set(acked.map((b) => b.eventId)).size).toBe(acked.length);
  });

  it('carries every status change, in order per subject', () => {
    const acked = acknowledged();
    const of = (type: string, subjectId: string) =>
      acked.filter((b) => b.type === type && b.subjectId === subjectId).map((b) => b.status);
    const application = of('application.status_changed', applicationId);
    expect(application).toEqual(auditedStatuses(applicationId, 'APPLICATION_STATUS_CHANGED'));
    expect(application).toEqual(
      expect.arrayContaining(['AWAITING_PHONE_VERIFICATION', 'PENDING_REVIEW', 'ACTIVE']),
    );
    expect(application.at(-1)).toBe('ACTIVE');
    expect(of('wallet.status_changed', walletId)).toEqual(['ACTIVE', 'FROZEN', 'ACTIVE', 'CLOSED']);
    const deregistration = of('deregistration.status_changed', walletId);
    expect(deregistration).toEqual(auditedStatuses(walletId, 'DEREGISTRATION_STATUS_CHANGED'));
    expect(deregistration.at(-1)).toBe('CLOSED');
    // Nothing about anyone else.
    expect(acked.every((b) => b.subjectId === applicationId || b.subjectId === walletId)).toBe(
      true,
    );
    // occurredAt is in order within each subject too.
    for (const type of ['application.status_changed', 'wallet.status_changed']) {
      const times = acked.filter((b) => b.type === type).map((b) => Date.parse(b.occurredAt));
      expect([...times].sort((x, y) => x - y)).toEqual(times);
    }
  });

  it('signs every delivery with HMAC-SHA256 of the exact body bytes', () => {
    expect(deliveries.length).toBeGreaterThan(3);
    for (const d of deliveries) {
      expect(d.headers['content-type']).toBe('application/json');
      const header = String(d.headers['x-signature']);
      expect(header).toMatch(/^sha256=[0-9a-f]{64}$/);
      const expected = createHmac('sha256', SECRET).update(d.raw).digest();
      expect(timingSafeEqual(Buffer.from(header.slice(7), 'hex'), expected)).toBe(true);
      expect(d.headers['x-event-id']).toBe(JSON.parse(d.raw.toString()).eventId);
    }
  });

  it('sends ids and statuses only, never personal data', () => {
    const { person: p, phone, card } = person;
    for (const d of deliveries) {
      const body = JSON.parse(d.raw.toString()) as Record<string, unknown>;
      expect(Object.keys(body).sort()).toEqual([
        'eventId',
        'occurredAt',
        'status',
        'subjectId',
        'type',
      ]);
      const raw = d.raw.toString();
      for (const secret of [p.name, p.idNumber, phone, card, card.replace(/\D/g, '')])
        expect(raw).not.toContain(secret);
    }
  });
});
