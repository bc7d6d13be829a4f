// Is the card good enough to read? Measured on the straightened card at a fixed size, so that
// neither the background nor the framing changes the verdict. Thresholds and their evidence:
// docs/photo-pipeline.md.
import type { ReasonCode } from '../../domain/codes';
import type { Quad } from './card-geometry';
import { turnedZone, ZONES, zoneBox, type GreyCard } from './card-photo';

export interface PhotoMetrics {
  /** As displayed (after EXIF orientation), in pixels of the upload. */
  width: number;
  height: number;
  /**
   * Variance of the Laplacian over the most detailed tiles of the card at MEASURE_WIDTH, with
   * the card's grey levels stretched to full contrast first. 0 when no card was found.
   */
  sharpness: number;
  /** Share (0–1) of the card's pixels that are clipped (≥ CLIPPED_LEVEL). */
  glare: number;
  /** Mean grey level of the card (0–255); of the whole frame when no card was found. */
  brightness: number;
  /** The card's corners in the upload (top-left, top-right, bottom-right, bottom-left), or null. */
  corners: Quad | null;
  /** The card's long side over the frame's width, or null when no card was found. */
  cardShare: number | null;
  /** Clipped share of the name and number zones. */
  glareZones?: { name: number; number: number };
}

export interface ClarityThresholds {
  minLongSide: number;
  /** The card's long side over the frame's width (SPEC: at least a third). */
  minCardShare: number;
  minSharpness: number;
  maxGlare: number;
  /** Clipped share of the name or the number zone above which the field is unreadable. */
  maxZoneGlare: number;
  minBrightness: number;
  /** Mean grey level of a frame with no card found below which the answer is "too dark". */
  minFrameBrightness: number;
}

// The values and their evidence: docs/photo-pipeline.md.
export const CLARITY_THRESHOLDS: ClarityThresholds = {
  minLongSide: 1000,
  minCardShare: 1 / 3,
  minSharpness: 120,
  maxGlare: 0.05,
  maxZoneGlare: 0.04,
  minBrightness: 60,
  minFrameBrightness: 30,
};

/** The card is measured at this width (the canonical card halved): blur scores depend on scale. */
export const MEASURE_WIDTH = 856;
/** 32 px tiles: about one glyph of the card's text at this size. */
const TILE = 32;
/** The share of tiles, most detailed first, whose sharpness is averaged: the text. */
const DETAILED_SHARE = 0.25;
const CLIPPED_LEVEL = 250;
/** Below this grey-level range there is no card to judge, only noise to amplify. */
const MIN_CONTRAST = 16;

function percentile(histogram: Uint32Array, count: number, p: number): number {
  const rank = p * count;
  let seen = 0;
  for (let v = 0; v < histogram.length; v++) {
    seen += histogram[v]!;
    if (seen >= rank) return v;
  }
  return histogram.length - 1;
}

/** The grey card halved (2 × 2 means): CARD_WIDTH is twice MEASURE_WIDTH. */
export function halve(g: GreyCard): GreyCard {
  const width = g.width >> 1;
  const height = g.height >> 1;
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const a = 2 * y * g.width;
    const b = a + g.width;
    for (let x = 0, o = y * width; x < width; x++, o++) {
      const i = 2 * x;
      out[o] = (g.data[a + i]! + g.data[a + i + 1]! + g.data[b + i]! + g.data[b + i + 1]! + 2) >> 2;
    }
  }
  return { data: out, width, height };
}

function clippedShare(g: GreyCard, zone: readonly [number, number, number, number]): number {
  const { left, top, width, height } = zoneBox(zone, g.width, g.height);
  let clipped = 0;
  for (let y = top; y < top + height; y++)
    for (let x = left, i = y * g.width + left; x < left + width; x++, i++)
      if (g.data[i]! >= CLIPPED_LEVEL) clipped++;
  return round(clipped / (width * height), 4);
}

/** Sharpness, glare (overall and over the name and number) and brightness of the card. */
export function measureCard(card: GreyCard) {
  const small = card.width > MEASURE_WIDTH ? halve(card) : card;
  const { sharpness, glare, brightness } = pixelMeasures(small.data, small.width, small.height);
  return {
    sharpness,
    glare,
    brightness,
    // Both ways up: the orientation is still a guess here, and glare over the number is what
    // makes that guess go wrong.
    glareZones: {
      name: Math.max(clippedShare(small, ZONES.name), clippedShare(small, turnedZone(ZONES.name))),
      number: Math.max(
        clippedShare(small, ZONES.number),
        clippedShare(small, turnedZone(ZONES.number)),
      ),
    },
  };
}

/**
 * Directional sharpness per tile, clipped share and mean, over one grey channel, in one pass.
 * The second differences along x and along y are kept apart: motion blur smears the card one
 * way and leaves the strokes across it sharp, so the sharpness is the weaker direction's.
 */
export function pixelMeasures(pixels: Uint8Array, width: number, height: number) {
  const stride = width;
  const histogram = new Uint32Array(256);
  const tilesX = Math.max(1, Math.floor((width - 2) / TILE));
  const tilesY = Math.max(1, Math.floor((height - 2) / TILE));
  const tiles = tilesX * tilesY;
  const sx = new Float64Array(tiles);
  const qx = new Float64Array(tiles);
  const sy = new Float64Array(tiles);
  const qy = new Float64Array(tiles);
  const tileN = new Float64Array(tiles);
  for (let i = 0; i < width * height; i++) histogram[pixels[i]!]!++;
  for (let y = 1; y < height - 1; y++) {
    const rowTile = Math.min(tilesY - 1, Math.floor((y - 1) / TILE)) * tilesX;
    const row = y * stride;
    for (let tx = 0; tx < tilesX; tx++) {
      const x0 = 1 + tx * TILE;
      const x1 = tx === tilesX - 1 ? width - 1 : x0 + TILE;
      let ax = 0;
      let bx = 0;
      let ay = 0;
      let by = 0;
      for (let i = row + x0, end = row + x1; i < end; i++) {
        const c2 = 2 * pixels[i]!;
        const dx = pixels[i - 1]! + pixels[i + 1]! - c2;
        const dy = pixels[i - stride]! + pixels[i + stride]! - c2;
        ax += dx;
        bx += dx * dx;
        ay += dy;
        by += dy * dy;
      }
      const t = rowTile + tx;
      sx[t]! += ax;
      qx[t]! += bx;
      sy[t]! += ay;
      qy[t]! += by;
      tileN[t]! += x1 - x0;
    }
  }
  const count = width * height;
  let sum = 0;
  for (let v = 0; v < 256; v++) sum += v * histogram[v]!;
  let clipped = 0;
  for (let v = CLIPPED_LEVEL; v < 256; v++) clipped += histogram[v]!;
  // A second difference scales with contrast, so a dim photo of a sharp card would also read as
  // blurry. Rescaling to the card's 1st–99th percentile range keeps blur and darkness apart.
  const contrast = Math.max(
    MIN_CONTRAST,
    percentile(histogram, count, 0.99) - percentile(histogram, count, 0.01),
  );
  const gain = (255 / contrast) ** 2;
  const top = (s: Float64Array, q: Float64Array) => {
    const variances: number[] = [];
    for (let t = 0; t < tiles; t++) {
      const n = tileN[t]!;
      if (n === 0) continue;
      const mean = s[t]! / n;
      variances.push(q[t]! / n - mean * mean);
    }
    variances.sort((a, b) => b - a);
    const best = variances.slice(0, Math.max(1, Math.round(variances.length * DETAILED_SHARE)));
    return best.reduce((a, b) => a + b, 0) / best.length;
  };
  const sharpness = gain * Math.min(top(sx, qx), top(sy, qy));
  return {
    sharpness: round(sharpness, 1),
    glare: round(clipped / count, 4),
    brightness: round(sum / count, 1),
  };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/**
 * The reasons a card fails the clarity check, in a fixed order. A photo or card too small to
 * judge is not also called blurry: the one actionable reason is to come closer.
 */
export function judgeClarity(
  m: PhotoMetrics,
  t: ClarityThresholds = CLARITY_THRESHOLDS,
): ReasonCode[] {
  const reasons: ReasonCode[] = [];
  if (Math.max(m.width, m.height) < t.minLongSide) return ['PHOTO_TOO_SMALL'];
  if (m.cardShare !== null && m.cardShare < t.minCardShare) return ['PHOTO_TOO_SMALL'];
  if (m.sharpness < t.minSharpness) reasons.push('PHOTO_BLURRY');
  const zones = m.glareZones ?? { name: 0, number: 0 };
  if (m.glare > t.maxGlare || Math.max(zones.name, zones.number) > t.maxZoneGlare)
    reasons.push('PHOTO_GLARE');
  if (m.brightness < t.minBrightness) reasons.push('PHOTO_TOO_DARK');
  return reasons;
}
