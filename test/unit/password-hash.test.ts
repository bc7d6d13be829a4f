// crypto/password-hash.ts: Argon2id at OWASP's baseline for new hashes; hashes under other
// parameters still verify and are flagged for replacement; nothing else is a hash.
import { describe, expect, it } from 'vitest';
import {
  hashPassword,
  isPasswordHash,
  needsRehash,
  verifyAndRehash,
  verifyPassword,
} from '../../crypto/password-hash';
import { hashUnderOlderParameters } from '../helpers/older-hashes';

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

  it('still verifies a hash under older parameters, and flags it for replacement', async () => {
    const older = await hashUnderOlderParameters('secret123');
    expect(older).toMatch(/^\$argon2id\$v=19\$m=4096,t=1,p=1\$/);
    expect(isPasswordHash(older)).toBe(true);
    expect(needsRehash(older)).toBe(true);
    expect(await verifyPassword('secret123', older)).toBe(true);
    expect(await verifyPassword('secret124', older)).toBe(false);
  });

  it('hands a fresh hash for a right password under older parameters, and only then', async () => {
    const older = await hashUnderOlderParameters('secret123');
    const upgraded = await verifyAndRehash('secret123', older);
    expect(upgraded.ok).toBe(true);
    expect(needsRehash(upgraded.rehashed!)).toBe(false);
    expect(await verifyPassword('secret123', upgraded.rehashed!)).toBe(true);
    expect(await verifyAndRehash('secret124', older)).toEqual({ ok: false, rehashed: null });
    const current = await hashPassword('secret123');
    expect(await verifyAndRehash('secret123', current)).toEqual({ ok: true, rehashed: null });
  });

  it('refuses a scrypt hash of the kind an unreleased version wrote', async () => {
    const scrypt =
      'scrypt$32768$8$1$MDEyMzQ1Njc4OWFiY2RlZg==$YGnDtx1N98s7wKo2vuqrx5l4f/UzVM/SlzP1PLtThz4=';
    expect(isPasswordHash(scrypt)).toBe(false);
    expect(await verifyPassword('secret123', scrypt)).toBe(false);
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
