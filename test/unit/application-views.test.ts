// The read model GET /v1/applications/:id answers from (db/sqlite/repositories/application-views.ts), on a real
// SQLite file: the newest view wins whatever order writes arrive in, and erasure ends it.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../db/sqlite/client';
import type { ApplicationView } from '../../domain/contract';
import { loadApplicationView, saveApplicationView } from '../../db/sqlite/repositories/application-views';
import { personIdOf } from '../../crypto/pii';
import { erasePersonKey, personKey } from '../../db/sqlite/repositories/person-keys';

const master = randomBytes(32);
const dir = mkdtempSync(join(tmpdir(), 'wallet-views-'));
const handle = openDatabase(join(dir, 'app.db'));
const db = handle.db;
afterAll(() => {
  handle.close();
  rmSync(dir, { recursive: true, force: true });
});

const ID_NUMBER = '11010519491231002X';

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
      phone: '13800138000',
      bankCardNumber: '6222021234567890128',
    },
    createdAt: '2026-11-21T10:00:00.000Z',
    updatedAt: '2026-11-21T10:00:00.000Z',
    ...(revision === undefined ? {} : { revision }),
  };
}

describe('the application read model', () => {
  it('is written only for a person with a key, and without a revision not at all', () => {
    saveApplicationView(db, master, viewAt(5000, 5));
    expect(loadApplicationView(db, master, 'app-1')).toBeNull();
    personKey(db, master, personIdOf(master, ID_NUMBER));
    saveApplicationView(db, master, viewAt(undefined, 5));
    expect(loadApplicationView(db, master, 'app-1')).toBeNull();
  });

  it('keeps the newest view whatever order the writes come in', () => {
    saveApplicationView(db, master, viewAt(7001, 4));
    expect(loadApplicationView(db, master, 'app-1')).toMatchObject({ attemptsLeft: { otp: 4 } });
    saveApplicationView(db, master, viewAt(6003, 5));
    expect(loadApplicationView(db, master, 'app-1')).toMatchObject({ attemptsLeft: { otp: 4 } });
    saveApplicationView(db, master, viewAt(7001, 1));
    expect(loadApplicationView(db, master, 'app-1')).toMatchObject({ attemptsLeft: { otp: 4 } });
    saveApplicationView(db, master, viewAt(9002, 3));
    expect(loadApplicationView(db, master, 'app-1')).toMatchObject({
      attemptsLeft: { otp: 3 },
      revision: 9002,
    });
  });

  it('keeps nothing readable on disk', () => {
    handle.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    const bytes = readFileSync(join(dir, 'app.db')).toString('latin1');
    expect(bytes).not.toContain('13800138000');
    expect(bytes).not.toContain(ID_NUMBER);
  });

  it('is gone once the person is erased, also after they apply again', () => {
    const personId = personIdOf(master, ID_NUMBER);
    erasePersonKey(db, personId);
    expect(loadApplicationView(db, master, 'app-1')).toBe('ERASED');
    // A late write for the erased person does not bring their key back.
    saveApplicationView(db, master, viewAt(12000, 2));
    expect(loadApplicationView(db, master, 'app-1')).toBe('ERASED');
    personKey(db, master, personId);
    expect(loadApplicationView(db, master, 'app-1')).toBe('ERASED');
    saveApplicationView(db, master, viewAt(1000, 5, 'app-2'));
    expect(loadApplicationView(db, master, 'app-2')).toMatchObject({ applicationId: 'app-2' });
  });
});
