// Reads the name and the citizen ID number from a photo of the portrait side of an ID card.
//
// One layout pass over the whole card finds the lines; the name and the number are then read
// again from crops of the full-resolution image, one text line each (PSM 7), at a few scales.
// tesseract's LSTM is confidently wrong on some glyphs at some sizes (提/担, 岚/岗), so each
// field is the majority of its readings; a number only counts when its check character holds.
import sharp from 'sharp';
import { PSM, type Block, type Line, type Page } from 'tesseract.js';
import {
  chinaDate,
  isValidName,
  normalizeIdNumber,
  normalizeName,
  parseIdNumber,
} from '../../domain/fields';
import type { OcrPool, OcrWorker } from './ocr-pool';

export interface IdCardReading {
  /** The name as printed (normalised), or null when no plausible name was read. */
  name: string | null;
  /** An ID number whose check character and birth date hold, or null. */
  idNumber: string | null;
}

export interface IdCardReader {
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

// The layout pass runs at this width: the card's text is then 25–40 px high, where tesseract
// segments best, and the pass costs the same whatever the upload's size.
const LAYOUT_WIDTH = 1000;
// Text heights (px) the field crops are scaled to, best first: a misread at one size is rarely
// repeated at the others, and a tie goes to the first. Measured on the 24 legible fixtures
// (4 people × 6 variants): names right at 32 px 24/24, 40 px 24/24, 24 px 23/24, 28 px 22/24,
// 48 px 21/24; numbers right at 30 and 38 px 24/24, upscaled to 48–64 px they misread 5→2.
const NAME_HEIGHTS = [32, 40, 24] as const;
const NUMBER_HEIGHTS = [30, 38] as const;

const HAN = /[\u3400-\u9fff]/u;
// Anything the middle dot of a two-part name comes back as: the only punctuation a name holds.
const SEPARATOR_LIKE =
  /[.,:;'`"\u00B7\u2022\u30FB\uFF65\u2027\uFF0C\u3002\uFF1A\u2018\u2019\u2026\-–—_]+/gu;
const QUOTES_AND_SPACE = /[\s\u201C\u201D\u300C\u300D"'|]+/gu;

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

interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

function linesOf(blocks: Block[] | null): Line[] {
  return (blocks ?? []).flatMap((b) => b.paragraphs.flatMap((p) => p.lines));
}

const heightOf = (r: Rect) => r.y1 - r.y0;
const widthOf = (r: Rect) => r.x1 - r.x0;

/**
 * Where to look for each field, from the layout alone (no recognition: a full chi_sim pass over
 * the card costs over a second). Name: the top lines. Number: the longest word of the bottom
 * lines, which on this card is the 18 widely spaced characters.
 */
export function fieldCandidates(lines: Line[], imageWidth: number) {
  const textLines = lines.filter((l) => heightOf(l.bbox) > 4 && widthOf(l.bbox) > 4);
  const byTop = [...textLines].sort((a, b) => a.bbox.y0 - b.bbox.y0);
  const byBottom = [...textLines].sort((a, b) => b.bbox.y1 - a.bbox.y1);
  const names = byTop.slice(0, 3).map((l) => l.bbox);
  const numbers = byBottom
    .filter((l) => widthOf(l.bbox) > imageWidth * 0.25)
    .slice(0, 3)
    .map((l) => {
      const widest = [...l.words].sort((a, b) => widthOf(b.bbox) - widthOf(a.bbox))[0];
      return widest && widthOf(widest.bbox) > widthOf(l.bbox) * 0.4 ? widest.bbox : l.bbox;
    });
  return { names, numbers };
}

/** `rect` (layout pixels) in full-resolution pixels, padded so tilted strokes are not cut. */
function toBox(rect: Rect, scale: number, image: { width: number; height: number }): Box {
  const pad = heightOf(rect) * 0.3;
  const left = Math.max(0, Math.floor((rect.x0 - pad) * scale));
  const top = Math.max(0, Math.floor((rect.y0 - pad) * scale));
  const right = Math.min(image.width, Math.ceil((rect.x1 + pad) * scale));
  const bottom = Math.min(image.height, Math.ceil((rect.y1 + pad) * scale));
  return { left, top, width: Math.max(1, right - left), height: Math.max(1, bottom - top) };
}

/** Decoded pixels of the upright photo: one channel of grey (two where it kept an alpha channel). */
interface GreyImage {
  data: Buffer;
  info: { width: number; height: number; channels: sharp.Channels };
}

/** The crop scaled so that a text line `lineHeight` px high becomes `target` px high. */
async function lineCrop(source: GreyImage, box: Box, lineHeight: number, target: number) {
  const width = Math.max(8, Math.round((box.width * target) / lineHeight));
  // A new pipeline over the same pixels rather than clone(): sharp's clone() structuredClones its
  // options, input buffer included, so each crop copied the whole photo (1.7 MB at 1600 px).
  return sharp(source.data, { raw: source.info })
    .extract(box)
    .resize({ width })
    .extend({ top: 12, bottom: 12, left: 12, right: 12, background: '#ffffff' })
    .toColourspace('b-w')
    .png({ compressionLevel: 1 })
    .toBuffer();
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
  heights: readonly number[];
  whitelist: string;
  parse: (text: string) => string | null;
  /** Whether a reading that did not parse was at least of this field's line. */
  looksLike: (text: string) => boolean;
}

/** Reads one field at several scales, trying candidate lines until one gives a value. */
async function readField(
  worker: OcrWorker,
  source: GreyImage,
  candidates: Rect[],
  geometry: { scale: number; width: number; height: number },
  field: FieldSpec,
): Promise<string | null> {
  for (const rect of candidates) {
    const box = toBox(rect, geometry.scale, geometry);
    const lineHeight = heightOf(rect) * geometry.scale;
    const readings: (string | null)[] = [];
    for (const target of field.heights) {
      const crop = await lineCrop(source, box, lineHeight, target);
      const text = await recognizeLine(worker, crop, field.whitelist);
      readings.push(field.parse(text));
      // Not this line: its first reading held nothing like the field.
      if (readings.length === 1 && !field.looksLike(text)) break;
      // A majority is already reached: further readings cannot change the answer.
      const leader = majority(readings);
      if (leader !== null && readings.filter((r) => r === leader).length * 2 > field.heights.length)
        break;
    }
    const value = majority(readings);
    if (value !== null) return value;
  }
  return null;
}

/**
 * The photo upright, as one channel of 8-bit grey. An 8-bit RGB photo is converted here with the
 * integer Rec. 601 weights: libvips' greyscale() converts through linear light, which on a
 * 1600 px card took 36 ms of CPU against 24 ms for the decode and this loop. (The green channel
 * alone, which the clarity check measures, misread one of the 24 fixture cards.) Anything else
 * (grey, CMYK, 16-bit) still goes through libvips.
 *
 * Into a buffer of its own rather than in place: the grey pixels live while the card is read
 * (about a second), and a view into the RGB buffer would keep three times their size alive that
 * long. Reading 40 cards cost 46 full garbage collections in place, 36 this way.
 */
async function greyPixels(image: Buffer): Promise<GreyImage> {
  const { space, depth, channels = 0 } = await sharp(image).metadata();
  const upright = sharp(image, { failOn: 'error' }).rotate();
  if (depth !== 'uchar' || space !== 'srgb' || channels < 3) {
    const { data, info } = await upright.greyscale().raw().toBuffer({ resolveWithObject: true });
    return { data, info: { width: info.width, height: info.height, channels: info.channels } };
  }
  const { data, info } = await upright.raw().toBuffer({ resolveWithObject: true });
  const count = info.width * info.height;
  const ch = info.channels;
  const grey = Buffer.allocUnsafe(count);
  for (let i = 0, j = 0; i < count; i++, j += ch)
    grey[i] = (data[j]! * 77 + data[j + 1]! * 150 + data[j + 2]! * 29 + 128) >> 8;
  return { data: grey, info: { width: info.width, height: info.height, channels: 1 } };
}

export function createIdCardReader(pool: OcrPool, options: ReaderOptions = {}): IdCardReader {
  const now = options.now ?? Date.now;
  return {
    async read(image) {
      // Decoded once to raw pixels: every line crop below starts from them, not from the file.
      const full = await greyPixels(image);
      const { width, height } = full.info;
      const layoutWidth = Math.min(LAYOUT_WIDTH, width);
      const geometry = { scale: width / layoutWidth, width, height };
      const layoutImage = await sharp(full.data, { raw: full.info })
        .resize({ width: layoutWidth })
        .toColourspace('b-w')
        .png({ compressionLevel: 1 })
        .toBuffer();

      return pool.run(async (worker) => {
        const layout = await worker.recognize(
          layoutImage,
          { tessedit_pageseg_mode: PSM.AUTO, user_defined_dpi: DPI },
          { layoutBlocks: true, text: false },
        );
        // Typed by tesseract.js only as an output option, but returned on `data` like `blocks`.
        const { layoutBlocks } = layout.data as Page & { layoutBlocks?: Block[] | null };
        const { names, numbers } = fieldCandidates(linesOf(layoutBlocks ?? null), layoutWidth);
        const name = await readField(worker, full, names, geometry, {
          heights: NAME_HEIGHTS,
          whitelist: '',
          parse: cleanName,
          looksLike: (text) => HAN.test(text),
        });
        const idNumber = await readField(worker, full, numbers, geometry, {
          heights: NUMBER_HEIGHTS,
          whitelist: '0123456789X',
          parse: (text) => extractIdNumber(text, now()),
          looksLike: (text) => /(?:[0-9X]\s*){10}/i.test(text),
        });
        return { name, idNumber };
      });
    },
  };
}
