// One status change of an application on both databases: status row, read model, audit row and
// event in one transaction; retries change nothing; an older change never overwrites a newer
// one, also when the two race through two processes' connections.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blindIndex, personIdOf } from '../../crypto/pii';
import type { ApplicationStatusChange } from '../../db/sqlite/repositories/application-status';
import type { Store } from '../../db/store';
import type { ApplicationView } from '../../domain/contract';
import { DIALECTS, type OpenedStore, type TestDatabase } from '../helpers/store-dialects';

const master = randomBytes(32);
const ID_NUMBER = '11010519491231002X';
const PHONE = '13800138000';
const personId = personIdOf(master, ID_NUMBER);
const hourAgo = Date.now() - 3_600_000;

function change(
  applicationId: string,
  seq: number,
  status: ApplicationView['status'],
  nextAction: ApplicationView['nextAction'],
): ApplicationStatusChange {
  const at = new Date(hourAgo + seq * 1000).toISOString();
  return {
    applicationId,
    status,
    nextAction,
    seq,
    at,
    reasons: [],
    view: {
      applicationId,
      status,
      nextAction,
      reasons: [],
      fieldErrors: [],
      attemptsLeft: { otp: 5, photo: 5, resubmission: 3 },
      applicant: {
        name: '张三',
        idNumber: ID_NUMBER,
        phone: PHONE,
        bankCardNumber: '6222021234567890128',
      },
      createdAt: new Date(hourAgo).toISOString(),
      updatedAt: at,
      revision: seq * 10,
    },
  };
}

const phoneStep = (id: string) => change(id, 3, 'AWAITING_PHONE_VERIFICATION', 'VERIFY_PHONE');
const photoStep = (id: string) => change(id, 4, 'AWAITING_ID_PHOTO', 'UPLOAD_ID_PHOTO');

describe.each(DIALECTS)('application status changes on $dialect', ({ fresh }) => {
  let database: TestDatabase;
  let a: Store;
  let b: OpenedStore;
  beforeAll(async () => {
    database = await fresh();
    a = (await database.open()).store;
    b = await database.open();
    await a.personKey(master, personId);
  });
  afterAll(() => database.close());

  const statusOf = async (id: string) =>
    (
      await b.exec<{ status: string; status_seq: number }>(
        `select status, status_seq from applications where id = '${id}'`,
      )
    )[0];
  const auditsOf = async (id: string) =>
    (await a.auditPage({ subjectType: 'application', subjectId: id, limit: 50 })).map(
      (row) => row.eventKey,
    );
  const eventsOf = async (id: string) =>
    (
      await b.exec<{ status: string }>(
        `select status from webhook_events where subject_id = '${id}' order by id`,
      )
    ).map((row) => row.status);

  it('records the status, the view, one audit row and one event, however often retried', async () => {
    for (let i = 0; i < 3; i++)
      await a.recordApplicationStatusChange(master, phoneStep('app-1'), { webhooks: true });
    expect(await statusOf('app-1')).toEqual({
      status: 'AWAITING_PHONE_VERIFICATION',
      status_seq: 3,
    });
    expect(await a.loadApplicationView(master, 'app-1')).toMatchObject({ revision: 30 });
    expect(await auditsOf('app-1')).toEqual(['application:app-1:status:3']);
    expect(await eventsOf('app-1')).toEqual(['AWAITING_PHONE_VERIFICATION']);
  });

  it('queues no event without WEBHOOK_URL, and an older change never overwrites a newer one', async () => {
    await a.recordApplicationStatusChange(master, photoStep('app-2'), { webhooks: false });
    await a.recordApplicationStatusChange(master, phoneStep('app-2'), { webhooks: false });
    expect(await statusOf('app-2')).toEqual({ status: 'AWAITING_ID_PHOTO', status_seq: 4 });
    expect(await a.loadApplicationView(master, 'app-2')).toMatchObject({
      status: 'AWAITING_ID_PHOTO',
    });
    expect((await auditsOf('app-2')).sort()).toEqual([
      'application:app-2:status:3',
      'application:app-2:status:4',
    ]);
    expect(await eventsOf('app-2')).toEqual([]);
  });

  it('moves the status and the view each by its own guard', async () => {
    // A view published later than the change (an update's answer) stays; the status moves on.
    const later = photoStep('app-4');
    await a.saveApplicationView(master, { ...later.view, revision: 50 });
    await a.recordApplicationStatusChange(master, later, { webhooks: false });
    expect(await statusOf('app-4')).toEqual({ status: 'AWAITING_ID_PHOTO', status_seq: 4 });
    expect(await a.loadApplicationView(master, 'app-4')).toMatchObject({ revision: 50 });
    // A change retried with an older seq but a newer view: the view moves on, the status stays.
    await a.recordApplicationStatusChange(
      master,
      { ...phoneStep('app-4'), view: { ...phoneStep('app-4').view, revision: 60 } },
      { webhooks: false },
    );
    expect(await statusOf('app-4')).toEqual({ status: 'AWAITING_ID_PHOTO', status_seq: 4 });
    expect(await a.loadApplicationView(master, 'app-4')).toMatchObject({ revision: 60 });
  });

  it('verifies the login phone when the photo step is reached', async () => {
    const phoneIndex = blindIndex(master, 'phone', PHONE);
    await a.upsertApplicantLogin({
      applicationId: 'app-3',
      personId,
      phoneIndex,
      passwordHash: 'hash',
      at: new Date(hourAgo),
    });
    await a.recordApplicationStatusChange(master, phoneStep('app-3'), { webhooks: false });
    expect(await a.findVerifiedLogin(phoneIndex)).toBeUndefined();
    await a.recordApplicationStatusChange(master, photoStep('app-3'), { webhooks: false });
    expect(await a.findVerifiedLogin(phoneIndex)).toMatchObject({ applicationId: 'app-3' });
  });

  it('keeps the higher seq when two changes race through two processes, each audited once', async () => {
    const ids = Array.from({ length: 16 }, (_, i) => `race-${i}`);
    await Promise.all(
      ids.flatMap((id, i) => {
        // Half the pairs send the newer change first; each pair's two go through both stores.
        const [first, second] =
          i % 2 ? [photoStep(id), phoneStep(id)] : [phoneStep(id), photoStep(id)];
        return [
          a.recordApplicationStatusChange(master, first, { webhooks: true }),
          b.store.recordApplicationStatusChange(master, second, { webhooks: true }),
        ];
      }),
    );
    for (const id of ids) {
      expect(await statusOf(id)).toEqual({ status: 'AWAITING_ID_PHOTO', status_seq: 4 });
      expect(await a.loadApplicationView(master, id)).toMatchObject({ revision: 40 });
      expect((await auditsOf(id)).sort()).toEqual([
        `application:${id}:status:3`,
        `application:${id}:status:4`,
      ]);
      expect((await eventsOf(id)).sort()).toEqual([
        'AWAITING_ID_PHOTO',
        'AWAITING_PHONE_VERIFICATION',
      ]);
    }
  });
});
