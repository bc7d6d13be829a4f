// OCR engine comparison on our own fixture set (issue 21 item 3): the held-out part of the
// realistic set, each photo through the whole photo step (checkIdPhoto) once with tesseract.js
// (production) and once with PaddleOCR PP-OCRv4 through ONNX (@gutenye/ocr-node), only the
// reading of the straightened card differing. Fields right (name, number), verdicts right, CPU
// and wall time of reading one card, and the process's RSS.
//
// PaddleOCR is not a dependency of the project: install it outside (docs/photo-pipeline.md) and
//   PADDLE_OCR_DIR=/work/paddle-trial npm run bench:ocr-engines
// Without PADDLE_OCR_DIR (or with a folder that lacks it) this says so and does nothing.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { checkIdPhoto } from '../activities/photo/check';
import { decodePhoto, straightenCard, type GreyCard } from '../activities/photo/card-photo';
import {
  cleanName,
  createIdCardReader,
  extractIdNumber,
  type CardReading,
  type IdCardReader,
} from '../activities/photo/ocr';
import { createOcrPool, prepareLangDir } from '../activities/photo/ocr-pool';
import { namesMatch } from '../activities/screening';
import { createPhotoStore } from '../db/store';
import { phoneScene } from '../test/fixtures/phone-scene';
import { HELD_OUT_FROM, realisticSet, type SetCase } from '../test/fixtures/phone-set';

const PADDLE_ENTRY = 'node_modules/@gutenye/ocr-node/build/index.js';

interface PaddleLine {
  text: string;
  mean: number;
  box?: number[][];
}
interface PaddleOcr {
  detect(image: Buffer | string): Promise<PaddleLine[]>;
}

/** The PaddleOCR engine installed in `dir`, or null with the reason. */
async function loadPaddle(dir: string | undefined): Promise<PaddleOcr | string> {
  if (!dir) return 'PADDLE_OCR_DIR is not set';
  const entry = join(dir, PADDLE_ENTRY);
  if (!existsSync(entry)) return `${entry} does not exist`;
  const mod = (await import(pathToFileURL(entry).href)) as {
    default: { create(): Promise<PaddleOcr> };
  };
  return mod.default.create();
}

const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
const rssMb = () => Math.round(process.memoryUsage().rss / 2 ** 20);
const maxRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);
const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? 0 : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** PaddleOCR over the whole straightened card, shrunk to 856 × 540 (FIELD-NOTES' best trial). */
function paddleReader(ocr: PaddleOcr, now = Date.now): Pick<IdCardReader, 'readCard'> {
  const readOnce = async (card: GreyCard) => {
    const png = await sharp(Buffer.from(card.data), {
      raw: { width: card.width, height: card.height, channels: 1 },
    })
      .resize(856, 540)
      .toColourspace('srgb')
      .png()
      .toBuffer();
    // NFKC: ocr-node can answer full-width digits.
    const lines = (await ocr.detect(png)).map((l) => ({ ...l, text: l.text.normalize('NFKC') }));
    let idNumber: string | null = null;
    for (const line of lines) {
      idNumber = extractIdNumber(line.text.replace(/[^0-9Xx]/g, '').toUpperCase(), now());
      if (idNumber) break;
    }
    let name: string | null = null;
    const label = lines.find((l) => l.text.includes('姓名'));
    if (label) {
      name = cleanName(label.text);
      // The label and the name read as two boxes: the one beside the label, on its line.
      if (!name && label.box) {
        const y = (label.box[0]![1]! + label.box[2]![1]!) / 2;
        const right = label.box[1]![0]!;
        const beside = lines
          .filter((l) => l !== label && l.box && l.box[0]![0]! >= right - 5)
          .map((l) => ({ l, dy: Math.abs((l.box![0]![1]! + l.box![2]![1]!) / 2 - y) }))
          .sort((a, b) => a.dy - b.dy)[0];
        if (beside && beside.dy < 30) name = cleanName(beside.l.text);
      }
    }
    return { name, idNumber };
  };
  return {
    async readCard(card) {
      const upright = await readOnce(card);
      if (upright.idNumber) return { ...upright, turned: false };
      // Read turned half a turn when the number does not hold, as the tesseract reader does.
      const flipped = await readOnce({ ...card, data: new Uint8Array(card.data).reverse() });
      if (flipped.idNumber) return { ...flipped, turned: true };
      return { ...upright, turned: false };
    },
  };
}

interface EngineResult {
  engine: string;
  verdictsRight: number;
  otherAccepted: number;
  /** Cards the photo step read (clarity passed). */
  read: number;
  nameRight: number;
  numberRight: number;
  bothRight: number;
  /** Every card found and straightened, also those refused before OCR (blur, glare, dark). */
  found: number;
  foundBothRight: number;
  cpuPerCard: number;
  wallPerCard: number;
  maxRss: number;
  misses: string[];
}

/** Every case through the photo step with `reader` reading the card, measured around readCard. */
async function runEngine(
  engine: string,
  reader: Pick<IdCardReader, 'readCard'>,
  cases: { c: SetCase; bytes: Buffer }[],
): Promise<EngineResult> {
  const dir = await mkdtemp(join(tmpdir(), `ocr-engines-${engine}-`));
  const store = createPhotoStore({ dir }).of('bench');
  const cpus: number[] = [];
  const walls: number[] = [];
  const r: EngineResult = {
    engine,
    verdictsRight: 0,
    otherAccepted: 0,
    read: 0,
    nameRight: 0,
    numberRight: 0,
    bothRight: 0,
    found: 0,
    foundBothRight: 0,
    cpuPerCard: 0,
    wallPerCard: 0,
    maxRss: 0,
    misses: [],
  };
  try {
    for (const { c, bytes } of cases) {
      let reading: CardReading | null = null;
      let cpu = 0;
      let wall = 0;
      const measured: IdCardReader = {
        async readCard(card) {
          const [c0, w0] = [cpuMs(), performance.now()];
          reading = await reader.readCard(card);
          cpu += cpuMs() - c0;
          wall += performance.now() - w0;
          return reading;
        },
        read: () => Promise.reject(new Error('not used')),
      };
      const { ref } = await store.put(bytes);
      const result = await checkIdPhoto({ store, ocr: measured }, { ref, submitted: c.submitted });
      const partial =
        result.reasons.length === 1 &&
        result.reasons[0] === 'PHOTO_FIELDS_MISMATCH' &&
        result.ocr?.idNumberMatched === true &&
        result.ocr.name !== null &&
        namesMatch(result.ocr.name, c.submitted.name);
      const accepted = result.accepted || partial;
      if (accepted === c.accepted) r.verdictsRight += 1;
      else r.misses.push(c.id);
      if (c.category === 'other-person' && accepted) r.otherAccepted += 1;
      let read = reading as CardReading | null;
      const reachedOcr = read !== null;
      if (!read) {
        // Refused before OCR: read its straightened card anyway, for the fields alone.
        const straight = await straightenCard(await decodePhoto(bytes)).catch(() => null);
        if (straight) read = await reader.readCard(straight.grey);
      }
      if (read) {
        r.found += 1;
        if (read.name === c.person.name && read.idNumber === c.person.idNumber)
          r.foundBothRight += 1;
      }
      if (read && reachedOcr) {
        r.read += 1;
        const nameOk = read.name === c.person.name;
        const numberOk = read.idNumber === c.person.idNumber;
        r.nameRight += nameOk ? 1 : 0;
        r.numberRight += numberOk ? 1 : 0;
        r.bothRight += nameOk && numberOk ? 1 : 0;
        cpus.push(cpu);
        walls.push(wall);
      }
    }
    r.cpuPerCard = Math.round(median(cpus));
    r.wallPerCard = Math.round(median(walls));
    r.maxRss = maxRssMb();
    return r;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function runOcrEngineBench(perCategory = 6): Promise<void> {
  const paddleDir = process.env.PADDLE_OCR_DIR;
  if (!paddleDir || !existsSync(join(paddleDir, PADDLE_ENTRY))) {
    console.log(
      `Skipped: PaddleOCR is not installed (${paddleDir ? `no ${join(paddleDir, PADDLE_ENTRY)}` : 'PADDLE_OCR_DIR is not set'}). ` +
        'Install it outside the project (docs/photo-pipeline.md, "OCR engine") and run ' +
        'PADDLE_OCR_DIR=/path/to/it npm run bench:ocr-engines.',
    );
    return;
  }
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(1))
      .join(' ');
  console.log(`load average at start: ${load()}`);
  const cases = [];
  for (const c of realisticSet(perCategory, HELD_OUT_FROM))
    cases.push({ c, bytes: (await phoneScene(c.person, c.spec)).bytes });
  const rssBefore = rssMb();

  // tesseract.js first, with PaddleOCR not yet loaded, so that each peak RSS is its own.
  const pool = await createOcrPool({ size: 1, langDir: await prepareLangDir() });
  let tesseract: EngineResult;
  try {
    tesseract = await runEngine('tesseract.js', createIdCardReader(pool), cases);
  } finally {
    await pool.terminate();
  }
  const rssBetween = rssMb();
  const paddle = await loadPaddle(paddleDir);
  if (typeof paddle === 'string') throw new Error(paddle);
  const rssPaddleLoaded = rssMb();
  const paddleResult = await runEngine('PaddleOCR PP-OCRv4', paddleReader(paddle), cases);
  console.log(`load average at end: ${load()}`);
  console.log(
    `RSS: ${rssBefore} MB with the scenes rendered; ${rssBetween} MB after tesseract.js; ` +
      `${rssPaddleLoaded} MB with PaddleOCR loaded`,
  );
  const rows = [tesseract, paddleResult];
  const n = cases.length;
  console.log(
    '\n| engine | verdicts right | other person accepted | name right | number right | both right | both right, every card found | CPU per card (p50) | wall per card (p50) | peak RSS |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows)
    console.log(
      `| ${r.engine} | ${r.verdictsRight}/${n} | ${r.otherAccepted} | ${r.nameRight}/${r.read} | ${r.numberRight}/${r.read} | ${r.bothRight}/${r.read} | ${r.foundBothRight}/${r.found} | ${r.cpuPerCard} ms | ${r.wallPerCard} ms | ${r.maxRss} MB |`,
    );
  for (const r of rows)
    if (r.misses.length) console.log(`${r.engine} misses: ${r.misses.join(' ')}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runOcrEngineBench(Number(process.env.PER_CATEGORY ?? 6)).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
