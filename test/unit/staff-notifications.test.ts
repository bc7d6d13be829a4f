// Staff notifications (SPEC §7): the notify activity keeps review reminders and escalations for
// the console, addressed to every reviewer or ops (never the SMS transport), and the webhook
// dispatcher POSTs them to STAFF_WEBHOOK_URL signed like the event webhooks.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/config';
import { openDatabase, type DatabaseHandle } from '../../db/sqlite/client';
import { sqliteStoreOf } from '../../db/sqlite/store';
import { createNotifyActivities } from '../../notifications/notify';
import {
  signWebhookBody,
  staffNotificationQueue,
  startWebhookDispatcher,
} from '../../webhooks/dispatcher';

let dir: string;
let handle: DatabaseHandle;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'staff-notes-'));
  handle = openDatabase(join(dir, 'app.db'));
});
afterAll(() => {
  handle?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('staff notifications', () => {
  it('go to the console and STAFF_WEBHOOK_URL, signed, and never to the SMS transport', async () => {
    const config = loadConfig({
      DATA_DIR: dir,
      WEBHOOK_SECRET: 's3cret',
      STAFF_WEBHOOK_URL: 'http://127.0.0.1:9/staff',
    });
    const store = sqliteStoreOf(handle);
    const sms: unknown[] = [];
    const activities = createNotifyActivities({
      store,
      config,
      smsTransport: { send: async (m) => void sms.push(m) },
    });
    const applicationId = `app-${randomUUID()}`;
    for (const [template, recipient] of [
      ['REVIEW_REMINDER', 'reviewers'],
      ['REVIEW_ESCALATION', 'review-supervisors'],
    ] as const)
      for (let retry = 0; retry < 2; retry++)
        await activities.notify({
          key: `${applicationId}:review:0:${template}`,
          recipient,
          channel: 'staff',
          template,
          params: { applicationId, dueAt: new Date().toISOString(), riskLevel: 'LOW' },
        });
    expect(sms).toEqual([]);
    const rows = await store.staffNotificationsAbout(applicationId);
    expect(rows.map((r) => [r.template, r.recipient])).toEqual([
      ['REVIEW_REMINDER', 'role:reviewer'],
      ['REVIEW_ESCALATION', 'role:ops'],
    ]);
    expect(await store.countStaffNotifications(['role:ops', 'user:ops:olga'])).toBe(1);

    const posts: { url: string; headers: Record<string, string>; body: string }[] = [];
    const dispatcher = startWebhookDispatcher({
      store,
      queue: staffNotificationQueue(store),
      url: config.staffWebhookUrl!,
      secret: config.webhookSecret!,
      pollMs: 20,
      fetch: async (url, init) => {
        posts.push({
          url: url as string,
          headers: init!.headers as Record<string, string>,
          body: init!.body as string,
        });
        return new Response(null, { status: 204 });
      },
    });
    await expect.poll(() => posts.length).toBe(2);
    await dispatcher.stop();
    for (const post of posts) {
      expect(post.url).toBe('http://127.0.0.1:9/staff');
      expect(post.headers['x-signature']).toBe(signWebhookBody('s3cret', post.body));
      expect(JSON.parse(post.body)).toMatchObject({ type: 'staff.notification', applicationId });
    }
    expect((await store.staffNotificationsAbout(applicationId)).every((r) => r.deliveredAt)).toBe(
      true,
    );
  });

  it('needs WEBHOOK_SECRET with STAFF_WEBHOOK_URL', () => {
    expect(() =>
      loadConfig({ DATA_DIR: dir, STAFF_WEBHOOK_URL: 'http://127.0.0.1:9/staff' }),
    ).toThrow(/WEBHOOK_SECRET/);
  });
});
