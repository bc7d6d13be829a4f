// From an upload to the straightened card: one decode (upright by EXIF, shrunk to a working
// size), the card's corners, the warp, and which way up the card is.
import type { Quad, RgbImage } from './card-geometry';
import {
  CARD_HEIGHT,
  CARD_WIDTH,
  cardLength,
  findCard,
  halfTurn,
  orderCorners,
  warpCard,
} from './card-geometry';
import { openPhoto } from './guards';

/** One channel of 8-bit grey, CARD_WIDTH × CARD_HEIGHT. */
export interface GreyCard {
  data: Uint8Array;
  width: number;
  height: number;
}

/**
 * The upload is decoded at most this large on its long side: a card filling a third of a 12 MP
 * frame is then still ~670 px wide, and libjpeg's shrink-on-load keeps the decode cheap.
 */
export const DECODE_LONG_SIDE = 2000;

export interface DecodedPhoto {
  /** As displayed, in pixels of the upload. */
  width: number;
  height: number;
  /** The working copy: upright, at most DECODE_LONG_SIDE on its long side. */
  image: RgbImage;
  /** Upload pixels per working pixel. */
  scale: number;
  /** Mean grey level of the whole frame (0–255), for a frame too dark to find anything in. */
  brightness: number;
}

/** Decodes the upload. Throws when its pixels cannot be decoded (truncated, corrupt). */
export async function decodePhoto(bytes: Buffer): Promise<DecodedPhoto> {
  const [meta, { data, info }] = await Promise.all([
    openPhoto(bytes).metadata(),
    openPhoto(bytes)
      .resize({
        width: DECODE_LONG_SIDE,
        height: DECODE_LONG_SIDE,
        fit: 'inside',
        withoutEnlargement: true,
      })
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true }),
  ]);
  const { width = info.width, height = info.height } = meta.autoOrient;
  let sum = 0;
  // Every 7th pixel is plenty for a mean.
  for (let i = 1; i < data.length; i += 21) sum += data[i]!;
  return {
    width,
    height,
    image: { data, width: info.width, height: info.height },
    scale: width / info.width,
    brightness: sum / Math.ceil(data.length / 21),
  };
}

export interface StraightCard {
  /** Corners in upload pixels, in the card's reading order (top-left first), upright guess. */
  corners: Quad;
  /** The card's long side over the frame's width. */
  share: number;
  /** The card, RGB, in the orientation guessed. */
  rgb: RgbImage;
  grey: GreyCard;
}

/** Finds and straightens the card, or null when there is none. */
export async function straightenCard(photo: DecodedPhoto): Promise<StraightCard | null> {
  const found = (await findCard(photo.image)) ?? wholeFrame(photo.image);
  if (!found) return null;
  const rgb = await warpCard(photo.image, found);
  let grey = toGrey(rgb);
  let quad = found;
  let image = rgb;
  if (looksUpsideDown(grey)) {
    grey = halfTurnGrey(grey);
    image = halfTurnRgb(rgb);
    quad = halfTurn(found);
  }
  const corners = quad.map((p) => ({
    x: Math.round(p.x * photo.scale),
    y: Math.round(p.y * photo.scale),
  })) as Quad;
  return { corners, share: cardLength(corners) / photo.width, rgb: image, grey };
}

/**
 * A card filling the frame edge to edge has no outline to find: a frame of the card's own
 * proportions (phones shoot 4:3 or 16:9, far from 1.586) is taken to be the card itself.
 */
function wholeFrame({ width, height }: RgbImage): Quad | null {
  const ratio = Math.max(width, height) / Math.min(width, height);
  if (ratio < CARD_RATIO_RANGE[0] || ratio > CARD_RATIO_RANGE[1]) return null;
  const w = width - 1;
  const h = height - 1;
  return orderCorners([
    { x: 0, y: 0 },
    { x: w, y: 0 },
    { x: w, y: h },
    { x: 0, y: h },
  ]);
}

const CARD_RATIO_RANGE = [1.52, 1.65] as const;

/** The card turned half a turn (the other reading of its outline). */
export function turnStraightCard(card: StraightCard): StraightCard {
  return {
    ...card,
    corners: halfTurn(card.corners),
    rgb: halfTurnRgb(card.rgb),
    grey: halfTurnGrey(card.grey),
  };
}

/** Integer Rec. 601 luma. */
export function toGrey(rgb: RgbImage): GreyCard {
  const n = rgb.width * rgb.height;
  const out = new Uint8Array(n);
  const d = rgb.data;
  for (let i = 0, j = 0; i < n; i++, j += 3)
    out[i] = (d[j]! * 77 + d[j + 1]! * 150 + d[j + 2]! * 29 + 128) >> 8;
  return { data: out, width: rgb.width, height: rgb.height };
}

function halfTurnGrey(g: GreyCard): GreyCard {
  return { ...g, data: new Uint8Array(g.data).reverse() };
}

function halfTurnRgb(rgb: RgbImage): RgbImage {
  const n = rgb.width * rgb.height;
  const out = new Uint8Array(n * 3);
  for (let i = 0, j = (n - 1) * 3; i < n * 3; i += 3, j -= 3) {
    out[i] = rgb.data[j]!;
    out[i + 1] = rgb.data[j + 1]!;
    out[i + 2] = rgb.data[j + 2]!;
  }
  return { data: out, width: rgb.width, height: rgb.height };
}

/** Canonical zones, as shares of the card (left, top, right, bottom), upright. */
export const ZONES = {
  /** The name's value, right of the 姓名 label. */
  name: [0.185, 0.08, 0.7, 0.225],
  /** The 18 characters right of 公民身份号码. */
  number: [0.34, 0.81, 0.985, 0.925],
  /** The portrait. */
  portrait: [0.715, 0.115, 0.94, 0.57],
} as const satisfies Record<string, readonly [number, number, number, number]>;

export type Zone = readonly [number, number, number, number];

/** The zone turned half a turn with the card. */
export function turnedZone([l, t, r, b]: Zone): Zone {
  return [1 - r, 1 - b, 1 - l, 1 - t];
}

export function zoneBox(zone: Zone, width = CARD_WIDTH, height = CARD_HEIGHT) {
  const left = Math.round(zone[0] * width);
  const top = Math.round(zone[1] * height);
  return {
    left,
    top,
    width: Math.round(zone[2] * width) - left,
    height: Math.round(zone[3] * height) - top,
  };
}

/** Sum of absolute horizontal differences over a zone: how much text (glyph strokes) it holds. */
function strokeEnergy(g: GreyCard, zone: Zone): number {
  const { left, top, width, height } = zoneBox(zone, g.width, g.height);
  let sum = 0;
  for (let y = top; y < top + height; y += 2) {
    const row = y * g.width;
    for (let x = left + 1; x < left + width; x++)
      sum += Math.abs(g.data[row + x]! - g.data[row + x - 1]!);
  }
  return sum;
}

/**
 * The number line is the card's widest run of text; turned half a turn it lands on the name
 * row, which holds much less. A guess, checked by OCR (the number's check character).
 */
export function looksUpsideDown(g: GreyCard): boolean {
  return strokeEnergy(g, turnedZone(ZONES.number)) > 1.15 * strokeEnergy(g, ZONES.number);
}
