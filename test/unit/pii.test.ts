import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../db/sqlite/client';
import { personKeys } from '../../db/sqlite/schema';
import {
  blindIndex,
  deriveKey,
  openJson,
  personIdOf,
  SealedDataError,
  sealJson,
} from '../../crypto/pii';
import {
  erasePersonKey,
  loadPersonKey,
  personKey,
  personKeyErased,
  UNWRAPPED_KEY_TTL_MS,
  unwrapPersonKey,
} from '../../db/sqlite/repositories/person-keys';

const master = randomBytes(32);

describe('sealJson / openJson', () => {
  it('round-trips JSON values in a versioned base64url format', () => {
    const value = { name: '买买提·艾力', idNumber: '11010519491231002X', n: 3, list: [1, null] };
    const sealed = sealJson(master, value);
    expect(sealed).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain('11010519491231002X');
    expect(openJson(master, sealed)).toEqual(value);
    expect(openJson(master, sealJson(master, 'text'))).toBe('text');
  });

  it('uses a fresh IV every time', () => {
    expect(sealJson(master, { a: 1 })).not.toBe(sealJson(master, { a: 1 }));
  });

  it('refuses a wrong key, a wrong context, tampering and unknown formats', () => {
    const sealed = sealJson(master, { a: 1 }, 'row:1');
    expect(() => openJson(randomBytes(32), sealed, 'row:1')).toThrow(SealedDataError);
    expect(() => openJson(master, sealed, 'row:2')).toThrow(SealedDataError);
    const parts = sealed.split('.');
    const ct = Buffer.from(parts[3]!, 'base64url');
    ct[0] = ct[0]! ^ 1;
    parts[3] = ct.toString('base64url');
    expect(() => openJson(master, parts.join('.'), 'row:1')).toThrow(SealedDataError);
    expect(() => openJson(master, `v2.${sealed.slice(3)}`, 'row:1')).toThrow(SealedDataError);
    expect(() => openJson(master, 'garbage', 'row:1')).toThrow(SealedDataError);
  });

  it('derives distinct subkeys per purpose and refuses keys that are not 32 bytes', () => {
    expect(deriveKey(master, 'encryption').equals(deriveKey(master, 'blind-index'))).toBe(false);
    expect(deriveKey(master, 'encryption').equals(master)).toBe(false);
    expect(() => sealJson(randomBytes(16), 1)).toThrow(/32 bytes/);
  });
});

describe('blindIndex', () => {
  it('is deterministic, keyed and purpose-separated', () => {
    const a = blindIndex(master, 'phone', '13800138000');
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(blindIndex(master, 'phone', '13800138000')).toBe(a);
    expect(blindIndex(randomBytes(32), 'phone', '13800138000')).not.toBe(a);
    expect(blindIndex(master, 'bank-card', '13800138000')).not.toBe(a);
  });

  it('normalises the value for its purpose', () => {
    expect(blindIndex(master, 'id-number', '11010519491231002x')).toBe(
      blindIndex(master, 'id-number', '110105 19491231002X'),
    );
    expect(personIdOf(master, '11010519491231002x')).toBe(
      blindIndex(master, 'id-number', '11010519491231002X'),
    );
    expect(blindIndex(master, 'bank-card', '4111 1111-1111 1111')).toBe(
      blindIndex(master, 'bank-card', '4111111111111111'),
    );
    expect(blindIndex(master, 'photo', 'AB'.repeat(32))).toBe(
      blindIndex(master, 'photo', 'ab'.repeat(32)),
    );
  });
});

describe('per-person keys', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wallet-pii-'));
  const handle = openDatabase(join(dir, 'app.db'));
  afterAll(() => {
    handle.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates a key once and loads the same one afterwards', () => {
    const person = personIdOf(master, '11010519491231002X');
    expect(loadPersonKey(handle.db, master, person)).toBeNull();
    const key = personKey(handle.db, master, person);
    expect(key).toHaveLength(32);
    expect(personKey(handle.db, master, person).equals(key)).toBe(true);
    expect(loadPersonKey(handle.db, master, person)?.equals(key)).toBe(true);
    expect(personKey(handle.db, master, personIdOf(master, '110105194912310037')).equals(key)).toBe(
      false,
    );
    // Wrapped under the master key: another master key cannot unwrap it.
    expect(() => loadPersonKey(handle.db, randomBytes(32), person)).toThrow(SealedDataError);
  });

  it('crypto-shreds: after erasure sealed data cannot be opened, and a new key is issued', () => {
    const person = personIdOf(master, '11010520000101003X');
    const key = personKey(handle.db, master, person);
    const sealed = sealJson(key, { phone: '13800138000' });
    erasePersonKey(handle.db, person);
    erasePersonKey(handle.db, person);
    expect(personKeyErased(handle.db, person)).toBe(true);
    expect(loadPersonKey(handle.db, master, person)).toBeNull();
    const fresh = personKey(handle.db, master, person);
    expect(fresh.equals(key)).toBe(false);
    expect(personKeyErased(handle.db, person)).toBe(false);
    expect(() => openJson(fresh, sealed)).toThrow(SealedDataError);
  });

  it('keeps an unwrapped key in memory until it is erased here, or at most a few minutes', () => {
    const wrappedOf = (person: string) =>
      handle.db
        .select({ wrapped: personKeys.wrappedKey })
        .from(personKeys)
        .where(eq(personKeys.personId, person))
        .get()!.wrapped!;
    const person = personIdOf(master, '110105200001010054');
    const key = personKey(handle.db, master, person);
    const wrapped = wrappedOf(person);
    // The same Buffer while cached; a new one once the entry is gone (the wrapped form, kept
    // here by the test, still opens).
    expect(unwrapPersonKey(master, person, wrapped)).toBe(key);
    erasePersonKey(handle.db, person);
    const reopened = unwrapPersonKey(master, person, wrapped);
    expect(reopened).not.toBe(key);
    expect(reopened.equals(key)).toBe(true);

    const other = personIdOf(master, '110105200001010062');
    personKey(handle.db, master, other);
    // Past the entry personKey made: this call makes a new one, expiring at t0 + TTL.
    const t0 = Date.now() + 2 * UNWRAPPED_KEY_TTL_MS;
    const first = unwrapPersonKey(master, other, wrappedOf(other), t0);
    expect(unwrapPersonKey(master, other, wrappedOf(other), t0 + UNWRAPPED_KEY_TTL_MS - 1)).toBe(
      first,
    );
    expect(unwrapPersonKey(master, other, wrappedOf(other), t0 + UNWRAPPED_KEY_TTL_MS)).not.toBe(
      first,
    );
  });
});
