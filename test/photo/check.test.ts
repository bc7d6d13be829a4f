import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkIdPhoto, type IdPhotoCheckResult } from '../../activities/photo/check';
import { createIdCardReader, type IdCardReader } from '../../activities/photo/ocr';
import { createOcrPool, type OcrPool } from '../../activities/photo/ocr-pool';
import { createPhotoStore, type ApplicationPhotos } from '../../db/sqlite/repositories/photo-store';
import { idCheckChar } from '../../domain/fields';
import {
  LEGIBLE_VARIANTS,
  PEOPLE,
  idCardPhoto,
  pngBomb,
  TEXT_FILE_AS_JPG,
  truncatedJpeg,
  type FakePerson,
} from '../fixtures/id-card';

// Far after every fixture's birth date, and fixed: results must not depend on the clock.
const NOW = Date.UTC(2025, 0, 15);

let dir: string;
let store: ApplicationPhotos;
let pool: OcrPool;
let reader: IdCardReader;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'id-photo-'));
  store = createPhotoStore({ dir }).of('test-application');
  pool = await createOcrPool({ size: 2, jobTimeoutMs: 20_000 });
  reader = createIdCardReader(pool, { now: () => NOW });
});
afterAll(async () => {
  await pool?.terminate();
  await rm(dir, { recursive: true, force: true });
});

async function check(
  bytes: Buffer,
  submitted: { name: string; idNumber: string },
): Promise<IdPhotoCheckResult> {
  const { ref } = await store.put(bytes);
  return checkIdPhoto({ store, ocr: reader }, { ref, submitted });
}

const cases = PEOPLE.flatMap((person) => LEGIBLE_VARIANTS.map((variant) => ({ person, variant })));

describe('legible cards are accepted and read exactly', () => {
  it.concurrent.each(cases)('$variant card of $person.name', async ({ person, variant }) => {
    const result = await check(await idCardPhoto(person, variant), person);
    expect(result).toMatchObject({
      accepted: true,
      reasons: [],
      ocr: {
        name: person.name,
        idNumber: person.idNumber,
        matched: true,
        nameMatched: true,
        idNumberMatched: true,
      },
    });
    expect(result.metrics?.width).toBeGreaterThanOrEqual(1100);
  });
});

describe('every pixel layout an upload may have is read', () => {
  // RGB(A) is turned grey by the reader itself, anything else by libvips: both must read.
  const person = PEOPLE[1]!;
  it.concurrent.each([
    {
      upload: 'a grey JPEG (one channel)',
      channels: 1,
      convert: (card: Buffer) => sharp(card).toColourspace('b-w').jpeg().toBuffer(),
    },
    {
      upload: 'an RGBA PNG',
      channels: 4,
      convert: (card: Buffer) => sharp(card).ensureAlpha(0.9).png().toBuffer(),
    },
  ])('$upload', async ({ channels, convert }) => {
    const bytes = await convert(await idCardPhoto(person, 'clear-1600'));
    expect((await sharp(bytes).metadata()).channels).toBe(channels);
    expect(await reader.read(bytes)).toEqual({ name: person.name, idNumber: person.idNumber });
  });
});

describe('illegible photos are rejected for the right reason, without OCR', () => {
  const person = PEOPLE[1]!;
  it.each([
    ['blur-4', 'PHOTO_BLURRY'],
    ['blur-8', 'PHOTO_BLURRY'],
    ['tiny-320', 'PHOTO_TOO_SMALL'],
    ['dark', 'PHOTO_TOO_DARK'],
    ['glare', 'PHOTO_GLARE'],
  ] as const)('%s → %s', async (variant, reason) => {
    const jobsBefore = pool.stats().jobsRun;
    const result = await check(await idCardPhoto(person, variant), person);
    expect(result.accepted).toBe(false);
    expect(result.reasons).toEqual([reason]);
    expect(result.metrics).not.toBeNull();
    expect(result.ocr).toBeNull();
    expect(pool.stats().jobsRun).toBe(jobsBefore);
  });

  it('a text file named .jpg → PHOTO_UNSUPPORTED_FORMAT', async () => {
    const result = await check(TEXT_FILE_AS_JPG.bytes, person);
    expect(result).toEqual({
      accepted: false,
      reasons: ['PHOTO_UNSUPPORTED_FORMAT'],
      metrics: null,
      ocr: null,
    });
  });

  it('a truncated JPEG → PHOTO_UNREADABLE', async () => {
    const result = await check(await truncatedJpeg(person), person);
    expect(result).toEqual({
      accepted: false,
      reasons: ['PHOTO_UNREADABLE'],
      metrics: null,
      ocr: null,
    });
  });

  it('a decompression bomb → PHOTO_TOO_LARGE, and memory stays where it was', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const bomb = pngBomb();
    const { ref } = await store.put(bomb);
    const deps = { store, ocr: reader };
    // Warm up the code path so that lazy allocations are not counted as growth.
    await checkIdPhoto(deps, { ref, submitted: person });
    gc();
    const before = process.memoryUsage();
    for (let i = 0; i < 20; i++) {
      const result = await checkIdPhoto(deps, { ref, submitted: person });
      expect(result).toEqual({
        accepted: false,
        reasons: ['PHOTO_TOO_LARGE'],
        metrics: null,
        ocr: null,
      });
    }
    gc();
    const after = process.memoryUsage();
    // Decoding even once would cost 400 MB (8-bit) to 1.2 GB (RGB).
    expect(after.rss - before.rss).toBeLessThan(20 * 1024 * 1024);
    expect(after.external - before.external).toBeLessThan(5 * 1024 * 1024);
  });
});

describe('cross-check against the submitted fields', () => {
  const person = PEOPLE[1]!; // 陈思琪
  let photo: Buffer;
  beforeAll(async () => {
    photo = await idCardPhoto(person, 'clear-1600');
  });

  it('a different name → PHOTO_FIELDS_MISMATCH, the number still matching', async () => {
    const result = await check(photo, { name: '陈思棋', idNumber: person.idNumber });
    expect(result).toMatchObject({
      accepted: false,
      reasons: ['PHOTO_FIELDS_MISMATCH'],
      ocr: {
        name: '陈思琪',
        idNumber: person.idNumber,
        matched: false,
        nameMatched: false,
        idNumberMatched: true,
      },
    });
  });

  it('a different (valid) number → PHOTO_FIELDS_MISMATCH, the name still matching', async () => {
    const other = PEOPLE[3]!.idNumber;
    const result = await check(photo, { name: person.name, idNumber: other });
    expect(result).toMatchObject({
      accepted: false,
      reasons: ['PHOTO_FIELDS_MISMATCH'],
      ocr: { idNumber: person.idNumber, matched: false, nameMatched: true, idNumberMatched: false },
    });
  });

  it('compares after normalisation: spaces, a lower-case x, a look-alike dot', async () => {
    const withX = PEOPLE[0]!;
    expect(withX.idNumber.endsWith('X')).toBe(true);
    const xCard = await check(await idCardPhoto(withX, 'clear-1600'), {
      name: ` ${withX.name} `,
      idNumber: withX.idNumber.toLowerCase().replace(/^(\d{6})/, '$1 '),
    });
    expect(xCard).toMatchObject({ accepted: true, ocr: { idNumber: withX.idNumber } });

    const minority = PEOPLE[2]!;
    const dotted = await check(await idCardPhoto(minority, 'clear-1100'), {
      name: minority.name.replace('\u00B7', '\u2022'),
      idNumber: minority.idNumber,
    });
    expect(dotted).toMatchObject({ accepted: true, ocr: { name: '买买提·艾力' } });
  });

  it('a number whose check character is wrong → PHOTO_NO_ID_NUMBER', async () => {
    const first17 = person.idNumber.slice(0, 17);
    const wrong = idCheckChar(first17) === '1' ? '2' : '1';
    const forged: FakePerson = { ...person, idNumber: first17 + wrong };
    const result = await check(await idCardPhoto(forged, 'clear-1600'), person);
    expect(result).toMatchObject({
      accepted: false,
      reasons: ['PHOTO_NO_ID_NUMBER'],
      ocr: {
        name: person.name,
        idNumber: null,
        matched: false,
        nameMatched: true,
        idNumberMatched: false,
      },
    });
  });
});

describe('infrastructure failures throw', () => {
  it('a ref with no stored photo is an error with a clear message', async () => {
    const ref = 'f'.repeat(64);
    await expect(
      checkIdPhoto({ store, ocr: reader }, { ref, submitted: PEOPLE[0]! }),
    ).rejects.toThrow(`No photo stored under ref ${ref}`);
  });
});
