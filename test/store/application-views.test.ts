// The read model GET /v1/applications/:id answers from, on both databases: the newest view wins
// whatever order writes arrive in (also from two processes at once), nothing of it is readable
// in the database's files, and erasure ends it.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { personIdOf } from '../../crypto/pii';
import type { Store } from '../../db/store';
import type { ApplicationView } from '../../domain/contract';
import { DIALECTS, type OpenedStore, type TestDatabase } from '../helpers/store-dialects';

const master = randomBytes(32);
const ID_NUMBER = '11010519491231002X';
const PHONE = '13800138000';

function viewAt(revision: number | undefined, otpLeft: number, id = 'app-1'): ApplicationView {
  return {
    applicationId: id,
    status: 'AWAITING_PHONE_VERIFICATION',
    nextAction: 'VERIFY_PHONE',
    reasons: [],
    fieldErrors: [],
    attemptsLeft: { otp: otpLeft, photo: 5, resubmission: 3 },
    applicant: {
      name: '买买提·艾力',
      idNumber: ID_NUMBER,
      phone: PHONE,
      bankCardNumber: '6222021234567890128',
    },
    createdAt: new Date(Date.now() - 3_600_000).toISOString(),
    updatedAt: new Date(Date.now() - 3_600_000).toISOString(),
    ...(revision === undefined ? {} : { revision }),
  };
}

/** The bytes of the files that hold the applications table (and, on SQLite, everything). */
async function tableFiles(opened: OpenedStore, dialect: string): Promise<string> {
  if (dialect === 'sqlite') {
    await opened.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    const [row] = await opened.exec<{ file: string }>(
      "select file from pragma_database_list where name = 'main'",
    );
    return readFileSync(row!.file).toString('latin1');
  }
  await opened.exec('CHECKPOINT');
  const [found] = await opened.exec<{ dir: string; path: string }>(
    "select current_setting('data_directory') as dir, pg_relation_filepath('applications') as path",
  );
  return readFileSync(join(found!.dir, found!.path)).toString('latin1');
}

describe.each(DIALECTS)('the application read model on $dialect', ({ dialect, fresh }) => {
  let database: TestDatabase;
  let opened: OpenedStore;
  let store: Store;
  beforeAll(async () => {
    database = await fresh();
    opened = await database.open();
    store = opened.store;
  });
  afterAll(() => database.close());

  it('is written only for a person with a key, and without a revision not at all', async () => {
    await store.saveApplicationView(master, viewAt(5000, 5));
    expect(await store.loadApplicationView(master, 'app-1')).toBeNull();
    await store.personKey(master, personIdOf(master, ID_NUMBER));
    await store.saveApplicationView(master, viewAt(undefined, 5));
    expect(await store.loadApplicationView(master, 'app-1')).toBeNull();
  });

  it('keeps the newest view whatever order the writes come in', async () => {
    await store.saveApplicationView(master, viewAt(7001, 4));
    expect(await store.loadApplicationView(master, 'app-1')).toMatchObject({
      attemptsLeft: { otp: 4 },
    });
    await store.saveApplicationView(master, viewAt(6003, 5));
    expect(await store.loadApplicationView(master, 'app-1')).toMatchObject({
      attemptsLeft: { otp: 4 },
    });
    await store.saveApplicationView(master, viewAt(7001, 1));
    expect(await store.loadApplicationView(master, 'app-1')).toMatchObject({
      attemptsLeft: { otp: 4 },
    });
    await store.saveApplicationView(master, viewAt(9002, 3));
    expect(await store.loadApplicationView(master, 'app-1')).toMatchObject({
      attemptsLeft: { otp: 3 },
      revision: 9002,
    });
  });

  it('keeps the newest of many views written at once by two processes', async () => {
    const other = (await database.open()).store;
    await store.personKey(master, personIdOf(master, ID_NUMBER));
    const revisions = Array.from({ length: 30 }, (_, i) => 100 + i).sort(() => Math.random() - 0.5);
    await Promise.all(
      revisions.map((revision, i) =>
        (i % 2 ? other : store).saveApplicationView(master, viewAt(revision, 5, 'app-race')),
      ),
    );
    expect(await store.loadApplicationView(master, 'app-race')).toMatchObject({ revision: 129 });
  });

  it('keeps nothing readable in the database files', async () => {
    const bytes = await tableFiles(opened, dialect);
    expect(bytes).toContain('app-1');
    expect(bytes).not.toContain(PHONE);
    expect(bytes).not.toContain(ID_NUMBER);
  });

  it('is gone once the person is erased, also after they apply again', async () => {
    const personId = personIdOf(master, ID_NUMBER);
    await store.erasePersonKey(personId);
    expect(await store.loadApplicationView(master, 'app-1')).toBe('ERASED');
    // A late write for the erased person does not bring their key back.
    await store.saveApplicationView(master, viewAt(12000, 2));
    expect(await store.loadApplicationView(master, 'app-1')).toBe('ERASED');
    await store.personKey(master, personId);
    expect(await store.loadApplicationView(master, 'app-1')).toBe('ERASED');
    await store.saveApplicationView(master, viewAt(1000, 5, 'app-2'));
    expect(await store.loadApplicationView(master, 'app-2')).toMatchObject({
      applicationId: 'app-2',
    });
  });
});
