import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanName, extractIdNumber, majority } from '../../activities/photo/ocr';
import {
  createOcrPool,
  OcrTimeoutError,
  OcrWorkerLostError,
  prepareLangDir,
  startOcrWorker,
  type OcrPool,
} from '../../activities/photo/ocr-pool';

const NOW = Date.UTC(2025, 0, 15);
let line: Buffer;
let pool: OcrPool;

beforeAll(async () => {
  line = await sharp(
    Buffer.from(
      `<svg xmlns="http://www.w3.org/2000/svg" width="360" height="60"><rect width="360" height="60" fill="#fff"/><text x="10" y="42" font-size="32" font-family="DejaVu Sans Mono">HELLO 42</text></svg>`,
    ),
  )
    .png()
    .toBuffer();
  // Long enough for a real read on a loaded 2-core machine, short enough for the hang test.
  pool = await createOcrPool({ size: 1, recycleAfterJobs: 2, jobTimeoutMs: 6_000 });
});
afterAll(async () => {
  await pool?.terminate();
});

const read = (p: OcrPool) => p.run(async (w) => (await w.recognize(line, {})).data.text.trim());

describe('OCR pool', () => {
  it('reuses its worker, and replaces it after recycleAfterJobs', async () => {
    expect(pool.stats()).toMatchObject({ workersStarted: 1, size: 1 });
    expect(await read(pool)).toBe('HELLO 42');
    expect(pool.stats().workersStarted).toBe(1);
    expect(await read(pool)).toBe('HELLO 42');
    expect(pool.stats().workersStarted).toBe(2);
    expect(await read(pool)).toBe('HELLO 42');
    expect(pool.stats()).toMatchObject({ workersStarted: 2, jobsRun: 3 });
  });

  it('gives up on a job after jobTimeoutMs and carries on with a fresh worker', async () => {
    const started = pool.stats().workersStarted;
    const hang = pool.run(() => new Promise<never>(() => {}));
    // Shares the stuck worker; its own time limit would run out a second after the first's.
    await new Promise((r) => setTimeout(r, 1_000));
    const sharer = pool.run(() => new Promise<never>(() => {}));
    await expect(hang).rejects.toBeInstanceOf(OcrTimeoutError);
    // Failed with the worker, not a second later by its own time limit.
    await expect(sharer).rejects.toBeInstanceOf(OcrWorkerLostError);
    expect(pool.stats().workersStarted).toBe(started + 1);
    expect(await read(pool)).toBe('HELLO 42');
  });

  it('gives a worker to two jobs at once and queues the rest', async () => {
    const order: number[] = [];
    await Promise.all(
      [1, 2, 3].map((n) =>
        pool.run(async (w) => {
          order.push(n);
          await w.recognize(line, {});
          order.push(-n);
        }),
      ),
    );
    expect(order.slice(0, 2)).toEqual([1, 2]);
    expect(order.indexOf(3)).toBeGreaterThan(Math.min(order.indexOf(-1), order.indexOf(-2)));
  });

  it("keeps each job's parameters to its own calls on a shared worker", async () => {
    const texts = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        pool.run(async (w) => {
          const params = i % 2 === 0 ? { tessedit_char_whitelist: '0123456789' } : {};
          return (await w.recognize(line, params)).data.text.trim();
        }),
      ),
    );
    // Digits only, the O of HELLO read as 0; and the letters back in the call after.
    expect(texts).toEqual(['042', 'HELLO 42', '042', 'HELLO 42', '042', 'HELLO 42']);
  });

  it('refuses work once terminated', async () => {
    const own = await createOcrPool({ size: 1 });
    await own.terminate();
    await expect(read(own)).rejects.toThrow('OCR pool is terminated');
  });
});

describe('OCR start-up', () => {
  let empty: string;
  beforeAll(async () => {
    empty = await mkdtemp(join(tmpdir(), 'tessdata-empty-'));
  });
  afterAll(async () => {
    await rm(empty, { recursive: true, force: true });
  });

  it('fails fast, with the file named, when language data is missing', async () => {
    await expect(startOcrWorker(empty, 2_000)).rejects.toThrow(
      `OCR language data missing: ${join(empty, 'chi_sim.traineddata')}`,
    );
  });

  it('fills a language folder from the installed packages, idempotently', async () => {
    const dir = join(empty, 'langs');
    await prepareLangDir(dir);
    await prepareLangDir(dir);
    expect((await readdir(dir)).sort()).toEqual(['chi_sim.traineddata', 'eng.traineddata']);
  });
});

describe('field parsing', () => {
  it.each([
    ['姓名 买 买 提 ， 艾 力', '买买提·艾力'],
    ['“ 陈 思 琪\n', '陈思琪'],
    ['买买提.艾力', '买买提·艾力'],
    ['名 欧 阳 晓 岚 。', '欧阳晓岚'],
    ['LEHR - XA', null],
    ['李', null],
  ])('cleanName(%j) → %j', (raw, name) => {
    expect(cleanName(raw)).toBe(name);
  });

  it('finds a valid number in noise and refuses a wrong check character', () => {
    expect(extractIdNumber('公民身份号码 1101 0519 8706 15217x', NOW)).toBe('11010519870615217X');
    expect(extractIdNumber('110105198706152171', NOW)).toBeNull();
    expect(extractIdNumber('65010219790328077', NOW)).toBeNull();
  });

  it('takes the majority, ties going to the first', () => {
    expect(majority(['a', 'b', 'b'])).toBe('b');
    expect(majority(['a', null, 'b'])).toBe('a');
    expect(majority([null, null])).toBeNull();
  });
});
