// crypto/password-hash.ts: Argon2id at OWASP's baseline for new hashes; the scrypt hashes written
// before still verify and are flagged for replacement.
import { describe, expect, it } from 'vitest';
import {
  hashPassword,
  isPasswordHash,
  needsRehash,
  verifyAndRehash,
  verifyPassword,
} from '../../crypto/password-hash';
import { LEGACY_SCRYPT } from '../helpers/legacy-hashes';

const LEGACY = LEGACY_SCRYPT.secret123;

describe('password hashes', () => {
  it('hashes with Argon2id, 19 MiB, 2 passes, 1 lane, a fresh salt each time', async () => {
    const a = await hashPassword('secret123');
    const b = await hashPassword('secret123');
    expect(a).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('secret123');
    expect(needsRehash(a)).toBe(false);
    expect(isPasswordHash(a)).toBe(true);
  });

  it('accepts the right password only', async () => {
    const stored = await hashPassword('secret123');
    expect(await verifyPassword('secret123', stored)).toBe(true);
    expect(await verifyPassword('secret124', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
  });

  it('treats composed and decomposed forms of the same characters as one password', async () => {
    const stored = await hashPassword('Café2024');
    expect(await verifyPassword('Cafe\u03012024', stored)).toBe(true);
  });

  it('still verifies a scrypt hash written before, and flags it for replacement', async () => {
    expect(isPasswordHash(LEGACY)).toBe(true);
    expect(needsRehash(LEGACY)).toBe(true);
    expect(await verifyPassword('secret123', LEGACY)).toBe(true);
    expect(await verifyPassword('secret124', LEGACY)).toBe(false);
  });

  it('hands a fresh hash for a right password under the old scheme, and only then', async () => {
    const legacy = await verifyAndRehash('secret123', LEGACY);
    expect(legacy.ok).toBe(true);
    expect(needsRehash(legacy.rehashed!)).toBe(false);
    expect(await verifyPassword('secret123', legacy.rehashed!)).toBe(true);
    expect(await verifyAndRehash('secret124', LEGACY)).toEqual({ ok: false, rehashed: null });
    const current = await hashPassword('secret123');
    expect(await verifyAndRehash('secret123', current)).toEqual({ ok: true, rehashed: null });
  });

  it('flags Argon2id hashes under other parameters for replacement', () => {
    const weaker =
      '$argon2id$v=19$m=4096,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$YGnDtx1N98s7wKo2vuqrx5l4f/UzVM/SlzP1PLtThz4';
    expect(needsRehash(weaker)).toBe(true);
  });

  it('answers false, never throws, for anything that is not one of its hashes', async () => {
    for (const stored of ['', 'secret123', 'scrypt$x', '$argon2id$garbage', 'scrypt$1$1$1$$']) {
      expect(await verifyPassword('secret123', stored)).toBe(false);
    }
    expect(isPasswordHash('plain')).toBe(false);
    expect(isPasswordHash(undefined)).toBe(false);
  });
});
