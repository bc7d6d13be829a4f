// Photo pipeline benchmark: clarity check against a bare decode, OCR with a warm pool against a
// fresh worker per call, and the memory a worker holds after many cards.
// Run: npm run bench:photo. `runPhotoBench()` is also called by bench/run.ts.
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { measureClarity } from '../activities/photo/clarity';
import { createIdCardReader } from '../activities/photo/ocr';
import { createOcrPool, prepareLangDir } from '../activities/photo/ocr-pool';
import { PEOPLE, idCardPhoto } from '../test/fixtures/id-card';

export interface PhotoBenchRow {
  metric: string;
  value: number;
  unit: string;
  target: string;
  ok: boolean | null;
}

export interface PhotoBenchOptions {
  clarityRuns?: number;
  ocrRuns?: number;
  freshWorkerRuns?: number;
  rssCards?: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function timeEach(runs: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn(i);
    times.push(performance.now() - start);
  }
  return times;
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Worker threads share the process, so a worker's memory is the process's RSS growth. */
const rssMb = () => process.memoryUsage().rss / 2 ** 20;

export async function runPhotoBench(options: PhotoBenchOptions = {}): Promise<PhotoBenchRow[]> {
  const { clarityRuns = 40, ocrRuns = 20, freshWorkerRuns = 5, rssCards = 200 } = options;
  const cards = await Promise.all(PEOPLE.map((p) => idCardPhoto(p, 'clear-1600')));
  const card = (i: number) => cards[i % cards.length]!;

  // Warm libvips up once, so neither side pays first-call costs.
  await sharp(card(0)).raw().toBuffer();
  await measureClarity(card(0));
  const decode = median(await timeEach(clarityRuns, (i) => sharp(card(i)).raw().toBuffer()));
  const clarity = median(await timeEach(clarityRuns, (i) => measureClarity(card(i))));

  const langDir = await prepareLangDir();
  const rssBefore = rssMb();
  const pool = await createOcrPool({ size: 1, langDir, recycleAfterJobs: 10_000 });
  let warm: number;
  let rssAfterFirst: number;
  let rssAfterMany: number;
  try {
    const reader = createIdCardReader(pool);
    await reader.read(card(0));
    rssAfterFirst = rssMb();
    warm = median(await timeEach(ocrRuns, (i) => reader.read(card(i))));
    for (let i = ocrRuns + 1; i < rssCards; i++) await reader.read(card(i));
    rssAfterMany = rssMb();
  } finally {
    await pool.terminate();
  }

  // The naive alternative: a worker started (and stopped) for every card.
  const fresh = median(
    await timeEach(freshWorkerRuns, async (i) => {
      const own = await createOcrPool({ size: 1, langDir });
      try {
        await createIdCardReader(own).read(card(i));
      } finally {
        await own.terminate();
      }
    }),
  );

  const clarityRatio = clarity / decode;
  return [
    {
      metric: 'bare sharp decode, 1600 px JPEG (median)',
      value: round(decode),
      unit: 'ms',
      target: '',
      ok: null,
    },
    {
      metric: 'clarity check, 1600 px JPEG (median)',
      value: round(clarity),
      unit: 'ms',
      target: '',
      ok: null,
    },
    {
      metric: 'clarity / bare decode',
      value: round(clarityRatio),
      unit: '×',
      target: '≤ 1.5',
      ok: clarityRatio <= 1.5,
    },
    {
      metric: 'OCR per card, warm pool (median)',
      value: round(warm, 0),
      unit: 'ms',
      target: '≤ 1000',
      ok: warm <= 1000,
    },
    {
      metric: 'OCR per card, fresh worker per call (median)',
      value: round(fresh, 0),
      unit: 'ms',
      target: '',
      ok: null,
    },
    {
      metric: 'warm pool speed-up over fresh worker',
      value: round(fresh / warm, 1),
      unit: '×',
      target: '',
      ok: null,
    },
    {
      metric: 'process RSS growth, 1 worker after 1 card',
      value: round(rssAfterFirst - rssBefore, 0),
      unit: 'MB',
      target: '',
      ok: null,
    },
    {
      metric: `process RSS growth, 1 worker after ${rssCards} cards`,
      value: round(rssAfterMany - rssBefore, 0),
      unit: 'MB',
      target: '',
      ok: null,
    },
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = await runPhotoBench();
  console.table(rows);
}
