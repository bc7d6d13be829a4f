// Personal data at rest (SPEC §6, issue 6): after a whole onboarding to ACTIVE, the bytes on disk —
// the SQLite file with its write-ahead log, and every stored ID photo — hold no name, ID number,
// phone or card number in clear, and no photo is recognisable as an image.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PEOPLE } from '../fixtures/id-card';
import { driveToActive, freshPerson, outboxFor } from '../helpers/onboarding';
import { startStack, type Stack } from '../helpers/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({}, { photo: true });
});
afterAll(async () => {
  await stack?.close();
});

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

const IMAGE_MAGIC: Record<string, Buffer> = {
  jpeg: Buffer.from([0xff, 0xd8, 0xff]),
  png: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  webp: Buffer.from('RIFF', 'latin1'),
};

describe('personal data at rest', () => {
  it('leaves no name, ID number, phone or card number readable on disk', async () => {
    const a = freshPerson(PEOPLE[2]!);
    await driveToActive(stack, a);
    // The sandbox still answers with the messages in clear: they are opened on the way out.
    expect((await outboxFor(stack, a.phone)).some((m) => m.template === 'OTP')).toBe(true);

    const secrets: Record<string, string> = {
      name: a.person.name,
      idNumber: a.person.idNumber,
      phone: a.phone,
      card: a.card,
    };
    const dbFiles = [stack.config.databaseFile, `${stack.config.databaseFile}-wal`].filter((f) =>
      existsSync(f),
    );
    expect(dbFiles).toContain(stack.config.databaseFile);
    const photos = await filesUnder(stack.config.photosDir);
    expect(photos.length).toBeGreaterThan(0);

    for (const file of [...dbFiles, ...photos]) {
      const bytes = await readFile(file);
      for (const [what, value] of Object.entries(secrets))
        expect(bytes.includes(Buffer.from(value, 'utf8')), `${what} in ${file}`).toBe(false);
    }
    for (const file of photos) {
      const head = (await readFile(file)).subarray(0, 8);
      for (const [format, magic] of Object.entries(IMAGE_MAGIC))
        expect(head.subarray(0, magic.length).equals(magic), `${format} in ${file}`).toBe(false);
    }
  }, 120_000);
});
