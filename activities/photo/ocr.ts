// Reads the name and the citizen ID number from the straightened card (card-photo.ts), field by
// field from the canonical layout: the name zone and the number line, each one text line (PSM 7)
// read at a few scales. tesseract's LSTM is confidently wrong on some glyphs at some sizes
// (提/担, 岚/岗), so each field is the majority of its readings; a number only counts when its
// check character holds, and a card whose number does not read is read again turned half a
// turn (an upside-down card whose orientation was guessed wrong).
import sharp from 'sharp';
import { PSM } from 'tesseract.js';
import {
  chinaDate,
  isValidName,
  normalizeIdNumber,
  normalizeName,
  parseIdNumber,
} from '../../domain/fields';
import type { OcrPool, OcrWorker } from './ocr-pool';
import {
  decodePhoto,
  straightenCard,
  zoneBox,
  ZONES,
  type GreyCard,
  type Zone,
} from './card-photo';

export interface IdCardReading {
  /** The name as printed (normalised), or null when no plausible name was read. */
  name: string | null;
  /** An ID number whose check character and birth date hold, or null. */
  idNumber: string | null;
}

export interface CardReading extends IdCardReading {
  /** Whether the card was read turned half a turn from the orientation it was given in. */
  turned: boolean;
}

export interface IdCardReader {
  /** Reads the straightened card. */
  readCard(card: GreyCard): Promise<CardReading>;
  /** Finds, straightens and reads the card in an upload (benchmarks; no clarity check). */
  read(image: Buffer): Promise<IdCardReading>;
}

export interface ReaderOptions {
  /** Bounds the birth date of a number read; defaults to the clock. */
  now?: () => number;
}

export interface FieldComparison {
  matched: boolean;
  nameMatched: boolean;
  idNumberMatched: boolean;
}

/** The card against what the applicant typed: names after normalizeName, numbers upper-cased. */
export function compareWithSubmitted(
  reading: IdCardReading,
  submitted: { name: string; idNumber: string },
): FieldComparison {
  const nameMatched = reading.name !== null && reading.name === normalizeName(submitted.name);
  const idNumberMatched =
    reading.idNumber !== null && reading.idNumber === normalizeIdNumber(submitted.idNumber);
  return { matched: nameMatched && idNumberMatched, nameMatched, idNumberMatched };
}

// Text heights (px) the field crops are scaled to, best first: a misread at one size is rarely
// repeated at the others, and a tie goes to the first (measurements: docs/photo-pipeline.md).
const NAME_HEIGHTS = [32, 40, 24] as const;
const NUMBER_HEIGHTS = [30, 38] as const;

const HAN = /[\u3400-\u9fff]/u;
// Anything the middle dot of a two-part name comes back as: the only punctuation a name holds.
const SEPARATOR_LIKE =
  /[.,:;'`"\u00B7\u2022\u30FB\uFF65\u2027\uFF0C\u3002\uFF1A\u2018\u2019\u2026\-–—_]+/gu;
const QUOTES_AND_SPACE = /[\s\u201C\u201D\u300C\u300D"'|]+/gu;

/** The card's printed labels (and halves of them that OCR tends to return alone). */
export const LABELS = ['姓名', '性别', '民族', '出生', '住址', '公民身份号码'] as const;
const LABEL_PARTS = [...LABELS, '公民', '身份', '号码', '性别', '民族'];

/** A name as tesseract returns it, label and noise removed, or null when it is not a name. */
export function cleanName(raw: string): string | null {
  let text = raw.replace(/\s+/gu, '');
  // The label may come along as 姓名, or as one half of it when the other half was misread.
  // A name that really begins with 姓 or 名 then loses a character and no longer matches: the
  // safe way to be wrong.
  text = text.replace(
    /^[^\u3400-\u9fff]*(?:姓名|姓|名)(?=[^\u3400-\u9fff]*[\u3400-\u9fff]{2})/u,
    '',
  );
  text = text.replace(QUOTES_AND_SPACE, '');
  // Separators between two Han parts become the middle dot; anywhere else they are noise.
  text = text.replace(SEPARATOR_LIKE, (sep, offset: number, whole: string) => {
    const before = whole.slice(0, offset);
    const after = whole.slice(offset + sep.length);
    return HAN.test(before.slice(-1)) && HAN.test(after.slice(0, 1)) ? '\u00B7' : '';
  });
  text = text.replace(/^[^\u3400-\u9fff]+|[^\u3400-\u9fff]+$/gu, '');
  const name = normalizeName(text);
  // A label read where the name should be (民族汉, 男民族, 姓名…) is never a name.
  if (LABEL_PARTS.some((label) => name.includes(label))) return null;
  return isValidName(name) ? name : null;
}

/** The first 18-character run in `raw` that is a valid ID number on `today`, or null. */
export function extractIdNumber(raw: string, now: number): string | null {
  const compact = raw.toUpperCase().replace(/[^0-9X]/g, '');
  const today = chinaDate(now);
  for (let i = 0; i + 18 <= compact.length; i++) {
    const candidate = compact.slice(i, i + 18);
    if (parseIdNumber(candidate, today)) return candidate;
  }
  return null;
}

/** The most frequent non-null value; ties go to the earliest, which is the preferred source. */
export function majority(values: readonly (string | null)[]): string | null {
  const counts = new Map<string, number>();
  for (const v of values) if (v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: string | null = null;
  let bestCount = 0;
  for (const [value, count] of counts) {
    if (count > bestCount) {
      best = value;
      bestCount = count;
    }
  }
  return best;
}

interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Decoded pixels: one channel of grey. */
interface GreyImage {
  data: Buffer;
  info: { width: number; height: number; channels: 1 };
}

/** The crop scaled so that a text line `lineHeight` px high becomes `target` px high. */
async function lineCrop(
  source: GreyImage,
  box: Box,
  lineHeight: number,
  target: number,
  binarize: boolean,
) {
  const width = Math.max(8, Math.round((box.width * target) / lineHeight));
  let crop = sharp(stretched(source, box), {
    raw: { width: box.width, height: box.height, channels: 1 },
  }).resize({ width });
  if (binarize) crop = crop.threshold(140);
  return crop
    .extend({ top: 12, bottom: 12, left: 12, right: 12, background: '#ffffff' })
    .toColourspace('b-w')
    .png({ compressionLevel: 1 })
    .toBuffer();
}

/**
 * The box's pixels with their 1st–99th percentile grey levels stretched to 0–255: a dim card
 * then reads like a bright one, and the number's binarisation level means the same on both.
 * (sharp's normalise() did not apply to an extract of raw one-channel input.)
 */
function stretched(source: GreyImage, box: Box): Buffer {
  const out = Buffer.allocUnsafe(box.width * box.height);
  const histogram = new Uint32Array(256);
  for (let y = 0, o = 0; y < box.height; y++) {
    const row = (box.top + y) * source.info.width + box.left;
    for (let x = 0; x < box.width; x++, o++) {
      const v = source.data[row + x]!;
      out[o] = v;
      histogram[v]!++;
    }
  }
  const level = (p: number) => {
    let seen = 0;
    for (let v = 0; v < 256; v++) if ((seen += histogram[v]!) >= p * out.length) return v;
    return 255;
  };
  const lo = level(0.01);
  const hi = level(0.99);
  if (hi - lo < 8) return out;
  const scale = 255 / (hi - lo);
  for (let i = 0; i < out.length; i++)
    out[i] = Math.max(0, Math.min(255, Math.round((out[i]! - lo) * scale)));
  return out;
}

// Crops carry no density; without it tesseract warns and guesses 70 dpi.
const DPI = '300';

async function recognizeLine(worker: OcrWorker, image: Buffer, whitelist = ''): Promise<string> {
  const { data } = await worker.recognize(image, {
    tessedit_pageseg_mode: PSM.SINGLE_LINE,
    tessedit_char_whitelist: whitelist,
    user_defined_dpi: DPI,
  });
  return data.text;
}

interface FieldSpec {
  zone: Zone;
  /** Height of the field's glyphs as a share of the card's height. */
  glyphShare: number;
  heights: readonly number[];
  whitelist: string;
  binarize: boolean;
  parse: (text: string) => string | null;
}

/** Reads one field of the card at several scales. */
async function readField(
  worker: OcrWorker,
  source: GreyImage,
  zone: Zone,
  field: FieldSpec,
): Promise<string | null> {
  const box = inkBox(source, zoneBox(zone, source.info.width, source.info.height));
  const lineHeight = Math.max(8, box.height / 1.6, field.glyphShare * source.info.height * 0.5);
  const readings: (string | null)[] = [];
  for (const target of field.heights) {
    const crop = await lineCrop(source, box, lineHeight, target, field.binarize);
    const text = await recognizeLine(worker, crop, field.whitelist);
    readings.push(field.parse(text));
    // A majority is already reached: further readings cannot change the answer.
    const leader = majority(readings);
    if (leader !== null && readings.filter((r) => r === leader).length * 2 > field.heights.length)
      break;
  }
  return majority(readings);
}

/**
 * The zone narrowed to its text: the rows and columns holding dark ink, padded. The card's
 * printed guilloche lines are much lighter than its text and stay out, and so do the edges of
 * the rows above and below, which OCR would otherwise read as 一.
 */
export function inkBox(source: GreyImage, zone: Box): Box {
  const { data, info } = source;
  const histogram = new Uint32Array(256);
  for (let y = zone.top; y < zone.top + zone.height; y++)
    for (let x = zone.left, i = y * info.width + zone.left; x < zone.left + zone.width; x++, i++)
      histogram[data[i]!]!++;
  const total = zone.width * zone.height;
  const level = (p: number) => {
    let seen = 0;
    for (let v = 0; v < 256; v++) if ((seen += histogram[v]!) >= p * total) return v;
    return 255;
  };
  const dark = level(0.01);
  const paper = level(0.6);
  // Text is much darker than the paper; with no such contrast there is no text to narrow to.
  if (paper - dark < 40) return zone;
  const ink = (dark + paper) / 2;
  const rows = new Uint32Array(zone.height);
  const cols = new Uint32Array(zone.width);
  for (let y = 0; y < zone.height; y++)
    for (let x = 0, i = (zone.top + y) * info.width + zone.left; x < zone.width; x++, i++)
      if (data[i]! < ink) {
        rows[y]!++;
        cols[x]!++;
      }
  // The longest run of inked rows is the line; columns are taken within the whole zone.
  let best = [0, 0];
  for (let y = 0, start = -1; y <= zone.height; y++) {
    const inked = y < zone.height && rows[y]! > zone.width * 0.004;
    if (inked && start < 0) start = y;
    if (!inked && start >= 0) {
      if (y - start > best[1]! - best[0]!) best = [start, y];
      start = -1;
    }
  }
  if (best[1]! - best[0]! < 6) return zone;
  let x0 = 0;
  let x1 = zone.width;
  while (x0 < x1 && cols[x0]! === 0) x0++;
  while (x1 > x0 && cols[x1 - 1]! === 0) x1--;
  const h = best[1]! - best[0]!;
  const pad = Math.round(h * 0.25);
  const left = Math.max(zone.left, zone.left + x0 - pad);
  const top = Math.max(zone.top, zone.top + best[0]! - pad);
  const right = Math.min(zone.left + zone.width, zone.left + x1 + pad);
  const bottom = Math.min(zone.top + zone.height, zone.top + best[1]! + pad);
  return { left, top, width: right - left, height: bottom - top };
}

/** The card's glyphs: the name is printed about 5.5 % of the card's height, the number 5.3 %. */
const NAME_GLYPHS = 0.06;
const NUMBER_GLYPHS = 0.053;

function greyImage(card: GreyCard): GreyImage {
  return {
    data: Buffer.from(card.data.buffer, card.data.byteOffset, card.data.byteLength),
    info: { width: card.width, height: card.height, channels: 1 },
  };
}

export function createIdCardReader(pool: OcrPool, options: ReaderOptions = {}): IdCardReader {
  const now = options.now ?? Date.now;
  const number = (zone: Zone): FieldSpec => ({
    zone,
    glyphShare: NUMBER_GLYPHS,
    heights: NUMBER_HEIGHTS,
    whitelist: '0123456789X',
    binarize: true,
    parse: (text) => extractIdNumber(text, now()),
  });
  const name = (zone: Zone): FieldSpec => ({
    zone,
    glyphShare: NAME_GLYPHS,
    heights: NAME_HEIGHTS,
    whitelist: '',
    binarize: false,
    parse: cleanName,
  });

  const readCard = async (card: GreyCard): Promise<CardReading> => {
    const upright = greyImage(card);
    return pool.run(async (worker) => {
      let source = upright;
      let turned = false;
      let idNumber = await readField(worker, source, ZONES.number, number(ZONES.number));
      if (idNumber === null) {
        // Read turned half a turn: crops of the turned zone, each turned back.
        const flipped = greyImage({ ...card, data: new Uint8Array(card.data).reverse() });
        const again = await readField(worker, flipped, ZONES.number, number(ZONES.number));
        if (again !== null) {
          source = flipped;
          turned = true;
          idNumber = again;
        }
      }
      const read = await readField(worker, source, ZONES.name, name(ZONES.name));
      return { name: read, idNumber, turned };
    });
  };

  return {
    readCard,
    async read(image) {
      const card = await straightenCard(await decodePhoto(image));
      if (!card) return { name: null, idNumber: null };
      const { name: n, idNumber } = await readCard(card.grey);
      return { name: n, idNumber };
    },
  };
}
